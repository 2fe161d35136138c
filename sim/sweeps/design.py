"""Running a design of runs (a column per config key, a row per run) through the project's launchers.

:func:`launch_design` writes the design to CSV, runs it as one Hydra multirun with
``hydra/sweeper=design`` on the launcher named (``joblib`` locally; ``ray``, ``ray_cluster``,
``slurm``, ``submitit_local``...), and collects the sweep (:mod:`sim.sweeps.collect`). Running it
again on the same folder resumes: finished runs are skipped by their run key.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.results import atomic_write_text
from sim.sweeps.collect import Collection, collect

DESIGN_FILE = "design.csv"
RUNS_DIR = "runs"
LOG_FILE = "sweep.log"


def launch_design(
    design: pd.DataFrame,
    folder: Path,
    overrides: Sequence[str],
    *,
    launcher: str = "joblib",
    launcher_overrides: Sequence[str] = (),
) -> Collection:
    """Run every row of ``design`` as a job of one Hydra multirun and collect it.

    Parameters
    ----------
    design : pandas.DataFrame
        A column per config key, values as text (``sim.research.sensitivity.design_table``).
    folder : Path
        Gets ``design.csv``, the sweep in ``runs/`` and Hydra's console output in ``sweep.log``.
    overrides : sequence of str
        Overrides every run shares (``org=small_team``, ``steps=52``...).
    launcher : str
        The ``hydra/launcher`` option.
    launcher_overrides : sequence of str
        More ``hydra.launcher.*`` settings, e.g. ``hydra.launcher.n_jobs=2``.

    Returns
    -------
    sim.sweeps.collect.Collection
        With the long time series. Raises ``RuntimeError`` when the sweep fails.
    """
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    design_path = folder / DESIGN_FILE
    atomic_write_text(design_path, design.to_csv(index=False))
    command = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        "hydra/sweeper=design",
        f"hydra.sweeper.design={design_path}",
        f"hydra/launcher={launcher}",
        f"hydra.sweep.dir={folder / RUNS_DIR}",
        *overrides,
        *launcher_overrides,
    ]
    # Hydra's console output goes to the log; the progress bar and any error stay on stderr.
    with (folder / LOG_FILE).open("w", encoding="utf-8") as log:
        done = subprocess.run(command, stdout=log, check=False)
    if done.returncode:
        raise RuntimeError(f"the sweep in {folder / RUNS_DIR} failed (exit {done.returncode}): see the error above")
    return collect(folder / RUNS_DIR, timeseries=True, progress=True)
