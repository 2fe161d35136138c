"""A throwaway single-node Slurm cluster with accounting, on loopback, to try the Slurm path on one machine.

    sudo python scripts/local_slurm.py run -- python -m sim -m hydra/launcher=slurm seed=range(4)
    sudo python scripts/local_slurm.py up        # prints the SLURM_CONF to export; Ctrl-C stops it

It starts, as the root user and each from nothing in a fresh temporary folder: MariaDB (the accounting
database, on a loopback port, no password: it serves nobody but this cluster), ``munged`` (as the
``munge`` user, with a new key and its own socket), ``slurmdbd``, ``slurmctld`` and ``slurmd`` (node
``localnode``, with this machine's cores and memory as ``slurmd -C`` reports them), all on free loopback
ports; it waits until the node is idle, and afterwards cancels what is left in the queue and stops every
daemon by its PID, then deletes the folder. Nothing of the machine's own Slurm, munge or MariaDB setup is
read or touched: every client finds this cluster through ``SLURM_CONF`` alone.

Accounting matters: without ``slurmdbd``, submitit polls forever for a job killed before it wrote its
result; with it, the job's end state is known within seconds. Process tracking is by ``/proc``
(``proctrack/linuxproc``, ``task/none``), so no systemd or cgroups are needed: it runs in a container.

Needs Debian's ``slurmctld slurmd slurmdbd slurm-client munge mariadb-server`` (the test suite's CI
installs them, see ``.ci/run``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NEEDED = (
    *("mariadbd", "mariadb-install-db", "munged", "slurmdbd", "slurmctld", "slurmd"),  # the daemons
    *("sacctmgr", "sinfo", "sbatch", "squeue", "scancel", "scontrol"),  # the clients it uses
)
PACKAGES = "slurmctld slurmd slurmdbd slurm-client munge mariadb-server"
CLUSTER = "localslurm"
NODE = "localnode"
PARTITION = "local"
ACCOUNT = "local"  # an account the submitting user (root) may charge, as on a cluster


class SlurmUnavailable(RuntimeError):
    """This machine cannot run the local cluster (not root, or a program missing)."""


def unavailable_reason() -> str | None:
    """Why this machine cannot start a local cluster, in one line, or None if it can."""
    if os.geteuid() != 0:
        return "a local Slurm cluster needs root (its daemons run as root and as the munge user)"
    missing = [name for name in NEEDED if _which(name) is None]
    if missing:
        return f"missing {', '.join(missing)}: apt-get install {PACKAGES}"
    try:
        pwd.getpwnam("munge")
    except KeyError:
        return "no 'munge' user: apt-get install munge"
    return None


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _listening(port: int) -> bool:
    with contextlib.closing(socket.socket()) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class LocalSlurm:
    """The cluster, as a context manager: ``with LocalSlurm() as slurm: subprocess.run(..., env=slurm.env)``.

    ``env`` is this process's environment plus ``SLURM_CONF``; ``sinfo``, ``sbatch``, ``scontrol``,
    ``sacct`` and submitit find the cluster through it.
    """

    def __init__(self, start_timeout: float = 120.0) -> None:
        self.start_timeout = start_timeout
        self.root: Path | None = None
        self._daemons: list[tuple[str, subprocess.Popen]] = []

    # -- what clients need -------------------------------------------------------------------------
    @property
    def conf(self) -> Path:
        assert self.root is not None, "the cluster is not started"
        return self.root / "etc" / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def run(self, *command: str, timeout: float = 30.0, check: bool = True) -> str:
        """A Slurm client command against this cluster (``sinfo``, ``scontrol``...); its standard output."""
        done = self._client(command, timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def wait_queue_empty(self, timeout: float) -> bool:
        """Whether the queue (pending and running jobs) empties within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.run("squeue", "-h", "-o", "%i", check=False).strip():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def _client(self, command: tuple[str, ...], timeout: float) -> subprocess.CompletedProcess:
        program = _which(command[0]) or command[0]
        return subprocess.run([program, *command[1:]], env=self.env, capture_output=True, text=True, timeout=timeout)

    # -- life cycle --------------------------------------------------------------------------------
    def __enter__(self) -> LocalSlurm:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise SlurmUnavailable(reason)
        self.root = Path(tempfile.mkdtemp(prefix="local-slurm-"))
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        root = self.root
        assert root is not None
        root.chmod(0o755)  # munged (as munge) checks and uses the folders on its socket's path
        for sub in ("etc", "log", "run", "state", "spool", "db", "munge"):
            (root / sub).mkdir()
        deadline = time.monotonic() + self.start_timeout
        ctld_port, slurmd_port, dbd_port, db_port = _free_ports(4)
        munge_socket = self._start_munge(root / "munge", deadline)
        self._start_mariadb(root / "db", db_port, deadline)
        auth = f"AuthType=auth/munge\nAuthInfo=socket={munge_socket}\n"
        dbd_conf = root / "etc" / "slurmdbd.conf"
        dbd_conf.write_text(
            auth
            + f"DbdHost=localhost\nDbdAddr=127.0.0.1\nDbdPort={dbd_port}\nSlurmUser=root\n"
            + f"LogFile={root}/log/slurmdbd.log\nPidFile={root}/run/slurmdbd.pid\n"
            + "StorageType=accounting_storage/mysql\nStorageHost=127.0.0.1\n"
            + f"StoragePort={db_port}\nStorageUser=root\nStorageLoc=slurm_acct_db\n"
        )
        dbd_conf.chmod(0o600)  # slurmdbd refuses a config others can read
        self.conf.write_text(
            self._slurm_conf(auth, munge_socket, ctld_port=ctld_port, slurmd_port=slurmd_port, dbd_port=dbd_port)
        )
        self._spawn("slurmdbd", [_which("slurmdbd"), "-D"], root / "log" / "slurmdbd.out")
        self._wait("slurmdbd", lambda: _listening(dbd_port), deadline)
        # the cluster must be known to the accounting before slurmctld registers with it
        self._wait("sacctmgr add cluster", self._add_cluster, deadline)
        self.run("sacctmgr", "-i", "add", "account", ACCOUNT, f"cluster={CLUSTER}")
        self.run("sacctmgr", "-i", "add", "user", "root", f"account={ACCOUNT}", f"cluster={CLUSTER}")
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.conf)], root / "log" / "ctld.out")
        self._wait("slurmctld", lambda: _listening(ctld_port), deadline)
        self._spawn("slurmd", [_which("slurmd"), "-D", "-N", NODE, "-f", str(self.conf)], root / "log" / "slurmd.out")
        self._wait("the node to be idle", self._node_idle, deadline)

    def _slurm_conf(self, auth: str, munge_socket: Path, *, ctld_port: int, slurmd_port: int, dbd_port: int) -> str:
        root = self.root
        host = socket.gethostname().split(".")[0]
        # the node as slurmd sees this machine: cores, sockets, threads and memory
        hardware = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True, check=True).stdout
        node = next(line for line in hardware.splitlines() if line.startswith("NodeName="))
        node = " ".join(f for f in node.split() if not f.startswith("NodeName="))
        return (
            f"ClusterName={CLUSTER}\nSlurmctldHost={host}(127.0.0.1)\n"
            + f"SlurmctldPort={ctld_port}\nSlurmdPort={slurmd_port}\nSlurmUser=root\nSlurmdUser=root\n"
            + auth
            + f"StateSaveLocation={root}/state\nSlurmdSpoolDir={root}/spool\n"
            + f"SlurmctldPidFile={root}/run/slurmctld.pid\nSlurmdPidFile={root}/run/slurmd.pid\n"
            + f"SlurmctldLogFile={root}/log/slurmctld.log\nSlurmdLogFile={root}/log/slurmd.log\n"
            # no systemd, no cgroups: processes are tracked through /proc
            + "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/none\n"
            + "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\n"
            + "MpiDefault=none\nReturnToService=2\nKillWait=5\nInactiveLimit=0\nMailProg=/bin/true\n"
            + "AccountingStorageType=accounting_storage/slurmdbd\n"
            + f"AccountingStorageHost=127.0.0.1\nAccountingStoragePort={dbd_port}\n"
            # the munge socket for the accounting's connections: AuthInfo covers only the others
            + f"AccountingStoragePass={munge_socket}\n"
            + f"NodeName={NODE} NodeHostname={host} NodeAddr=127.0.0.1 {node} State=UNKNOWN\n"
            + f"PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP\n"
        )

    def _start_munge(self, folder: Path, deadline: float) -> Path:
        munge = pwd.getpwnam("munge")
        key = folder / "munge.key"
        key.write_bytes(os.urandom(1024))  # a new key: nothing outside this cluster can talk to it
        for path in (folder, key):
            os.chown(path, munge.pw_uid, munge.pw_gid)
        key.chmod(0o600)
        sock = folder / "munge.socket"
        command = [_which("munged"), "--foreground", f"--socket={sock}", f"--key-file={key}"]
        command += [f"--log-file={folder}/munged.log", f"--pid-file={folder}/munged.pid"]
        command += [f"--seed-file={folder}/munged.seed"]
        self._spawn("munged", command, folder / "munged.out", user=munge.pw_uid, group=munge.pw_gid)
        self._wait("munged", sock.exists, deadline)
        return sock

    def _start_mariadb(self, datadir: Path, port: int, deadline: float) -> None:
        log = self.root / "log" / "mariadb-install.out"
        with log.open("w") as out:
            done = subprocess.run(
                [_which("mariadb-install-db"), "--no-defaults", f"--datadir={datadir}", "--user=root"]
                + ["--skip-test-db", "--auth-root-authentication-method=normal"],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=max(1.0, deadline - time.monotonic()),
            )
        if done.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed:\n{_tail(log)}")
        command = [_which("mariadbd"), "--no-defaults", f"--datadir={datadir}", "--user=root"]
        command += [f"--port={port}", "--bind-address=127.0.0.1", f"--socket={datadir}/mysqld.sock"]
        command += [f"--pid-file={datadir}/mysqld.pid", "--skip-grant-tables", "--innodb-buffer-pool-size=16M"]
        command += [f"--log-error={self.root}/log/mariadb.log"]
        self._spawn("mariadbd", command, self.root / "log" / "mariadb.out")
        self._wait("mariadbd", lambda: _listening(port), deadline)

    def _add_cluster(self) -> bool:
        return self._client(("sacctmgr", "-i", "add", "cluster", CLUSTER), timeout=30).returncode == 0

    def _node_idle(self) -> bool:
        return self.run("sinfo", "-h", "-n", NODE, "-o", "%T", check=False).strip() == "idle"

    def _spawn(self, name: str, command: list[str], log: Path, **user: int) -> None:
        with log.open("w") as out:
            proc = subprocess.Popen(
                command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a terminal's Ctrl-C reaches this script, which stops them in order
                **user,
            )
        self._daemons.append((name, proc))

    def _wait(self, what: str, ready, deadline: float) -> None:
        while time.monotonic() < deadline:
            for name, proc in self._daemons:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode} while starting:\n{self._logs()}")
            if ready():
                return
            time.sleep(0.2)
        raise TimeoutError(f"waited {self.start_timeout:.0f} s for {what}:\n{self._logs()}")

    def _logs(self) -> str:
        if self.root is None:
            return ""
        return "\n".join(f"--- {p.name}\n{_tail(p)}" for p in sorted((self.root / "log").glob("*")) if p.is_file())

    def stop(self) -> None:
        """Cancel every job, stop every daemon (newest first) by its PID, delete the cluster's folder."""
        if self.root is None:
            return
        with _no_interrupts():
            self._stop()

    def _stop(self) -> None:
        assert self.root is not None
        if any(name == "slurmctld" and proc.poll() is None for name, proc in self._daemons):
            with contextlib.suppress(Exception):
                self._cancel_all()
        for _, proc in reversed(self._daemons):
            _end(proc)
        self._end_strays()
        self._daemons.clear()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _cancel_all(self, timeout: float = 20.0) -> None:
        self.run("scancel", "--partition", PARTITION, check=False)
        self.wait_queue_empty(timeout)

    def _end_strays(self) -> None:
        """slurmstepd and a job's processes are no daemon's children (slurmd lets them go): find them
        by the SLURM_CONF they inherited from this cluster's daemons."""
        mark = f"SLURM_CONF={self.conf}".encode()
        mine = {os.getpid(), os.getppid()}
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                pid = int(environ.parent.name)
                if pid not in mine and mark in environ.read_bytes().split(b"\0"):
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):  # gone meanwhile, or not ours to read
                continue


@contextlib.contextmanager
def _no_interrupts():
    """A second Ctrl-C must not leave half the daemons running: it waits until all are stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _end(proc: subprocess.Popen, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("up", help="start the cluster, print SLURM_CONF, stop it on Ctrl-C")
    runner = sub.add_parser("run", help="start the cluster, run COMMAND with SLURM_CONF set, stop the cluster")
    runner.add_argument("command", nargs=argparse.REMAINDER, help="the command (after --)")
    args = parser.parse_args(argv)
    command = [c for c in getattr(args, "command", []) if c != "--"] if args.action == "run" else []
    if args.action == "run" and not command:
        parser.error("run needs a command after --")
    reason = unavailable_reason()
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    started = time.monotonic()
    with LocalSlurm() as slurm:
        print(
            f"local Slurm up in {time.monotonic() - started:.0f} s: partition {PARTITION}, node {NODE}", file=sys.stderr
        )
        if args.action == "run":
            return subprocess.run(command, env=slurm.env).returncode
        print(f"export SLURM_CONF={slurm.conf}")
        print("Ctrl-C stops the cluster", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
