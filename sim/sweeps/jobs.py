"""Sweeps: resuming a sweep, the jobs a sweep expects, and its progress bar.

A run is keyed by its resolved configuration (:func:`sim.results.run_key`), and the key goes into
``summary.json``. Re-running a sweep into the same folder
(``hydra.sweep.dir=...``) skips every job whose folder already holds a complete run with the same key
and runs the rest, so a sweep killed halfway resumes without losing or repeating a finished run.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sim.results import SUMMARY, TMP_GLOB, run_status


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


def _count_finished(sweep_dir: Path) -> int:
    return sum(1 for _ in sweep_dir.glob(f"*/{SUMMARY}"))


class SweepProgress(Callback):
    """A Hydra callback that shows a sweep's progress in the launching process: runs done out of the
    total, the rate and the time left, whatever the launcher (joblib, Ray, Slurm).

    It counts the job folders that hold ``summary.json`` (written last by every run), so runs skipped
    on resume count as done from the start and the time left is estimated from this session's runs.
    Configured in ``configs/config.yaml`` under ``hydra.callbacks``.
    """

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
        jobs = planned_jobs(OmegaConf.to_container(config.hydra.sweeper), list(config.hydra.overrides.task))
        total = None if jobs is None else len(jobs)
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, args=(sweep_dir, total), daemon=True)
        self._thread.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=10)
            self._thread = None

    def _watch(self, sweep_dir: Path, total: int | None) -> None:
        start = _count_finished(sweep_dir) if sweep_dir.is_dir() else 0
        with tqdm(total=total, initial=start, desc="sweep", unit="run", dynamic_ncols=True) as bar:
            for done in self._counts(sweep_dir):
                bar.update(done - bar.n)

    def _counts(self, sweep_dir: Path) -> Iterator[int]:
        while True:
            stopping = self._stop.wait(self.interval)
            if sweep_dir.is_dir():
                yield _count_finished(sweep_dir)
            if stopping:
                return
