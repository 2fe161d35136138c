"""A run's outputs on disk: written atomically, read back, with the records that make a run reproducible.

Every file is written to a hidden temporary name in the same folder and then renamed, so a
killed run never leaves a half file that looks whole; ``summary.json`` is written last and
marks the run complete (docs/outputs.md). A run is keyed by its resolved configuration (the seed
included; ``output.progress`` left out, since it changes nothing on disk)::

    run_key = sha256(canonical JSON of the resolved config)[:16]
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
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

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SUMMARY, TIMESERIES, TEAMS = "summary.json", "timeseries.parquet", "teams.parquet"
FIGURES = "figures"
#: the hidden temporary files of :func:`atomic_write_bytes`: what a killed write leaves behind
TMP_GLOB = ".*.tmp"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes so that ``path`` holds either its old content or all of ``data``, never a part.

    Parameters
    ----------
    path : Path
        Target file; its folder must exist.
    data : bytes
        The whole new content.
    """
    path = Path(path)
    # Same folder as the target, so os.replace is a rename within one file system.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    buffer = io.BytesIO()
    df.to_parquet(buffer, engine="pyarrow", index=False)
    atomic_write_bytes(path, buffer.getvalue())


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
) -> dict[str, Path]:
    """Write a run folder, each file atomically and ``summary.json`` last (the completion marker).

    Parameters
    ----------
    run_dir : Path
        The run folder; created with its ``figures`` subfolder if missing.
    timeseries, teams : pandas.DataFrame
        Written to ``timeseries.parquet`` and ``teams.parquet``.
    summary : dict
        Written to ``summary.json``; numpy scalars and arrays are converted.
    figures : dict of str to matplotlib.figure.Figure, optional
        Each saved as ``figures/<name>.png`` at 110 dpi, then closed.

    Returns
    -------
    dict of str to Path
        ``timeseries``, ``teams``, ``figure:<name>`` for each figure, and ``summary``.
    """
    run_dir = Path(run_dir)
    (run_dir / FIGURES).mkdir(parents=True, exist_ok=True)
    # Serialise the summary first so that a value JSON cannot hold fails before anything is written.
    summary_text = json.dumps(summary, indent=2, sort_keys=False, default=_json_default)
    written = {"timeseries": run_dir / TIMESERIES, "teams": run_dir / TEAMS}
    write_parquet_atomic(written["timeseries"], timeseries)
    write_parquet_atomic(written["teams"], teams)
    for name, fig in (figures or {}).items():
        written[f"figure:{name}"] = save_figure(run_dir / FIGURES / f"{name}.png", fig)
    written["summary"] = run_dir / SUMMARY
    atomic_write_text(written["summary"], summary_text)
    return written


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


def read_run(run_dir: Path) -> RunOutputs:
    """Read a run folder written by :func:`write_run`.

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
        Naming the file, when ``summary.json`` or a Parquet file cannot be parsed.
    """
    run_dir = Path(run_dir)
    for name in (SUMMARY, TIMESERIES, TEAMS):
        if not (run_dir / name).is_file():
            raise FileNotFoundError(f"{run_dir / name} is missing: the run is incomplete")
    summary = read_summary(run_dir / SUMMARY)
    frames = {}
    for name in (TIMESERIES, TEAMS):
        try:
            frames[name] = pd.read_parquet(run_dir / name, engine="pyarrow")
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ValueError(f"{run_dir / name} is corrupt: {exc}") from None
    return RunOutputs(timeseries=frames[TIMESERIES], teams=frames[TEAMS], summary=summary, path=run_dir)


def run_status(job: Path) -> tuple[str, str, dict | None]:
    """Whether a run folder holds a complete run: ``(status, detail, summary)``.

    ``status`` is ``complete`` (``summary.json`` parses, has ``final`` and ``mean``, and both Parquet
    files' footers read), ``unfinished`` (no ``summary.json``) or ``corrupt`` (a file that is there
    cannot be read); ``detail`` says why; ``summary`` is the parsed summary when complete, else None.
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
        if "final" not in summary or "mean" not in summary:
            raise ValueError(f"{job / SUMMARY} is corrupt: no 'final' or 'mean'")
    except (OSError, ValueError) as exc:
        return "corrupt", str(exc), None
    for name in (TIMESERIES, TEAMS):
        try:
            pq.read_metadata(job / name)
        except FileNotFoundError:
            return "corrupt", f"{name} is missing beside a summary.json", None
        except (OSError, pa.ArrowException) as exc:
            return "corrupt", f"{name} cannot be read: {exc}", None
    return "complete", "", summary


def is_complete(run_dir: Path) -> bool:
    """Whether a run finished: :func:`run_status` says ``complete``.

    The tables are not parsed (only their footers read), so scanning many runs stays cheap.

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
