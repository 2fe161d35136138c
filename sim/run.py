"""Running one simulation in-process and writing its outputs (OUTPUTS.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig
from tqdm.auto import tqdm

from sim.config import load_config, to_container
from sim.model import ServiceCultureModel


@dataclass
class RunResult:
    """A finished run: its time series, team table, summary and the model in its final state."""

    timeseries: pd.DataFrame
    teams: pd.DataFrame
    summary: dict
    model: ServiceCultureModel


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
    from sim.results import git_revision, summarise, versions
    from sim.sweep import run_key

    cfg = config if config is not None else load_config()
    model = ServiceCultureModel(cfg, seed=seed, space=space)
    horizon = int(cfg.steps if steps is None else steps)
    for _ in tqdm(range(horizon), desc=f"{cfg.name} seed {model.seed}", unit="week", disable=not progress):
        model.step()
    ts = model.timeseries()
    summary = {
        "seed": model.seed,
        "name": str(cfg.name),
        "run_key": run_key(cfg, seed=model.seed),
        "config": to_container(cfg),
        "versions": versions(),
        "git_revision": git_revision(),
        "org": {"seats": model.org.n, "teams": model.org.n_teams, "depth": model.org.depth, "notes": model.org.notes},
        **summarise(ts),
    }
    return RunResult(timeseries=ts, teams=model.team_table(), summary=summary, model=model)


def run_and_write(
    config: DictConfig, out_dir: Path, seed: int | None = None, *, progress: bool | None = None
) -> dict[str, Path]:
    """Run and write ``timeseries.parquet``, ``teams.parquet``, ``figures/*.png`` and, last,
    ``summary.json`` into ``out_dir`` (each file atomically). ``progress`` defaults to
    ``config.output.progress``."""
    from sim.plots import standard_figures
    from sim.results import write_run

    show = bool(config.output.progress) if progress is None else progress
    result = run(config, seed=seed, progress=show)
    figures = None
    if config.output.figures:
        o, p = result.model.org, result.model.people
        network = {
            "graph": o.graph(),
            "pos": o.positions,
            "orientation": p.orientation,
            "is_leader": o.is_leader,
            "frontline": o.frontline,
            "filled": p.filled,
            "title": f"Service orientation after {len(result.timeseries)} weeks",
        }
        figures = standard_figures(result.timeseries, result.teams, network=network)
    teams = result.teams if config.output.teams else result.teams.iloc[0:0]
    return write_run(Path(out_dir), result.timeseries, teams, result.summary, figures)
