"""Collect a sweep into one tidy table: one row per run, every swept parameter, the seed and every
summary metric; and a list of the runs that are missing, unfinished or corrupt (none is dropped
silently).

    python -m sim.collect multirun/default/2026-11-23_10-00-00              # -> <sweep>/runs.parquet
    python -m sim.collect SWEEP_DIR --out runs.csv --timeseries ts.parquet --strict
    python -m sim.collect SWEEP_DIR --xlsx                                  # -> <sweep>/runs.xlsx

Columns of the run table: ``run`` (the job folder, relative to the sweep folder), ``run_key``, one
column per overridden config key (dotted, as on the command line, e.g. ``leadership.manager.recognition``
or ``org``), ``seed``, then ``final.<metric>`` and ``mean.<metric>`` for every metric of docs/outputs.md.
The time-series table (on request) is long: ``run``, the swept keys, ``seed``, ``step``, ``metric``,
``value``.

A sweep folder is one holding Hydra's ``multirun.yaml``; a job folder is one holding ``.hydra/``.
Pointing at a folder of several sweeps collects them all. Status of a job:

- ``complete``: ``summary.json`` is whole and every file it records matches its SHA-256
  (:func:`sim.results.run_status`), and every YAML file under ``.hydra/`` parses;
- ``unfinished``: no ``summary.json`` (killed, still running, or failed);
- ``corrupt``: a file that is there cannot be read, does not match its SHA-256, or is a YAML file
  (``.hydra/*.yaml`` of a job, ``multirun.yaml`` of a sweep) that does not parse;
- ``missing``: a job the basic sweeper makes of the sweep's overrides has no folder at all.

A run written before runs recorded their files' SHA-256 is collected with only its Parquet footers
checked, and counted apart (``Collection.unverified``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import yaml
from hydra.errors import HydraException
from tqdm.auto import tqdm

from sim.results import SUMMARY, TIMESERIES, atomic_write_bytes, run_status, write_parquet_atomic
from sim.sweeps.jobs import REPLICATE_PREFIX, override_key, planned_jobs, replicate_dir, replicate_seeds
from sim.tables import SheetTooLongError, csv_bytes, xlsx_bytes

MULTIRUN_FILE = "multirun.yaml"
JOB_MARKER = ".hydra"
OVERRIDES_FILE = "overrides.yaml"
# libyaml's loader when PyYAML was built with it: several times faster on a job's config.yaml
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    swept : list of str
        The overridden config keys, in the run table's order.
    unverified : list of str
        The complete runs whose ``summary.json`` records no SHA-256 (written by an older version):
        only their Parquet footers were checked.
    """

    runs: pd.DataFrame
    problems: pd.DataFrame
    timeseries: pd.DataFrame | None = None
    swept: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _read_yaml(path: Path, *, content: bool = True) -> object:
    """A YAML file's content; with ``content=False`` only its syntax is checked (libyaml's parser,
    no Python objects made: a third of the time) and None returned. ValueError with one line naming
    the file's problem."""
    try:
        data = path.read_bytes()
        if content:
            return yaml.load(data, Loader=_LOADER)
        for _ in yaml.parse(data, Loader=_LOADER):
            pass
        return None
    except OSError as exc:
        raise ValueError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ValueError(f"{path.name} is not valid YAML: {_one_line(exc.problem or exc)}{where}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} is not valid YAML: {_one_line(exc)}") from None


def _job_record(job: Path) -> tuple[list[str] | None, str]:
    """The job's command-line overrides, and the first problem of the YAML files Hydra wrote for it.

    The overrides are None when ``overrides.yaml`` is not there (Hydra was stopped while setting the
    job up: it writes the file last, just before the run begins, so no run began there) or is
    corrupt. The problem is ``""`` when every ``.hydra/*.yaml`` parses and ``overrides.yaml`` is a
    list, else one line naming the file.
    """
    overrides, problem = None, ""
    for path in sorted((job / JOB_MARKER).glob("*.yaml")):
        try:
            loaded = _read_yaml(path, content=path.name == OVERRIDES_FILE)
            if path.name == OVERRIDES_FILE and not isinstance(loaded, list | None):
                raise ValueError(f"{OVERRIDES_FILE} is corrupt: a list of overrides expected")
        except ValueError as exc:
            problem = problem or f"{JOB_MARKER}/{exc}"
            continue
        if path.name == OVERRIDES_FILE:
            overrides = [str(x) for x in loaded or []]
    return overrides, problem


def _run_folders(job: Path) -> list[Path]:
    """The run folders of a job: the job folder itself, or, for a job of several ``replications``
    (``seed<s>/`` subfolders beside no ``summary.json`` of its own), the folder of each run the job's
    config says it makes, whether or not that run has begun (read from ``.hydra/config.yaml`` only
    for such jobs, a file of some 2 ms to load). ValueError naming the problem when that config
    lacks its seed or replications."""
    if (job / SUMMARY).is_file() or not any(job.glob(f"{REPLICATE_PREFIX}*/")):
        return [job]
    cfg = _read_yaml(job / JOB_MARKER / "config.yaml")
    seed = cfg.get("seed") if isinstance(cfg, dict) else None
    replications = cfg.get("replications") if isinstance(cfg, dict) else None
    if not isinstance(seed, int) or not isinstance(replications, int) or replications < 1:
        raise ValueError("config.yaml is corrupt: no whole seed and replications")
    return [replicate_dir(job, s, replications) for s in replicate_seeds(seed, replications)]


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


def _sweep_plan(sweep: Path) -> tuple[dict, list[str]]:
    """The sweeper's config and the command line's overrides of a sweep, from its ``multirun.yaml``;
    ValueError with one line naming the file when it does not parse or lacks them."""
    cfg = _read_yaml(sweep / MULTIRUN_FILE) or {}
    hydra = cfg.get("hydra", {}) if isinstance(cfg, dict) else None
    overrides = hydra.get("overrides", {}) if isinstance(hydra, dict) else None
    task = overrides.get("task", []) if isinstance(overrides, dict) else None
    sweeper = hydra.get("sweeper", {}) if isinstance(hydra, dict) else None
    if not isinstance(task, list) or not isinstance(sweeper, dict):
        raise ValueError(f"{MULTIRUN_FILE} is corrupt: no hydra.overrides.task list and hydra.sweeper mapping")
    return sweeper, [str(x) for x in task]


def _missing(sweeps: list[Path], overrides: dict[Path, list[str] | None], root: Path) -> tuple[list[dict], set[Path]]:
    """The planned runs of each sweep that no begun job holds, and the sweeps whose plan is known; a
    sweep whose ``multirun.yaml`` is corrupt is one problem, and its jobs are collected all the same."""
    rows, planned_sweeps = [], set()
    for sweep in sweeps:
        name = str(sweep.relative_to(root)) if sweep != root else "."
        try:
            sweeper, task = _sweep_plan(sweep)
        except ValueError as exc:
            rows.append({"run": name, "status": "corrupt", "detail": str(exc)})
            continue
        try:
            planned = planned_jobs(sweeper, task)
        except ValueError as exc:  # a design sweep whose design file has moved
            rows.append({"run": name, "status": "missing", "detail": f"cannot list the planned runs: {exc}"})
            continue
        except HydraException as exc:  # overrides that Hydra's parser refuses: not what Hydra wrote
            detail = f"{MULTIRUN_FILE} is corrupt: cannot list the planned runs: {_one_line(exc)}"
            rows.append({"run": name, "status": "corrupt", "detail": detail})
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
    records = {job: _job_record(job) for job in jobs}  # read once: the missing-run check needs them too
    overrides = {job: given for job, (given, _) in records.items()}
    problems, planned_sweeps = _missing(sweeps, overrides, root)
    rows, series, unverified = [], [], []
    for job in tqdm(jobs, desc="collecting", unit="run", disable=not progress):
        name = str(job.relative_to(root))
        if records[job][1]:
            problems.append({"run": name, "status": "corrupt", "detail": records[job][1]})
            continue
        if overrides[job] is None:
            # no run began here: a planned sweep lists the run as missing already, so report it once
            if not planned_sweeps & set(job.parents):
                problems.append({"run": name, "status": "unfinished", "detail": "stopped before its run began"})
            continue
        try:
            folders = _run_folders(job)
        except ValueError as exc:
            problems.append({"run": name, "status": "corrupt", "detail": f"{JOB_MARKER}/{exc}"})
            continue
        for run_dir in folders:
            run_name = str(run_dir.relative_to(root))
            status, detail, summary = run_status(run_dir)
            if summary is None:
                problems.append({"run": run_name, "status": status, "detail": _one_line(detail)})
                continue
            if timeseries:
                try:
                    wide = pd.read_parquet(run_dir / TIMESERIES)
                except (OSError, ValueError, pa.ArrowException) as exc:  # only a table no SHA-256 covers
                    problems.append({"run": run_name, "status": "corrupt", "detail": f"{TIMESERIES}: {_one_line(exc)}"})
                    continue
            if detail:
                unverified.append(run_name)
            row: dict[str, object] = {"run": run_name, "run_key": summary.get("run_key")}
            for text in overrides[job]:
                key = override_key(text)
                row[key] = _value(summary, key, text)
            row["seed"] = summary.get("seed")
            row.update({f"final.{k}": v for k, v in summary["final"].items()})
            row.update({f"mean.{k}": v for k, v in summary["mean"].items()})
            rows.append(row)
            if timeseries:
                series.append((row, wide))
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
        unverified=unverified,
    )


def _long_timeseries(series: list[tuple[dict, pd.DataFrame]], swept: list[str]) -> pd.DataFrame:
    frames = []
    for row, wide in series:
        long = wide.melt(id_vars=["step"], var_name="metric", value_name="value")
        for key in ("run", *swept, "seed"):
            long[key] = row.get(key)
        frames.append(long)
    columns = ["run", *swept, "seed", "step", "metric", "value"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def write_table(df: pd.DataFrame, path: Path, sheet: str = "runs") -> Path:
    """Write ``df`` atomically as Parquet, or as CSV when ``path`` ends in ``.csv``, or as an Excel
    workbook of one sheet named ``sheet`` when it ends in ``.xlsx``. CSV and workbook are escaped for
    spreadsheets (``sim.tables``: a text cell beginning with ``=``, ``+``, ``-``, ``@`` gets a leading
    apostrophe).

    Raises
    ------
    sim.tables.SheetTooLongError
        For ``.xlsx``, when ``df`` has more rows than a worksheet holds; nothing is written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    data = xlsx_bytes({sheet: df}) if suffix == ".xlsx" else csv_bytes(df) if suffix == ".csv" else None
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        write_parquet_atomic(path, df)
    else:
        atomic_write_bytes(path, data)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.collect``: returns the exit code (0; 1 with ``--strict`` and problems; 2 on bad input
    or an output file that cannot be written)."""
    parser = argparse.ArgumentParser(prog="python -m sim.collect", description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a Hydra sweep folder (or a folder of several)")
    parser.add_argument(
        "--out", type=Path, help="the run table: .parquet (default <sweep_dir>/runs.parquet), .csv or .xlsx"
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--csv", action="store_true", help="write CSV instead of Parquet where no file name says")
    kind.add_argument("--xlsx", action="store_true", help="write an Excel workbook where no file name says")
    parser.add_argument("--timeseries", type=Path, help="also write the long time-series table to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any run is missing, unfinished or corrupt")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        got = collect(args.sweep_dir, timeseries=args.timeseries is not None, progress=not args.quiet)
    except CollectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or args.sweep_dir / ("runs.csv" if args.csv else "runs.xlsx" if args.xlsx else "runs.parquet")
    try:
        write_table(got.runs, out)
        print(f"{len(got.runs)} complete runs, {len(got.swept)} swept keys ({', '.join(got.swept) or 'none'}) -> {out}")
        if args.timeseries is not None and got.timeseries is not None:
            write_table(got.timeseries, args.timeseries, sheet="timeseries")
            print(f"time series: {len(got.timeseries)} rows -> {args.timeseries}")
    except OSError as exc:
        print(f"error: cannot write {exc.filename or out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except SheetTooLongError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if got.unverified:
        print(
            f"{len(got.unverified)} runs record no SHA-256 of their files (written by an older version): "
            "only their Parquet footers were checked",
            file=sys.stderr,
        )
    if len(got.problems):
        print(f"{len(got.problems)} runs not collected:", file=sys.stderr)
        for p in got.problems.itertuples():
            print(f"  {p.status:10s} {p.run}: {p.detail}", file=sys.stderr)
        if args.strict:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
