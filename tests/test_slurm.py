"""Sweeps on a real Slurm: a throwaway single-node cluster with accounting on loopback
(scripts/local_slurm.py), Hydra's submitit launcher with the project's ``slurm`` preset.

Skipped where the machine cannot run the cluster (not root, or Debian's slurmctld, slurmd, slurmdbd,
slurm-client, munge and mariadb-server missing); under ``CI=true`` that is a failure, since ``.ci/run``
installs them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from sweep_helpers import SWEEP_4, sweep

from sim.sweeps.collect import collect

ROOT = Path(__file__).resolve().parent.parent
PRESET = OmegaConf.load(ROOT / "configs" / "hydra" / "launcher" / "slurm.yaml")


def _local_slurm():
    spec = importlib.util.spec_from_file_location("local_slurm", ROOT / "scripts" / "local_slurm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


local_slurm = _local_slurm()


@pytest.fixture(scope="module")
def slurm():
    """A fresh single-node cluster for this module's tests, every daemon stopped after them."""
    reason = local_slurm.unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Slurm tests: {reason}")
        pytest.skip(reason)
    with local_slurm.LocalSlurm(start_timeout=120) as cluster:
        root = cluster.root
        yield cluster
    assert not root.exists(), "the cluster's folder outlived it"


def _slurm_env(cluster) -> dict[str, str]:
    # the preset takes the partition and account from the environment, as a user's shell would give them
    return {
        "SLURM_CONF": str(cluster.conf),
        "SLURM_PARTITION": local_slurm.PARTITION,
        "SLURM_ACCOUNT": local_slurm.ACCOUNT,
    }


def _array_ids(sweep_dir: Path) -> list[str]:
    """The Slurm array job ids of a sweep's submissions, oldest first (submitit's .submitit/<id>_<task>)."""
    ids = {p.name.split("_")[0] for p in (sweep_dir / ".submitit").iterdir() if re.fullmatch(r"\d+_\d+", p.name)}
    return sorted(ids, key=int)


def _job_records(cluster, array_id: str) -> dict[str, dict[str, str]]:
    """``scontrol show job`` of an array: task id -> its fields."""
    records = {}
    for line in cluster.run("scontrol", "-o", "show", "job", array_id).splitlines():
        fields = dict(re.findall(r"(\S+?)=(\S*)", line))
        records[fields["ArrayTaskId"]] = fields
    return records


def test_a_slurm_sweep_gives_the_summaries_of_joblib_and_the_presets_resources_reach_sbatch(
    slurm, joblib_sweep, tmp_path
):
    where = tmp_path / "slurm"
    done = sweep(where, *SWEEP_4, "hydra/launcher=slurm", env=_slurm_env(slurm), timeout=300)
    assert "Submitit 'slurm'" in done.stdout + done.stderr

    on_slurm = {p.parent.name: json.loads(p.read_text()) for p in where.glob("*/summary.json")}
    on_joblib = {p.parent.name: json.loads(p.read_text()) for p in joblib_sweep[0].glob("*/summary.json")}
    assert len(on_slurm) == 4 and sorted(on_slurm) == sorted(on_joblib)
    for run, summary in on_slurm.items():  # whole summaries: config, run key, results, every file's SHA-256
        assert summary == on_joblib[run], run

    (array,) = _array_ids(where)
    tasks = _job_records(slurm, array)
    assert sorted(tasks) == ["0", "1", "2", "3"]
    hours, minutes = divmod(PRESET.timeout_min, 60)
    for fields in tasks.values():
        assert fields["JobState"] == "COMPLETED"
        assert fields["NumCPUs"] == str(PRESET.cpus_per_task)
        assert fields["MinMemoryNode"] == f"{PRESET.mem_gb}G"
        assert fields["TimeLimit"] == f"{hours:02d}:{minutes:02d}:00"
        assert fields["Partition"] == local_slurm.PARTITION and fields["Account"] == local_slurm.ACCOUNT
        # submitit caps the array's throttle at its size
        assert fields["ArrayTaskThrottle"] == str(min(PRESET.array_parallelism, 4))


def test_a_submission_slurm_refuses_ends_in_one_line_that_says_what_to_check(slurm, tmp_path):
    where = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim", "-m", "org=small_team", "steps=8", "seed=0,1", "hydra/launcher=slurm"]
    command += ["hydra.launcher.partition=no_such_partition", f"hydra.sweep.dir={where}"]
    env = {**os.environ, **_slurm_env(slurm)}
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: Slurm refused the sweep's submission (Invalid partition name specified)"), last
    assert "hydra.launcher.partition" in last
    assert slurm.run("squeue", "-h", "-o", "%i").strip() == ""


def _job_process(array: str, task: int) -> int | None:
    """The pid of the Python process running task ``task`` of array ``array``: submitit's
    ``python -m submitit.core._submit``, not the ``srun`` that started it with the same words."""
    want = {f"SLURM_ARRAY_JOB_ID={array}".encode(), f"SLURM_ARRAY_TASK_ID={task}".encode()}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            python = Path(args[0].decode()).name.startswith("python") and b"submitit.core._submit" in args
            if python and want <= set((proc / "environ").read_bytes().split(b"\0")):
                return int(proc.name)
        except (OSError, UnicodeDecodeError):
            continue
    return None


def _wait_for(ready, failure: str, proc: subprocess.Popen | None = None, timeout: float = 120):
    """What ``ready()`` returns once it is true (while ``proc``, if given, runs)."""
    deadline = time.monotonic() + timeout
    while not (got := ready()) and time.monotonic() < deadline and (proc is None or proc.poll() is None):
        time.sleep(0.1)
    assert got, failure
    return got


def test_a_job_killed_mid_run_is_reported_in_one_line_and_the_same_command_runs_only_what_is_missing(slurm, tmp_path):
    """One run is killed outright mid-run (SIGKILL), one job is cancelled before it began (scancel).

    A job cancelled mid-run is not used: submitit's job ignores Slurm's SIGTERM, so a run that ends
    within the grace Slurm gives before its SIGKILL (KillWait) still lands, as it would on a cluster.
    """
    where = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim", "-m", "org=small_team", "steps=2500", "output.figures=false"]
    command += ["seed=range(4)", "hydra/launcher=slurm", f"hydra.sweep.dir={where}"]
    # overrides of the preset reach sbatch too; one task at a time keeps the second pending
    command += ["hydra.launcher.array_parallelism=1", "hydra.launcher.timeout_min=30"]
    env = {**os.environ, **_slurm_env(slurm)}
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    # Hydra writes overrides.yaml last, just before the run begins: from then on the run is under way
    began = where / "0_seed=0" / ".hydra" / "overrides.yaml"
    _wait_for(began.exists, "the first run did not begin", proc)
    (array,) = _array_ids(where)
    slurm.run("scancel", f"{array}_1")  # still pending
    pid = _wait_for(lambda: _job_process(array, 0), "the first run's process was not found", proc)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    try:
        _, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        queue = slurm.run("sacct", "-X", "-n", "-P", "-o", "JobID,State,Start,End", check=False)
        pytest.fail(f"the launcher did not end 180 s after the kill; sacct:\n{queue}\nits stderr:\n{err[-3000:]}")
    waited = time.monotonic() - killed

    assert proc.returncode == 1, err[-3000:]
    said = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and not line.startswith("sweep:")]
    assert len(said) == 1, err[-3000:]
    assert said[0].startswith(f"error: job {array}_0 ended without its run (FAILED)"), said[0]
    assert "run the same command" in said[0]
    assert waited < 90, f"the launcher took {waited:.0f} s to report the lost job"

    accounted = slurm.run("sacct", "-X", "-n", "-P", "-o", "JobID,State", "-j", array).splitlines()
    states = dict(line.split("|") for line in accounted)
    assert states[f"{array}_0"] == "FAILED", states
    # a pending task that is cancelled leaves the array's range and gets no record of its own
    assert states.get(f"{array}_1", "CANCELLED").startswith("CANCELLED"), states
    task = _job_records(slurm, array)["0"]
    assert task["ArrayTaskThrottle"] == "1" and task["TimeLimit"] == "00:30:00"

    assert slurm.wait_queue_empty(timeout=120), "Slurm's queue did not empty"  # the jobs after the lost one ran on
    before = collect(where)
    lost = before.problems.sort_values("status").to_dict("records")
    assert [row["status"] for row in lost] == ["missing", "unfinished"], lost
    assert "seed=1" in lost[0]["detail"]  # cancelled before it began: no folder
    assert lost[1]["run"] == "0_seed=0"  # killed mid-run
    assert sorted(before.runs["seed"]) == [2, 3]
    kept = {run: (where / run / "summary.json").stat().st_mtime_ns for run in ("2_seed=2", "3_seed=3")}
    finished_before = (where / ".finished_runs").read_text().splitlines()

    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    for run, mtime in kept.items():
        assert (where / run / "summary.json").stat().st_mtime_ns == mtime, f"{run} was run again"
    finished_after = (where / ".finished_runs").read_text().splitlines()
    assert len(finished_after) == len(finished_before) + 2
    _, resumed = _array_ids(where)
    for task in (2, 3):
        log = (where / ".submitit" / f"{resumed}_{task}" / f"{resumed}_{task}_0_log.out").read_text()
        assert "skipped:" in log, log[-2000:]
    after = collect(where)
    assert after.problems.empty and sorted(after.runs["seed"]) == [0, 1, 2, 3]


def _lost(exc: Exception) -> str | None:
    import submitit.core.utils  # noqa: F401  the launcher's import, which the CLI looks for

    from sim.cli.run import _cluster_error

    return _cluster_error(exc)


def test_a_run_that_failed_in_its_job_is_told_by_its_own_error_line(tmp_path):
    from submitit.core.utils import FailedJobError, UncompletedJobError

    folder = tmp_path / ".submitit" / "7_3"
    # submitit's two messages, as its Job.result writes them: a run that raised, and a job that ended
    # without a result whose error stream holds the run's one-line error
    raised = FailedJobError(
        "Job (task=0) failed during processing with trace:\n----------------------\n"
        'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n'
        "ValueError: the org chart has a cycle\n----------------------\n"
        "You can check full logs with 'job.stderr(0)' and 'job.stdout(0)'or at paths:\n"
        f"  - {folder}/7_3_0_log.err\n  - {folder}/7_3_0_log.out"
    )
    exited = UncompletedJobError(
        f"Job 7_3 (task: 0) with path {folder}/7_3_0_result.pkl\nhas not produced any output (state: FAILED)\n"
        "Error stream produced:\n----------------------------------------\n"
        "error: org.path: no such file 'chart.csv'\n"
    )
    assert _lost(raised).startswith(f"job 7_3 failed: ValueError: the org chart has a cycle (log in {folder})")
    assert _lost(exited).startswith(f"job 7_3 failed: org.path: no such file 'chart.csv' (log in {folder})")
    assert _lost(RuntimeError("not a cluster's")) is None
