"""Running one simulation in-process, replications over seeds, and writing a run's outputs (docs/outputs.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from omegaconf import DictConfig
from tqdm.auto import tqdm

from sim.config import listed, load_config, to_container
from sim.model import ServiceCultureModel

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass
class RunResult:
    """A finished run: its time series, team table, summary and the model in its final state."""

    timeseries: pd.DataFrame
    teams: pd.DataFrame
    summary: dict
    model: ServiceCultureModel


@functools.cache
def _code_revision() -> str | None:
    # The code a process runs was imported once: ask git once per process (two subprocesses,
    # ~10 ms), not once per run of a sweep.
    from sim.results import git_revision

    return git_revision()


@functools.cache
def _package_versions() -> dict[str, str]:
    # Likewise the packages: reading seven distributions' metadata costs ~15 ms, a tenth of a run.
    from sim.results import versions

    return versions()


def run(
    config: DictConfig | None = None,
    seed: int | None = None,
    *,
    steps: int | None = None,
    progress: bool = False,
    space: bool = False,
) -> RunResult:
    """Build the model, run it for ``steps`` weeks (``config.steps`` by default) and summarise.

    The Mesa ``Network`` space is only needed by the dashboard, so it is off here by default.
    """
    from sim.results import run_key, summarise

    cfg = config if config is not None else load_config()
    model = ServiceCultureModel(cfg, seed=seed, space=space)
    horizon = int(cfg.steps if steps is None else steps)
    # no bar at all when it is off: even a disabled tqdm makes a process-wide semaphore, which a sweep's
    # worker stopped by Ctrl-C would leave behind (with a "leaked semaphore" warning)
    weeks = tqdm(range(horizon), desc=f"{cfg.name} seed {model.seed}", unit="week") if progress else range(horizon)
    for _ in weeks:
        model.step()
    ts = model.timeseries()
    summary = {
        "seed": model.seed,
        "name": str(cfg.name),
        "run_key": run_key(cfg, seed=model.seed),
        # the seed the run used, which differs from cfg.seed for a replication or an explicit seed
        "config": {**to_container(cfg), "seed": model.seed},
        "versions": dict(_package_versions()),
        "git_revision": _code_revision(),
        "org": {"seats": model.org.n, "teams": model.org.n_teams, "depth": model.org.depth, "notes": model.org.notes},
        **summarise(ts),
    }
    return RunResult(timeseries=ts, teams=model.team_table(), summary=summary, model=model)


def baseline_run(result: RunResult) -> RunResult | None:
    """The run a change is compared with: ``result``'s config and seed for as many weeks without any
    scheduled event (``events=none``); None when ``result`` had no events.

    Both runs draw the same random numbers until the first event acts, so from there on they differ by
    the change and what it sets off. An event scheduled on the running model (the dashboard's
    intervention) counts as a change too.
    """
    model = result.model
    if not model.timeline.events:
        return None
    plain = model.cfg.copy()
    plain.events = {}
    return run(plain, seed=model.seed, steps=model.steps)


def band(frame: pd.DataFrame, metric: str, level: float = 0.9, by: str = "step") -> pd.DataFrame:
    """Mean and central interval of ``metric`` over replications, per value of ``by``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per replication and ``by`` value, e.g. ``Replications.timeseries`` (a ``seed`` and a
        ``step`` column). A team table must first be reduced to one row per seed and step.
    metric : str
        The column to summarise; NaN values (a team without customers) are left out.
    level : float
        Share of replications inside the interval: 0.9 gives the 5% and 95% quantiles.
    by : str
        The column to group by.

    Returns
    -------
    pandas.DataFrame
        Columns ``by``, ``mean``, ``low``, ``high`` and ``n`` (replications with a value), sorted by ``by``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    groups = frame.groupby(by, sort=True)[metric]
    tail = (1 - level) / 2
    out = pd.DataFrame(
        {
            "mean": groups.mean(),
            "low": groups.quantile(tail),
            "high": groups.quantile(1 - tail),
            "n": groups.count(),
        }
    )
    return out.reset_index()


@dataclass
class Replications:
    """One config run over several seeds: the runs' tables stacked, with a ``seed`` column first.

    ``timeseries`` has one row per seed x step; ``teams`` one row per seed x step x team (empty
    when :func:`run_seeds` was asked for no team tables).
    """

    timeseries: pd.DataFrame
    teams: pd.DataFrame

    def band(self, metric: str, level: float = 0.9) -> pd.DataFrame:
        """The mean of ``metric`` over seeds per step and its central ``level`` interval
        (:func:`band`): columns ``step``, ``mean``, ``low``, ``high``, ``n``."""
        return band(self.timeseries, metric, level)


def run_seeds(
    config: DictConfig | None,
    seeds: Iterable[int],
    *,
    steps: int | None = None,
    teams: bool = True,
) -> Replications:
    """Run ``config`` once per seed (in this process, one after another) and stack the tables.

    Parameters
    ----------
    config : DictConfig, optional
        A composed config (``load_config``); the default scenario when None.
    seeds : iterable of int
        One run per seed; the same seed gives the same run.
    steps : int, optional
        Weeks per run; ``config.steps`` by default.
    teams : bool
        Keep the team tables too (they are ~``n_teams`` times larger than the time series).

    Returns
    -------
    Replications
        ``timeseries`` and ``teams``, each with a ``seed`` column first.

    Examples
    --------
    >>> reps = run_seeds(load_config(["org=small_team"]), range(5), steps=52)  # doctest: +SKIP
    >>> reps.band("culture_mean").tail(1)  # doctest: +SKIP
    """
    cfg = config if config is not None else load_config()
    series, tables = [], []
    for seed in seeds:
        result = run(cfg, seed=int(seed), steps=steps)
        series.append(result.timeseries.assign(seed=int(seed)))
        if teams:
            tables.append(result.teams.assign(seed=int(seed)))
    if not series:
        raise ValueError("run_seeds needs at least one seed")

    def stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
        if not frames:
            return pd.DataFrame(columns=["seed"])
        df = pd.concat(frames, ignore_index=True)
        return df[["seed", *(c for c in df.columns if c != "seed")]]

    return Replications(timeseries=stack(series), teams=stack(tables))


def run_and_write(
    config: DictConfig,
    out_dir: Path,
    seed: int | None = None,
    *,
    progress: bool | None = None,
    figures: Callable[[RunResult], Mapping[str, Figure]] | None = None,
) -> dict[str, Path]:
    """Run and write ``timeseries.parquet``, ``teams.parquet``, the CSV files and workbook ``config.output.format``
    asks for, ``figures/*.png`` and, last, ``summary.json`` into ``out_dir`` (each file atomically;
    docs/outputs.md).

    ``progress`` defaults to ``config.output.progress``. ``figures`` makes the run's figures from its
    result (``sim.viz.plots.run_figures`` draws the standard ones); none are written without it or
    with ``config.output.figures`` false (null leaves the choice to the caller, who passes ``figures``
    or not: ``python -m sim`` draws them for a single run and not in a sweep).
    """
    from sim.results import write_run

    show = bool(config.output.progress) if progress is None else progress
    result = run(config, seed=seed, progress=show)
    drawn = figures(result) if figures is not None and config.output.figures is not False else None
    teams = result.teams if config.output.teams else result.teams.iloc[0:0]
    return write_run(Path(out_dir), result.timeseries, teams, result.summary, drawn, listed(config.output.format))
