"""A run's outputs on disk: written atomically, read back, with the records that make a run reproducible.

Every file is written to a hidden temporary name in the same folder and then renamed, so a
killed run never leaves a half file that looks whole; ``summary.json`` is written last and
marks the run complete (OUTPUTS.md).
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SUMMARY, TIMESERIES, TEAMS = "summary.json", "timeseries.parquet", "teams.parquet"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync, then rename."""
    path = Path(path)
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
    atomic_write_bytes(path, text.encode("utf-8"))


def write_parquet_atomic(path: Path, df: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    df.to_parquet(buffer, engine="pyarrow", index=False)
    atomic_write_bytes(path, buffer.getvalue())


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a run depends on."""

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
    """``git rev-parse HEAD`` of the checkout holding ``start`` (default: this package), with
    " (dirty)" when there are uncommitted changes; None outside a checkout. Never raises."""
    where = Path(start) if start is not None else Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head} (dirty)" if dirty else head


def summarise(timeseries: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``final`` (last step) and ``mean`` (over the run) of every metric column."""
    metrics = timeseries.drop(columns=["step"], errors="ignore")
    return {
        "final": {k: float(v) for k, v in metrics.iloc[-1].items()},
        "mean": {k: float(v) for k, v in metrics.mean().items()},
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_run(
    run_dir: Path,
    timeseries: pd.DataFrame,
    teams: pd.DataFrame,
    summary: dict,
    figures: dict[str, Figure] | None = None,
) -> dict[str, Path]:
    """Write a run folder; ``summary.json`` last. Returns what was written, by name."""
    run_dir = Path(run_dir)
    (run_dir / "figures").mkdir(parents=True, exist_ok=True)
    written = {"timeseries": run_dir / TIMESERIES, "teams": run_dir / TEAMS}
    write_parquet_atomic(written["timeseries"], timeseries)
    write_parquet_atomic(written["teams"], teams)
    for name, fig in (figures or {}).items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        path = run_dir / "figures" / f"{name}.png"
        atomic_write_bytes(path, buffer.getvalue())
        written[f"figure:{name}"] = path
    written["summary"] = run_dir / SUMMARY
    atomic_write_text(written["summary"], json.dumps(summary, indent=2, default=_json_default, allow_nan=True))
    return written


@dataclass(frozen=True)
class RunOutputs:
    """A run folder read back."""

    path: Path
    timeseries: pd.DataFrame
    teams: pd.DataFrame
    summary: dict


def read_run(run_dir: Path) -> RunOutputs:
    """Read a run folder. ``FileNotFoundError`` names a missing file (an unfinished run);
    ``ValueError`` names a file that cannot be parsed (a corrupt run)."""
    run_dir = Path(run_dir)
    for name in (SUMMARY, TIMESERIES, TEAMS):
        if not (run_dir / name).is_file():
            raise FileNotFoundError(f"{run_dir / name} is missing: the run did not finish")
    try:
        summary = json.loads((run_dir / SUMMARY).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{run_dir / SUMMARY} is corrupt: {exc}") from None
    frames = {}
    for name in (TIMESERIES, TEAMS):
        try:
            frames[name] = pd.read_parquet(run_dir / name)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise ValueError(f"{run_dir / name} is corrupt: {exc}") from None
    return RunOutputs(path=run_dir, timeseries=frames[TIMESERIES], teams=frames[TEAMS], summary=summary)


def is_complete(run_dir: Path) -> bool:
    """True when the run folder can be read back whole."""
    try:
        read_run(run_dir)
    except (FileNotFoundError, ValueError):
        return False
    return True
