"""Published moments (``configs/research/moments.yaml``): figures from meta-analyses and field studies that
the model can produce, each with its source, the model quantity it maps to and its set: calibration (the
fit is judged on it) or validation (held out: evaluated once, at the fitted defaults).

The split lives in the file and was decided before any fit; :func:`load_moments` checks the file and
:func:`markdown` writes the evidence table (``experiments/evidence.py`` -> ``docs/evidence.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from sim.config import ConfigError, config_dir

MOMENTS_FILE = "research/moments.yaml"
SETS = ("calibration", "validation")
REQUIRED = ("id", "set", "reason", "quantity", "statistic", "level", "value", "source", "url", "quote")
OPTIONAL = ("informs", "window", "secondary", "note")


@dataclass(frozen=True)
class Moment:
    """One published figure and what the model computes for it."""

    id: str
    set: str
    reason: str
    quantity: str
    statistic: str
    level: str
    value: float | str
    source: str
    url: str
    quote: str
    informs: tuple[str, ...] = ()
    window: tuple[float, float] | None = None
    secondary: bool = False
    note: str = ""

    @property
    def published(self) -> str:
        """The value as the source gives it, with its range where the source gives one."""
        value = f"{self.value:g}" if isinstance(self.value, float | int) else str(self.value)
        return value if self.window is None else f"{value}, range {self.window[0]:g} to {self.window[1]:g}"


def _moment(entry: dict, where: str, parameters: set[str] | None) -> Moment:
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        raise ConfigError(f"{where}: missing {missing[0]!r}")
    stray = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if stray:
        raise ConfigError(f"{where}: unknown key {stray[0]!r} (keys: {', '.join(REQUIRED + OPTIONAL)})")
    if entry["set"] not in SETS:
        raise ConfigError(f"{where}: set {entry['set']!r} is not one of {', '.join(SETS)}")
    informs = tuple(str(k) for k in entry.get("informs") or ())
    if entry["set"] == "calibration" and not informs:
        raise ConfigError(f"{where}: a calibration moment names the parameters it informs (informs: [...])")
    if entry["set"] == "validation" and informs:
        raise ConfigError(f"{where}: a held-out validation moment informs no parameter")
    unknown = [k for k in informs if parameters is not None and k not in parameters]
    if unknown:
        raise ConfigError(f"{where}: informs {unknown[0]!r}, which is not a parameter of the schema")
    window = entry.get("window")
    if window is not None:
        low, high = (float(w) for w in window)
        value = entry["value"]
        if not low <= high or (isinstance(value, int | float) and not low <= value <= high):
            raise ConfigError(f"{where}: window {list(window)} must run low to high and hold the value {value}")
        window = (low, high)
    value = entry["value"]
    return Moment(
        **{k: str(entry[k]) for k in REQUIRED if k != "value"},
        value=float(value) if isinstance(value, int | float) else str(value),
        informs=informs,
        window=window,
        secondary=bool(entry.get("secondary", False)),
        note=str(entry.get("note", "")),
    )


def load_moments(path: Path | None = None, parameters: Sequence[str] | None = None) -> list[Moment]:
    """The moments of the file, checked: required keys, a known set, calibration moments naming the
    ``parameters`` they inform (any key when ``None``), validation moments none, windows holding their
    value, ids unique. Raises ``ConfigError`` with one line naming the moment."""
    path = path or config_dir() / MOMENTS_FILE
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    entries = data.get("moments") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path.name}: expected a non-empty list under 'moments'")
    known = None if parameters is None else set(parameters)
    moments, seen = [], set()
    for i, entry in enumerate(entries):
        where = f"{path.name}: moment {entry.get('id', i) if isinstance(entry, dict) else i}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping")
        moment = _moment(entry, where, known)
        if moment.id in seen:
            raise ConfigError(f"{where}: the id is used twice")
        seen.add(moment.id)
        moments.append(moment)
    return moments


def _row(m: Moment) -> str:
    source = f"{m.source}{' (read in a secondary source)' if m.secondary else ''}"
    extra = f" Note: {m.note}." if m.note else ""
    informs = ", ".join(f"`{k}`" for k in m.informs) or "-"
    return (
        f'| `{m.id}` | {m.quantity} | {m.published} ({m.statistic}, {m.level}) | {source}: "{m.quote}"{extra} '
        f"| {informs} | {m.reason} |"
    )


def markdown(moments: Sequence[Moment], history: Sequence[str] = ()) -> str:
    """The evidence table: the calibration set, then the held-out set, each moment with its source and
    the quote it was read in, and where each was read (the URLs) at the end."""
    lines = [
        "# Evidence: published moments",
        "",
        "Generated by `experiments/evidence.py` from `configs/research/moments.yaml` (do not edit by hand).",
        "Figures from meta-analyses and field studies that the model can produce, each with the model quantity",
        "it maps to. The set of each moment was decided before any fit: calibration moments are what the fit",
        "is judged on; validation moments are held out and evaluated once, at the fitted defaults. A range is",
        "given only where the source gives one; otherwise a check asks whether the published value lies inside",
        "the model's 95% interval.",
        "",
    ]
    lines += [f"- {h}" for h in history]
    for name in SETS:
        chosen = [m for m in moments if m.set == name]
        title = "Calibration moments" if name == "calibration" else "Held-out validation moments"
        lines += [
            "",
            f"## {title} ({len(chosen)})",
            "",
            "| moment | model quantity | published | source and quote | informs | why in this set |",
            "|---|---|---|---|---|---|",
            *(_row(m) for m in chosen),
        ]
    lines += ["", "## Where each figure was read", ""]
    lines += [f"- `{m.id}`: {m.url}" for m in moments]
    return "\n".join(lines) + "\n"


def history(path: Path | None = None) -> list[str]:
    """The file's record of how the split came about (``history``)."""
    data = OmegaConf.to_container(OmegaConf.load(path or config_dir() / MOMENTS_FILE), resolve=True)
    return [str(h) for h in (data.get("history") or [])] if isinstance(data, dict) else []
