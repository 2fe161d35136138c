"""Plumbing shared by the research scripts in ``experiments/``: their configs and running a design
of runs through the project's launchers.

- An experiment's config is ``configs/experiment/<name>.yaml`` with command-line ``key=value``
  overrides merged on top (OmegaConf dot-list syntax, e.g. ``morris.trajectories=4``); keys the
  file does not have are refused, and mappings the script names (``parameters``, ``bounds``...)
  are replaced whole by an override that sets them.
- :func:`launch_design` writes a design (a column per config key, a row per run) to CSV, runs it as a
  Hydra multirun with ``hydra/sweeper=design`` on the launcher named (``joblib`` locally; ``ray``,
  ``ray_cluster``, ``slurm``, ``submitit_local``...), and collects the sweep with ``sim.collect``.
  Running it again on the same folder resumes: finished runs are skipped by their run key.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.collect import Collection, collect
from sim.config import ConfigError, config_dir
from sim.results import atomic_write_text

DESIGN_FILE = "design.csv"
RUNS_DIR = "runs"
LOG_FILE = "sweep.log"


def load_experiment(name: str, overrides: Sequence[str] = (), replace: Sequence[str] = ()) -> DictConfig:
    """``configs/experiment/<name>.yaml`` with ``key=value`` overrides; raises ``ConfigError`` on an
    unknown key or a malformed override. A key in ``replace`` (a mapping such as ``parameters``) is
    replaced whole by an override that sets it, instead of merged into."""
    path = config_dir() / "experiment" / f"{name}.yaml"
    cfg = OmegaConf.load(path)
    OmegaConf.set_struct(cfg, True)
    try:
        given = OmegaConf.from_dotlist(list(overrides))
        named = {text.split("=", 1)[0] for text in overrides}
        for key in set(replace) & named:  # `parameters={...}` replaces; `parameters.x=[0, 1]` merges
            OmegaConf.update(cfg, key, OmegaConf.select(given, key), merge=False)
        return OmegaConf.merge(cfg, given)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{path.name}: {str(exc).splitlines()[0]}") from None


def run_cli(
    name: str,
    argv: Sequence[str] | None,
    doc: str,
    body: Callable[[DictConfig, set[str]], int],
    *,
    flags: Sequence[str] = (),
    replace: Sequence[str] = (),
) -> int:
    """The command line of an experiment script: ``-h`` prints ``doc``; the ``flags`` given are passed to
    ``body`` with the config (``load_experiment(name, the other arguments, replace)``); bad input
    (``ConfigError``, ``ValueError``, ``RuntimeError``) prints one line ``error: ...`` and returns 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(doc)
        return 0
    given = {a for a in args if a in flags}
    try:
        return body(load_experiment(name, [a for a in args if a not in given], replace), given)
    except (ConfigError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


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
        A column per config key, values as text (``sim.sensitivity.design_table``).
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
    sim.collect.Collection
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
