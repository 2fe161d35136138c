"""The standard figures of a run folder already on disk (``python -m sim.plots``, :mod:`sim.cli.plots`).

A sweep writes no figures by default (``output.figures=null``): six PNGs cost about ten times a run's
simulation. They are drawn here afterwards, from the folder's tables, for the runs someone wants to
look at. The network figure shows the organisation in its final week, which no table holds, so the
run is made again from the config and seed its ``summary.json`` recorded (same config and seed give
the same run) and the remade time series must equal the stored one; when it does not (the code has
changed since), the network figure is left out with a note and the other five are still drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sim.config import ConfigError, config_from_record
from sim.results import FIGURES, add_figures, read_run
from sim.run import run
from sim.viz.plots import run_figures, standard_figures

#: the figures a run folder holds when drawn in full (``run_figures``)
FIGURE_NAMES = ("culture", "people", "service", "turnover", "teams", "network")


@dataclass
class Drawn:
    """What :func:`draw_run_folder` did in one run folder."""

    run_dir: Path
    written: list[Path] = field(default_factory=list)
    skipped: bool = False  # every figure was there already
    note: str = ""  # why a figure was left out


def has_figures(run_dir: Path) -> bool:
    """Whether ``run_dir/figures/`` holds every standard figure."""
    return all((Path(run_dir) / FIGURES / f"{name}.png").is_file() for name in FIGURE_NAMES)


def draw_run_folder(run_dir: Path, *, force: bool = False, network: bool = True) -> Drawn:
    """Draw the standard figures of a complete run folder into its ``figures/`` and add them to its
    summary's record of files (:func:`sim.results.add_figures`).

    Parameters
    ----------
    run_dir : Path
        A run folder (``summary.json``, ``timeseries.parquet``, ``teams.parquet``).
    force : bool
        Draw again when every figure is there already.
    network : bool
        Draw the network figure too, which makes the run again (about a run's simulation time).

    Returns
    -------
    Drawn

    Raises
    ------
    FileNotFoundError, ValueError
        When the folder does not hold a complete, readable run (:func:`sim.results.read_run`).
    """
    run_dir = Path(run_dir)
    if not force and has_figures(run_dir):
        return Drawn(run_dir, skipped=True)
    stored = read_run(run_dir)
    note = ""
    figures = None
    if network:
        try:
            again = run(config_from_record(stored.summary["config"]), seed=int(stored.summary["seed"]))
        except (ConfigError, KeyError, TypeError, OSError) as exc:
            note = f"network figure left out: the run cannot be made again ({str(exc).splitlines()[0]})"
        else:
            if again.timeseries.equals(stored.timeseries):
                figures = run_figures(again)
            else:
                note = "network figure left out: the run made again differs from the stored one (the code changed)"
    if figures is None:
        figures = standard_figures(stored.timeseries, stored.teams)
    return Drawn(run_dir, written=add_figures(run_dir, figures), note=note)
