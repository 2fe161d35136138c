"""Collect a sweep into one tidy table: one row per run, every swept parameter, the seed and every
summary metric; and a list of the runs that are missing, unfinished or corrupt (none is dropped
silently).

    python -m sim.collect multirun/default/2026-11-23_10-00-00              # -> <sweep>/runs.parquet
    python -m sim.collect SWEEP_DIR --out runs.csv --timeseries ts.parquet --strict

Columns of the run table: ``run`` (the job folder, relative to the sweep folder), ``run_key``, one
column per overridden config key (dotted, as on the command line, e.g. ``leadership.manager.recognition``
or ``org``), ``seed``, then ``final.<metric>`` and ``mean.<metric>`` for every metric of docs/outputs.md.
The time-series table (on request) is long: ``run``, the swept keys, ``seed``, ``step``, ``metric``,
``value``.

A sweep folder is one holding Hydra's ``multirun.yaml``; a job folder is one holding ``.hydra/``.
Pointing at a folder of several sweeps collects them all. Status of a job:

- ``complete``: ``summary.json`` parses and both Parquet files are readable;
- ``unfinished``: no ``summary.json`` (killed, still running, or failed);
- ``corrupt``: a file that is there cannot be read;
- ``missing``: a job the basic sweeper makes of the sweep's overrides has no folder at all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from tqdm.auto import tqdm

from sim.results import TIMESERIES, atomic_write_text, run_status, write_parquet_atomic
from sim.sweeps.jobs import override_key, planned_jobs

MULTIRUN_FILE = "multirun.yaml"
JOB_MARKER = ".hydra"


class CollectError(ValueError):
    """The folder given is not a sweep (nothing to collect)."""


@dataclass
class Collection:
    """A collected sweep.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per complete run (columns in the module docstring).
    problems : pandas.DataFrame
        One row per run that is not complete: ``run``, ``status`` (missing, unfinished, corrupt) and
        ``detail``.
    timeseries : pandas.DataFrame or None
        The long time-series table, when asked for.
    """

    runs: pd.DataFrame
    problems: pd.DataFrame
    timeseries: pd.DataFrame | None = None
    swept: list[str] = field(default_factory=list)


def _job_overrides(job: Path) -> list[str] | None:
    """The job's command-line overrides; None when Hydra was stopped while setting the job up (it
    writes ``overrides.yaml`` last, just before the run begins), so no run began there."""
    path = job / JOB_MARKER / "overrides.yaml"
    if not path.is_file():
        return None
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [str(x) for x in loaded or []]


def _value(summary: dict, key: str, text: str) -> object:
    node: object = summary.get("config", {})
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return text.split("=", 1)[1] if "=" in text else None
        node = node[part]
    # a config group chosen on the command line (org=small_team) resolves to a whole node
    return text.split("=", 1)[1] if isinstance(node, dict | list) else node


def find_jobs(root: Path) -> tuple[list[Path], list[Path]]:
    """The sweep folders (holding ``multirun.yaml``) and job folders (holding ``.hydra/``) under ``root``."""
    root = Path(root)
    sweeps = sorted({p.parent for p in root.rglob(MULTIRUN_FILE)})
    jobs = sorted({p.parent for p in root.rglob(JOB_MARKER) if p.is_dir()} - set(sweeps))
    return sweeps, jobs


def _missing(sweeps: list[Path], overrides: dict[Path, list[str] | None], root: Path) -> tuple[list[dict], set[Path]]:
    """The planned runs of each sweep that no begun job holds, and the sweeps whose plan is known."""
    rows, planned_sweeps = [], set()
    for sweep in sweeps:
        name = str(sweep.relative_to(root)) if sweep != root else "."
        cfg = yaml.safe_load((sweep / MULTIRUN_FILE).read_text(encoding="utf-8")) or {}
        hydra = cfg.get("hydra", {})
        task = [str(x) for x in hydra.get("overrides", {}).get("task", [])]
        try:
            planned = planned_jobs(hydra.get("sweeper", {}), task)
        except ValueError as exc:  # a design sweep whose design file has moved
            rows.append({"run": name, "status": "missing", "detail": f"cannot list the planned runs: {exc}"})
            continue
        if planned is None:
            continue  # other sweepers (Optuna, samplers) decide their jobs as they go
        planned_sweeps.add(sweep)
        begun = (given for job, given in overrides.items() if given is not None and sweep in job.parents)
        present = {tuple(sorted(given)) for given in begun}
        for wanted in planned:
            if wanted not in present:
                rows.append({"run": name, "status": "missing", "detail": "no run began for " + " ".join(wanted)})
    return rows, planned_sweeps


def collect(sweep_dir: Path, *, timeseries: bool = False, progress: bool = False) -> Collection:
    """Collect every run under ``sweep_dir``.

    Parameters
    ----------
    sweep_dir : Path
        A Hydra sweep folder, or a folder holding several.
    timeseries : bool
        Also build the long time-series table (reads every ``timeseries.parquet``).
    progress : bool
        Show a progress bar over the runs.

    Returns
    -------
    Collection

    Raises
    ------
    CollectError
        When ``sweep_dir`` does not exist or holds no sweep and no run.
    """
    root = Path(sweep_dir)
    if not root.is_dir():
        raise CollectError(f"{root} is not a folder")
    sweeps, jobs = find_jobs(root)
    if not sweeps and not jobs:
        raise CollectError(f"{root} holds no sweep (no {MULTIRUN_FILE}) and no run (no {JOB_MARKER}/ folder)")
    overrides = {job: _job_overrides(job) for job in jobs}  # read once: the missing-run check needs them too
    problems, planned_sweeps = _missing(sweeps, overrides, root)
    rows, series = [], []
    for job in tqdm(jobs, desc="collecting", unit="run", disable=not progress):
        name = str(job.relative_to(root))
        if overrides[job] is None:
            # no run began here: a planned sweep lists the run as missing already, so report it once
            if not planned_sweeps & set(job.parents):
                problems.append({"run": name, "status": "unfinished", "detail": "stopped before its run began"})
            continue
        status, detail, summary = run_status(job)
        if summary is None:
            problems.append({"run": name, "status": status, "detail": detail})
            continue
        row: dict[str, object] = {"run": name, "run_key": summary.get("run_key")}
        for text in overrides[job]:
            key = override_key(text)
            row[key] = _value(summary, key, text)
        row["seed"] = summary.get("seed")
        row.update({f"final.{k}": v for k, v in summary["final"].items()})
        row.update({f"mean.{k}": v for k, v in summary["mean"].items()})
        rows.append(row)
        if timeseries:
            series.append((row, job / TIMESERIES))
    runs = pd.DataFrame(rows)
    swept = [c for c in runs.columns if c not in ("run", "run_key", "seed") and not c.startswith(("final.", "mean."))]
    if len(runs):
        metric_cols = [c for c in runs.columns if c.startswith(("final.", "mean."))]
        runs = runs[["run", "run_key", *swept, "seed", *metric_cols]]
    ts = _long_timeseries(series, swept) if timeseries else None
    return Collection(
        runs=runs,
        problems=pd.DataFrame(problems, columns=["run", "status", "detail"]),
        timeseries=ts,
        swept=swept,
    )


def _long_timeseries(series: list[tuple[dict, Path]], swept: list[str]) -> pd.DataFrame:
    frames = []
    for row, path in series:
        wide = pd.read_parquet(path)
        long = wide.melt(id_vars=["step"], var_name="metric", value_name="value")
        for key in ("run", *swept, "seed"):
            long[key] = row.get(key)
        frames.append(long)
    columns = ["run", *swept, "seed", "step", "metric", "value"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as Parquet, or as CSV when ``path`` ends in ``.csv``; atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        atomic_write_text(path, df.to_csv(index=False))
    else:
        write_parquet_atomic(path, df)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.collect``: returns the exit code (0; 1 with ``--strict`` and problems; 2 on bad input)."""
    parser = argparse.ArgumentParser(prog="python -m sim.collect", description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a Hydra sweep folder (or a folder of several)")
    parser.add_argument("--out", type=Path, help="the run table: .parquet (default <sweep_dir>/runs.parquet) or .csv")
    parser.add_argument("--csv", action="store_true", help="write CSV instead of Parquet where no file name says")
    parser.add_argument("--timeseries", type=Path, help="also write the long time-series table to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any run is missing, unfinished or corrupt")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        got = collect(args.sweep_dir, timeseries=args.timeseries is not None, progress=not args.quiet)
    except CollectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or args.sweep_dir / ("runs.csv" if args.csv else "runs.parquet")
    write_table(got.runs, out)
    print(f"{len(got.runs)} complete runs, {len(got.swept)} swept keys ({', '.join(got.swept) or 'none'}) -> {out}")
    if args.timeseries is not None and got.timeseries is not None:
        write_table(got.timeseries, args.timeseries)
        print(f"time series: {len(got.timeseries)} rows -> {args.timeseries}")
    if len(got.problems):
        print(f"{len(got.problems)} runs not collected:", file=sys.stderr)
        for p in got.problems.itertuples():
            print(f"  {p.status:10s} {p.run}: {p.detail}", file=sys.stderr)
        if args.strict:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
