"""Sweeps: resuming a sweep, the jobs a sweep expects, and its progress bar.

A run is keyed by its resolved configuration (:func:`sim.results.run_key`), and the key goes into
``summary.json``. Re-running a sweep into the same folder
(``hydra.sweep.dir=...``) skips every job whose folder already holds a complete run with the same key
and runs the rest, so a sweep killed halfway resumes without losing or repeating a finished run.
"""

from __future__ import annotations

import csv
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from hydra.core.utils import JobReturn
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sim.results import SUMMARY, TMP_GLOB, run_status

#: the sweep folder's log of finished runs, one line each, that the progress bar reads as it grows
FINISHED_LOG = ".finished_runs"
#: where a job of several ``replications`` puts each run: ``<job folder>/seed<seed>/``
REPLICATE_PREFIX = "seed"


def replicate_seeds(seed: int, replications: int = 1) -> list[int]:
    """The seeds of a job's ``replications`` runs: ``seed*R, ..., seed*R + R - 1``.

    Jobs of distinct seeds never share a run, ``seed=range(8) replications=8`` runs seeds 0 to 63
    (the same runs as ``seed=range(64)``), and ``replications=1`` is the seed itself; any run can be
    made again alone with ``seed=<its seed>``.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    first = int(seed) * int(replications)
    return list(range(first, first + int(replications)))


def replicate_dir(job_dir: Path, seed: int, replications: int) -> Path:
    """The folder of one run of a job: the job folder itself for a job of one run, else its
    ``seed<seed>`` subfolder (a job of ``replications`` > 1 runs several seeds, each a run folder)."""
    return Path(job_dir) if replications == 1 else Path(job_dir) / f"{REPLICATE_PREFIX}{int(seed)}"


def record_finished(sweep_dir: Path, run_dir: Path) -> None:
    """Append ``run_dir`` to the sweep's log of finished runs (:data:`FINISHED_LOG`).

    One ``write`` of one short line to a file opened for appending: the jobs of a sweep on one
    machine cannot interleave their lines (POSIX appends are atomic for a single write). On a network
    file system two hosts may garble a line; the progress bar counts line ends, so it still counts both.
    """
    line = os.path.relpath(run_dir, sweep_dir)
    fd = os.open(Path(sweep_dir) / FINISHED_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def finished_with_key(run_dir: Path, key: str) -> bool:
    """Whether ``run_dir`` holds a complete run (see :func:`run_status`) keyed ``key``.

    Every file the run recorded is checked against its SHA-256 (about 1 ms for a default run), so a
    resumed sweep runs a damaged run again instead of keeping it.
    """
    status, _, summary = run_status(run_dir)
    return status == "complete" and summary is not None and summary.get("run_key") == key


def remove_leftovers(run_dir: Path) -> list[Path]:
    """Delete the hidden temporary files a killed run left behind (atomic writes that never landed).

    Returns the paths removed.
    """
    gone = [p for p in Path(run_dir).rglob(TMP_GLOB) if p.is_file()]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def _parse(overrides: list[str]) -> list[Any]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides(list(overrides))


def expected_jobs(task_overrides: list[str]) -> list[tuple[str, ...]]:
    """The jobs Hydra's basic sweeper makes of a sweep's overrides: one sorted tuple of
    ``key=value`` strings per job (the cartesian product of every swept value).

    Parameters
    ----------
    task_overrides : list of str
        The command-line overrides of the sweep, e.g. ``["seed=range(4)", "org=small_team"]``.

    Returns
    -------
    list of tuple of str
        In the sweeper's order; compare with a job's ``.hydra/overrides.yaml`` as sorted tuples.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    batches = BasicSweeper.split_arguments(_parse(task_overrides), None)
    return [tuple(sorted(job)) for batch in batches for job in batch]


def override_key(text: str) -> str:
    """The config key of a command-line override: ``+a.b=1`` -> ``a.b``, ``~a.b`` -> ``a.b``."""
    return text.split("=", 1)[0].lstrip("+~")


def design_jobs(design: str | Path, base_jobs: list[list[str]] | None = None) -> list[list[str]]:
    """The jobs of a design sweep (``hydra/sweeper=design``): one per row of the CSV ``design``, whose
    columns are config keys and whose cells are their values as written on a command line; each row's
    ``key=value`` overrides follow those of every job of ``base_jobs`` (the command line's own jobs).

    Raises
    ------
    ValueError
        When the file is missing or has no rows, or a key is set both by the design and the command line.
    """
    path = Path(design)
    if not path.is_file():
        raise ValueError(f"hydra.sweeper.design={design}: no such file")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"hydra.sweeper.design={design}: the file has no rows (one row a run, a column per key)")
    base_jobs = base_jobs or [[]]
    given = {override_key(text) for job in base_jobs for text in job}
    clash = sorted(given & set(rows[0]))
    if clash:
        raise ValueError(f"{clash[0]} is set both by the design {design} and on the command line: keep one")
    return [[*job, *(f"{k}={v}" for k, v in row.items())] for row in rows for job in base_jobs]


def is_design_sweeper(target: str) -> bool:
    """Whether a sweeper's ``_target_`` is ours for designs (``hydra/sweeper=design``)."""
    return str(target).endswith("design_sweeper.DesignSweeper")


def is_basic_sweeper(target: str) -> bool:
    """Whether a sweeper's ``_target_`` is Hydra's basic sweeper or ours (``hydra/sweeper=sim``), whose
    jobs are the cartesian product of the swept values and can be counted up front."""
    return str(target).endswith(("basic_sweeper.BasicSweeper", "sim_sweeper.SimSweeper"))


def planned_jobs(sweeper: Mapping[str, Any], task_overrides: list[str]) -> list[tuple[str, ...]] | None:
    """The jobs a sweep will run, as sorted tuples of ``key=value`` strings (compare with a job's
    ``.hydra/overrides.yaml``), for the sweepers whose jobs are known up front: the basic one (and
    ``hydra/sweeper=sim``) and the design sweeper; None for others (Optuna, samplers)."""
    target = str(sweeper.get("_target_", ""))
    if is_basic_sweeper(target):
        return expected_jobs(task_overrides)
    if is_design_sweeper(target):
        base = [list(job) for job in expected_jobs(task_overrides)]
        return [tuple(sorted(job)) for job in design_jobs(str(sweeper.get("design")), base)]
    return None


def count_finished(sweep_dir: Path) -> int:
    """Run folders of a sweep that hold ``summary.json``: jobs of one run and the runs of jobs of
    several ``replications`` alike. Globs every job folder: read it once, not on every tick."""
    sweep_dir = Path(sweep_dir)
    return sum(1 for _ in sweep_dir.glob(f"*/{SUMMARY}")) + sum(
        1 for _ in sweep_dir.glob(f"*/{REPLICATE_PREFIX}*/{SUMMARY}")
    )


def planned_runs(config: DictConfig) -> int | None:
    """How many runs a sweep will make: each planned job's ``replications`` (its own override, else
    the sweep's value) summed; None when the sweeper decides its jobs as it goes."""
    jobs = planned_jobs(OmegaConf.to_container(config.hydra.sweeper), list(config.hydra.overrides.task))
    if jobs is None:
        return None
    default = int(config.get("replications", 1))
    total = 0
    for job in jobs:
        given = [text.split("=", 1)[1] for text in job if override_key(text) == "replications" and "=" in text]
        total += int(given[-1]) if given and given[-1].isdigit() else default
    return total


class _LogTail:
    """The number of lines appended to a file since the tail was made, read incrementally."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.is_file() else 0
        self.lines = 0

    def count(self) -> int:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                new = fh.read()
        except FileNotFoundError:
            return self.lines
        self.offset += len(new)
        self.lines += new.count(b"\n")
        return self.lines


class SweepProgress(Callback):
    """A Hydra callback that shows a sweep's progress in the launching process: runs done out of the
    total, the rate and the time left, whatever the launcher (joblib, Ray, Slurm).

    Runs already complete when the sweep starts (a resumed sweep) are counted once, from the folders;
    after that every job appends a line per finished run to the sweep's :data:`FINISHED_LOG`, and the
    bar reads only what was appended since its last tick, so a tick costs the same at the 20,000th run
    as at the first. In each job it also empties the job's record of its configs once the job has
    ended (:meth:`on_job_end`), so that the launching process, which keeps every job's record until
    the sweep ends, does not grow by a config per job. Configured in ``configs/config.yaml`` under
    ``hydra.callbacks``.
    """

    #: where the running sweep writes and how many runs it plans (None: its sweeper decides as it
    #: goes), for the line an interrupted sweep ends with (sim.cli.run)
    started: ClassVar[tuple[Path, int | None] | None] = None

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = float(interval)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __getstate__(self) -> dict:
        # Hydra ships its callbacks to every job process; the watcher thread stays in the launcher.
        return {"interval": self.interval}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        total = planned_runs(config)
        SweepProgress.started = (sweep_dir, total)
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, args=(sweep_dir, total), daemon=True)
        self._thread.start()

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Drop the job's two configs from what it returns to the launching process (Hydra's sweepers
        read only its status and return value; about 200 KB a job otherwise)."""
        job_return.cfg = None
        job_return.hydra_cfg = None

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=10)
            self._thread = None

    def _watch(self, sweep_dir: Path, total: int | None) -> None:
        start = count_finished(sweep_dir) if sweep_dir.is_dir() else 0
        tail = _LogTail(sweep_dir / FINISHED_LOG)
        with tqdm(total=total, initial=start, desc="sweep", unit="run", dynamic_ncols=True) as bar:
            while True:
                stopping = self._stop.wait(self.interval)
                bar.update(start + tail.count() - bar.n)
                if stopping:
                    return
