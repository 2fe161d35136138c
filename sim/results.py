"""A run's outputs on disk: written atomically, read back, with the records that make a run reproducible.

Every file is written to a hidden temporary name in the same folder and then renamed, so a
killed run never leaves a half file that looks whole; ``summary.json`` is written last, records
the SHA-256 of every data file the run wrote, and marks the run complete (docs/outputs.md). A run
is keyed by its resolved configuration (the seed included; ``output.progress`` left out, since it
changes nothing on disk)::

    run_key = sha256(canonical JSON of the resolved config)[:16]
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import secrets
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig

from sim.config import to_container
from sim.tables import csv_bytes, xlsx_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SUMMARY, TIMESERIES, TEAMS = "summary.json", "timeseries.parquet", "teams.parquet"
FIGURES = "figures"
#: what ``output.format`` adds to the Parquet tables: the same tables as CSV, and one workbook
TIMESERIES_CSV, TEAMS_CSV, WORKBOOK = "timeseries.csv", "teams.csv", "results.xlsx"
#: the hidden temporary files of :func:`atomic_write_bytes`: what a killed write leaves behind
TMP_GLOB = ".*.tmp"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes so that ``path`` holds either its old content or all of ``data``, never a part.

    The file gets the mode a plain ``open(path, "wb")`` would give it (0666 less the umask, or what
    the folder's default ACL says), so collaborators on shared storage can read it when their umask
    lets them.

    Parameters
    ----------
    path : Path
        Target file; its folder must exist.
    data : bytes
        The whole new content.
    """
    path = Path(path)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_TEMPORARY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new hidden file beside ``path`` (same folder, so ``os.replace`` is a rename within one file
    system), opened for writing.

    Not ``tempfile.mkstemp``: it creates files 0600 whatever the umask. Asking the kernel for 0666
    lets it apply the umask (and a default ACL) at creation, as for any other file; reading the umask
    to chmod afterwards would need ``os.umask``, which sets it process-wide while it reads (a race
    with other threads creating files), and a chmod would override a default ACL.
    """
    for _ in range(100):  # mkstemp's strategy: a random name, O_EXCL, another name on a clash
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, _TEMPORARY_FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`).

    Parameters
    ----------
    path : Path
        Target file; its folder must exist.
    text : str
        The whole new content.
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def write_parquet_atomic(path: Path, df: pd.DataFrame) -> None:
    """Write a DataFrame as Parquet (pyarrow, without the index) atomically.

    Parameters
    ----------
    path : Path
        Target file; its folder must exist.
    df : pandas.DataFrame
        The table to write.
    """
    atomic_write_bytes(path, _parquet_bytes(df))


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


#: Config keys that change nothing a run writes, left out of its key: a run of seed 9 is the same run
#: whether it came alone or as one of a job's ``replications``.
KEY_EXCLUDES = (("output", "progress"), ("replications",))


def run_key(cfg: DictConfig, seed: int | None = None) -> str:
    """The run's key: a hash of its resolved configuration, seed included.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        The run's composed configuration (a ``hydra`` node, if present, is ignored).
    seed : int, optional
        The seed the run actually used, when it was given apart from ``cfg.seed``.

    Returns
    -------
    str
        16 hex digits; equal for equal configurations whatever the key order or the launcher.
    """
    data = to_container(cfg)
    data.pop("hydra", None)
    if seed is not None:
        data["seed"] = int(seed)
    for path in KEY_EXCLUDES:
        node = data
        for part in path[:-1]:
            node = node.get(part, {})
        node.pop(path[-1], None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a run depends on.

    Returns
    -------
    dict of str to str
        Keys ``python``, ``sim``, ``mesa``, ``numpy``, ``hydra``, ``networkx``, ``pandas``;
        ``"unknown"`` for a distribution that is not installed (e.g. ``sim`` run from a source tree).
    """

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "unknown"

    return {
        "python": platform.python_version(),
        "sim": version("service-culture-sim"),
        "mesa": version("mesa"),
        "numpy": version("numpy"),
        "hydra": version("hydra-core"),
        "networkx": version("networkx"),
        "pandas": version("pandas"),
    }


def git_revision(start: Path | None = None) -> str | None:
    """The git commit of the checkout the code runs from. Never raises.

    Parameters
    ----------
    start : Path, optional
        Folder to ask git in; by default the folder of the ``sim`` package.

    Returns
    -------
    str or None
        ``git rev-parse HEAD``, with ``" (dirty)"`` appended when ``git status --porcelain`` reports
        changes; None outside a git checkout, without git, or when git takes longer than 5 s.
    """
    where = Path(start) if start is not None else Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=where, capture_output=True, text=True, errors="replace", timeout=5, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain")
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return f"{head} (dirty)" if dirty else head


def summarise(timeseries: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The last-step and whole-run mean value of every metric.

    Parameters
    ----------
    timeseries : pandas.DataFrame
        One row per step: ``step`` and numeric metric columns.

    Returns
    -------
    dict
        ``{"final": {metric: float}, "mean": {metric: float}}`` over every column but ``step``;
        plain floats, NaN where there are no rows.
    """
    metrics = timeseries.drop(columns=["step"], errors="ignore")
    last = metrics.iloc[-1] if len(metrics) else pd.Series(np.nan, index=metrics.columns)
    return {
        "final": {str(k): float(v) for k, v in last.items()},
        "mean": {str(k): float(v) for k, v in metrics.mean().items()},
    }


def summary_table(summary: dict) -> pd.DataFrame:
    """A run summary's metrics as a table to read: ``metric``, ``final`` (the last week) and ``mean``
    (over the run), one row per model-level metric in the summary's order."""
    final, mean = summary["final"], summary["mean"]
    return pd.DataFrame({"metric": list(final), "final": list(final.values()), "mean": [mean[m] for m in final]})


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def save_figure(path: Path, fig: Figure) -> Path:
    """Save ``fig`` as a PNG at 110 dpi, atomically, and close it. Returns ``path``."""
    atomic_write_bytes(Path(path), _png_bytes(fig))
    _close(fig)
    return Path(path)


def _close(fig: Figure) -> None:
    # Only figures made through pyplot are held by it (and leak until closed); pyplot can only hold
    # figures if it has been imported, and importing it here would pick a GUI backend for nothing.
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


def write_run(
    run_dir: Path,
    timeseries: pd.DataFrame,
    teams: pd.DataFrame,
    summary: dict,
    figures: dict[str, Figure] | None = None,
    formats: Iterable[str] = (),
) -> dict[str, Path]:
    """Write a run folder, each file atomically and ``summary.json`` last (the completion marker).

    ``summary.json`` is ``summary`` with two keys added (``summary`` itself is not changed):
    ``files``, the SHA-256 and size of every other file written (from the bytes in memory, not read
    back), and ``summary_sha256``, the hash of the summary's own content (:func:`summary_digest`).

    Parameters
    ----------
    run_dir : Path
        The run folder; created if missing, with a ``figures`` subfolder when there are figures.
    timeseries, teams : pandas.DataFrame
        Written to ``timeseries.parquet`` and ``teams.parquet``.
    summary : dict
        Written to ``summary.json``; numpy scalars and arrays are converted.
    figures : dict of str to matplotlib.figure.Figure, optional
        Each saved as ``figures/<name>.png`` at 110 dpi, then closed.
    formats : iterable of str
        The run's ``output.format``: ``csv`` adds ``timeseries.csv`` and ``teams.csv``, ``xlsx`` adds
        ``results.xlsx`` (sheets ``summary``, ``timeseries``, ``teams``), both escaped for spreadsheets
        (``sim.tables``); ``parquet``, always written, adds nothing.

    Returns
    -------
    dict of str to Path
        ``timeseries``, ``teams``, ``csv:timeseries`` and ``csv:teams`` with csv, ``xlsx`` with xlsx,
        ``figure:<name>`` for each figure, and ``summary``.

    Raises
    ------
    sim.tables.SheetTooLongError
        With xlsx, when the teams table has more rows than a worksheet holds; nothing is written.
        ``python -m sim`` refuses such a run before it starts (``sim.model``).
    """
    run_dir = Path(run_dir)
    # a sweep's thousands of runs draw no figures: no empty figures/ folder for each
    (run_dir / FIGURES if figures else run_dir).mkdir(parents=True, exist_ok=True)
    # Every file is made in memory and the summary serialised before anything is written, so that
    # a value JSON cannot hold, or a table no worksheet can hold, fails with no file written.
    payload = {"timeseries": (TIMESERIES, _parquet_bytes(timeseries)), "teams": (TEAMS, _parquet_bytes(teams))}
    formats = set(formats)
    if "csv" in formats:
        payload["csv:timeseries"] = (TIMESERIES_CSV, csv_bytes(timeseries))
        payload["csv:teams"] = (TEAMS_CSV, csv_bytes(teams))
    if "xlsx" in formats:
        sheets = {"summary": summary_table(summary), "timeseries": timeseries, "teams": teams}
        payload["xlsx"] = (WORKBOOK, xlsx_bytes(sheets))
    for name, fig in (figures or {}).items():
        payload[f"figure:{name}"] = (f"{FIGURES}/{name}.png", _png_bytes(fig))
        _close(fig)
    record = {**summary, FILES: {rel: file_record(data) for rel, data in payload.values()}}
    record.pop(SUMMARY_SHA256, None)
    record[SUMMARY_SHA256] = summary_digest(json.loads(json.dumps(record, default=_json_default)))
    summary_text = json.dumps(record, indent=2, sort_keys=False, default=_json_default)
    written = {}
    for label, (rel, data) in payload.items():
        written[label] = run_dir / rel
        atomic_write_bytes(written[label], data)
    written["summary"] = run_dir / SUMMARY
    atomic_write_text(written["summary"], summary_text)
    return written


#: ``summary.json`` keys of the integrity record (docs/outputs.md)
FILES, SUMMARY_SHA256 = "files", "summary_sha256"


def add_figures(run_dir: Path, figures: dict[str, Figure]) -> list[Path]:
    """Save figures into a complete run folder drawn after the run (``python -m sim.plots``), each
    ``figures/<name>.png`` atomically, then add them to the ``files`` record of its ``summary.json``
    (rewritten atomically, its ``summary_sha256`` with it), so that they are checked like the files
    the run wrote itself and a figure drawn again does not read as corrupt. A summary written before
    runs recorded their files is left as it is.

    Parameters
    ----------
    run_dir : Path
        A run folder whose ``summary.json`` is whole (:func:`check_summary`).
    figures : dict of str to matplotlib.figure.Figure
        Saved at 110 dpi, then closed.

    Returns
    -------
    list of Path
        The figures written.

    Raises
    ------
    ValueError
        When ``summary.json`` is not whole.
    """
    run_dir = Path(run_dir)
    summary = read_summary(run_dir / SUMMARY)
    files = check_summary(summary)
    (run_dir / FIGURES).mkdir(exist_ok=True)
    written = []
    for name, fig in figures.items():
        rel, data = f"{FIGURES}/{name}.png", _png_bytes(fig)
        _close(fig)
        atomic_write_bytes(run_dir / rel, data)
        written.append(run_dir / rel)
        if files is not None:
            files[rel] = file_record(data)
    if files is not None:
        summary[SUMMARY_SHA256] = summary_digest(summary)
        atomic_write_text(run_dir / SUMMARY, json.dumps(summary, indent=2, sort_keys=False))
    return written


def file_record(data: bytes) -> dict[str, str | int]:
    """What ``summary.json`` records of a file the run wrote: ``{"sha256": hex digest, "bytes": size}``.

    Parameters
    ----------
    data : bytes
        The file's whole content.

    Returns
    -------
    dict
    """
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def summary_digest(summary: dict) -> str:
    """The SHA-256 of a summary's content: its canonical JSON (sorted keys, no spaces), without
    ``summary_sha256``. Equal for a summary and the same summary read back from ``summary.json``.

    Parameters
    ----------
    summary : dict
        A summary as JSON reads it (plain lists, dicts, numbers and strings).

    Returns
    -------
    str
        64 hex digits.
    """
    content = {k: v for k, v in summary.items() if k != SUMMARY_SHA256}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RunOutputs:
    """A run folder read back: its two tables, its summary and where it is."""

    timeseries: pd.DataFrame
    teams: pd.DataFrame
    summary: dict
    path: Path


def read_summary(path: Path) -> dict:
    """Read ``summary.json``; ValueError naming the file when it is not a JSON object."""
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is corrupt: {exc}") from None
    if not isinstance(summary, dict):
        raise ValueError(f"{path} is corrupt: expected a JSON object, found {type(summary).__name__}")
    return summary


def check_summary(summary: dict) -> dict[str, dict] | None:
    """Check a summary's content and return its ``files`` record.

    Parameters
    ----------
    summary : dict
        As :func:`read_summary` returns it.

    Returns
    -------
    dict or None
        ``{relative path: {"sha256": ..., "bytes": ...}}``; None for a summary written before runs
        recorded their files (no ``files`` and no ``summary_sha256``).

    Raises
    ------
    ValueError
        One line, when ``final`` or ``mean`` is missing, empty or holds a value that is not a number,
        when the summary's content does not match its ``summary_sha256``, or when ``files`` is not a
        mapping of relative paths inside the run folder to records like :func:`file_record`'s.
    """
    for part in ("final", "mean"):
        values = summary.get(part)
        if not isinstance(values, dict) or not values:
            raise ValueError(f"'{part}' is {'empty' if values == {} else 'missing or not an object'}")
        for metric, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"'{part}.{metric}' is not a number: {value!r}")
    if FILES not in summary and SUMMARY_SHA256 not in summary:
        return None
    if SUMMARY_SHA256 not in summary or FILES not in summary:
        raise ValueError(f"it has one of '{FILES}' and '{SUMMARY_SHA256}' but not the other")
    if summary[SUMMARY_SHA256] != summary_digest(summary):
        raise ValueError(f"SHA-256 mismatch of its own content ('{SUMMARY_SHA256}')")
    files = summary[FILES]
    if not isinstance(files, dict):
        raise ValueError(f"'{FILES}' is not an object")
    for rel, entry in files.items():
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts or not parts:
            raise ValueError(f"'{FILES}' names {rel!r}, which is not inside the run folder")
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or type(entry.get("bytes")) is not int
        ):
            raise ValueError(f"'{FILES}.{rel}' is not a {{sha256, bytes}} record")
    return files


def _file_problem(run_dir: Path, rel: str, record: dict) -> str:
    """Whether a file a run recorded is still what it wrote: ``""`` if so, else one line naming it.

    The size is compared first (a stat); the hash reads the file in chunks.

    Parameters
    ----------
    run_dir : Path
        The run folder.
    rel : str
        The file's path in it, as recorded in ``files``.
    record : dict
        Its record, as :func:`file_record` made it.

    Returns
    -------
    str
    """
    path = Path(run_dir) / rel
    try:
        size = path.stat().st_size
        if size != record["bytes"]:
            return f"{rel}: SHA-256 mismatch ({size} bytes, {record['bytes']} recorded)"
        with path.open("rb") as fh:
            found = hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        return f"{rel} is missing beside a summary.json that records it"
    except OSError as exc:
        return f"{rel} cannot be read: {exc}"
    return _mismatch(rel, record, found)


def _mismatch(rel: str, record: dict, found: str) -> str:
    if found == record["sha256"]:
        return ""
    return f"{rel}: SHA-256 mismatch (recorded {record['sha256'][:12]}..., found {found[:12]}...)"


def read_run(run_dir: Path) -> RunOutputs:
    """Read a run folder written by :func:`write_run`, checking the tables against their recorded
    SHA-256 (from the bytes read, so at no extra read).

    Parameters
    ----------
    run_dir : Path
        The run folder.

    Returns
    -------
    RunOutputs

    Raises
    ------
    FileNotFoundError
        Naming the missing file, when the run did not finish (no ``summary.json``) or lost a table.
    ValueError
        Naming the file, when ``summary.json`` or a Parquet file cannot be parsed, or does not match
        what the run recorded (:func:`check_summary`).
    """
    run_dir = Path(run_dir)
    for name in (SUMMARY, TIMESERIES, TEAMS):
        if not (run_dir / name).is_file():
            raise FileNotFoundError(f"{run_dir / name} is missing: the run is incomplete")
    summary = read_summary(run_dir / SUMMARY)
    try:
        files = check_summary(summary) or {}
    except ValueError as exc:
        raise ValueError(f"{run_dir / SUMMARY} is corrupt: {exc}") from None
    frames = {}
    for name in (TIMESERIES, TEAMS):
        data = (run_dir / name).read_bytes()
        problem = _mismatch(name, files[name], hashlib.sha256(data).hexdigest()) if name in files else ""
        if problem:
            raise ValueError(f"{run_dir / name} is corrupt: {problem}")
        try:
            frames[name] = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ValueError(f"{run_dir / name} is corrupt: {exc}") from None
    return RunOutputs(timeseries=frames[TIMESERIES], teams=frames[TEAMS], summary=summary, path=run_dir)


def run_status(job: Path) -> tuple[str, str, dict | None]:
    """Whether a run folder holds a complete run: ``(status, detail, summary)``.

    ``status`` is

    - ``complete``: ``summary.json`` parses and passes :func:`check_summary`, every file it records
      matches its SHA-256 and size, and a table it does not record (a run written before runs
      recorded their files) has a Parquet footer that reads; ``detail`` then names such tables
      (their data pages could not be checked), and is empty when everything was verified;
    - ``unfinished``: no ``summary.json``; ``detail`` names the leftovers of a killed write;
    - ``corrupt``: a file that is there cannot be read or does not match its record; ``detail`` says
      which and why, in one line.

    ``summary`` is the parsed summary when complete, else None. Reads every recorded file (SHA-256 in
    chunks), never parses a table.
    """
    job = Path(job)
    if not (job / SUMMARY).is_file():
        detail = "no summary.json"
        leftovers = sorted(p.name for p in job.rglob(TMP_GLOB))
        if leftovers:
            detail += f"; half-written files left by a killed run: {', '.join(leftovers)}"
        return "unfinished", detail, None
    try:
        summary = read_summary(job / SUMMARY)
    except OSError as exc:
        return "corrupt", f"{SUMMARY} cannot be read: {exc}", None
    except ValueError as exc:
        return "corrupt", str(exc), None
    try:
        files = check_summary(summary)
    except ValueError as exc:
        return "corrupt", f"{SUMMARY} is corrupt: {exc}", None
    files = files or {}
    for rel, record in files.items():
        problem = _file_problem(job, rel, record)
        if problem:
            return "corrupt", problem, None
    unrecorded = [name for name in (TIMESERIES, TEAMS) if name not in files]
    for name in unrecorded:
        try:
            pq.read_metadata(job / name)
        except FileNotFoundError:
            return "corrupt", f"{name} is missing beside a summary.json", None
        except (OSError, pa.ArrowException) as exc:
            return "corrupt", f"{name} cannot be read: {exc}", None
    detail = f"no SHA-256 recorded for {', '.join(unrecorded)}: only the Parquet footers checked" if unrecorded else ""
    return "complete", detail, summary


def is_complete(run_dir: Path) -> bool:
    """Whether a run finished: :func:`run_status` says ``complete``.

    Reads every file the run recorded to check its SHA-256, but parses no table: about a millisecond
    a run for a default one (docs/outputs.md).

    Parameters
    ----------
    run_dir : Path
        The run folder.

    Returns
    -------
    bool
    """
    return run_status(run_dir)[0] == "complete"


def replace_doc_section(path: Path, name: str, body: str, *, title: str) -> None:
    """Put ``body`` between ``<!-- name:start -->`` and ``<!-- name:end -->`` in a Markdown file,
    atomically, keeping the rest of the file; append the section when it is not there yet, and
    start the file with ``# title`` when there is no file.

    Lets several generators (e.g. the model and the sweep benchmarks) share one document.
    """
    path = Path(path)
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.is_file() else f"# {title}\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    atomic_write_text(path, text)
