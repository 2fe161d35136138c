"""The parameter table: every parameter of the default configuration with its value, unit, meaning, the
mechanism that uses it, its source (or "assumption") and its sensitivity rank.

Meaning and unit come from the schema (``sim.params.param``'s ``doc`` and ``unit``), values from the
default configuration (``configs/``, the org ``company``), the style presets from ``configs/style/``,
sources from ``configs/research/parameter_sources.yaml`` and, for the parameters the moment fit fits,
``configs/research/fit_moments.yaml`` with the calibration moments, and the ranks from the Morris table of
``docs/sensitivity.md`` (a lever screened there; a parameter not screened has no rank).
``experiments/parameters.py`` writes the table to ``docs/parameters.md``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.config import (
    ConfigError,
    CustomersConfig,
    DynamicsConfig,
    LeadershipConfig,
    OrgConfig,
    PoliciesConfig,
    SchemaKey,
    StyleConfig,
    config_dir,
    load_config,
    schema_keys,
)
from sim.research.moments import load_moments
from sim.research.study import load_study

ASSUMPTION = "assumption"
FITTED = "fitted to published moments ([fit.md](fit.md))"
SOURCES_FILE = "research/parameter_sources.yaml"

#: Sections of the table: config prefix -> (schema, what uses it when the sources file does not say).
SECTIONS: dict[str, tuple[type, str]] = {
    "org": (OrgConfig, "`sim/org/` (the generated org)"),
    "leadership": (LeadershipConfig, "`sim/state.py` (leaders' styles)"),
    "policies": (PoliciesConfig, "`sim/model.py`"),
    "customers": (CustomersConfig, "`sim/customers.py`"),
}


@dataclass(frozen=True)
class Parameter:
    """One row of the table."""

    key: str
    value: object
    unit: str
    low: float | None
    high: float | None
    meaning: str
    used_by: str
    source: str
    figure: str
    rank: int | None
    lever: str


def _parameters(schema: type, prefix: str, nested: bool = False) -> list[SchemaKey]:
    """The leaves of ``schema`` (``sim.config.schema_keys``, keyed under ``prefix``) that are parameters:
    numbers with a range, and switches; those of its nested nodes too when ``nested``."""
    return [
        leaf
        for leaf in schema_keys(schema, prefix)
        if ("range" in leaf.spec.metadata or leaf.hint is bool) and (nested or leaf.node is schema)
    ]


def load_sources(path: Path | None = None) -> dict[str, dict]:
    """The sources file: key -> ``{source, figure, used_by}`` (each optional)."""
    path = path or config_dir() / SOURCES_FILE
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=True) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping of parameter keys")
    for key, entry in data.items():
        if not isinstance(entry, dict) or set(entry) - {"source", "figure", "used_by"}:
            raise ConfigError(f"{path.name}: {key} must map to source, figure and/or used_by")
    return data


_RANK_ROW = re.compile(r"^\| `([a-z_.]+)`")


def sensitivity_ranks(report: Path) -> dict[str, int]:
    """Lever -> its rank (1 = first) in the Morris table of ``docs/sensitivity.md``; {} without a report."""
    if not report.is_file():
        return {}
    ranks: dict[str, int] = {}
    in_morris = False
    for line in report.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_morris = line.startswith("## Morris")
        elif in_morris and (match := _RANK_ROW.match(line)):
            ranks.setdefault(match.group(1), len(ranks) + 1)
    return ranks


def fitted_sources() -> dict[str, dict]:
    """The parameters the moment fit fits (``configs/research/fit_moments.yaml``): key -> ``{source,
    figure}``, the figure naming each calibration moment that informs it, its published value and study."""
    moments = [m for m in load_moments() if m.set == "calibration"]
    out = {}
    for key in load_study("fit_moments").parameters:
        used = [m for m in moments if key in m.informs]
        figure = "; ".join(f"`{m.id}` = {m.published} ({m.source})" for m in used)
        out[str(key)] = {"source": FITTED, "figure": figure}
    return out


def _row(
    key: str, spec: dataclasses.Field, value: object, used_by: str, lever: str, sources: Mapping, ranks: Mapping
) -> Parameter:
    entry = sources.get(key, {})
    low, high = spec.metadata.get("range", (None, None))
    return Parameter(
        key=key,
        value=value,
        unit=spec.metadata.get("unit", ""),
        low=low,
        high=high,
        meaning=spec.metadata.get("doc", ""),
        used_by=entry.get("used_by", used_by),
        source=entry.get("source", ASSUMPTION),
        figure=entry.get("figure", ""),
        rank=ranks.get(lever),
        lever=lever,
    )


def parameters(
    cfg: DictConfig | None = None, sources: Mapping[str, dict] | None = None, ranks: Mapping[str, int] | None = None
) -> list[Parameter]:
    """Every parameter of ``cfg`` (default: the default configuration), then of every style preset.

    Raises ``ConfigError`` when the sources file names a key that is not a parameter.
    """
    cfg = cfg if cfg is not None else load_config([])
    if sources is None:
        sources = load_sources()
        fitted = fitted_sources()
        both = sorted(k for k in fitted if "source" in sources.get(k, {}))
        if both:
            raise ConfigError(f"{SOURCES_FILE} gives a source for {both[0]!r}, which the moment fit fits")
        sources = {k: {**sources.get(k, {}), **fitted.get(k, {})} for k in {*sources, *fitted}}
    ranks = ranks or {}
    rows = []
    for leaf in _parameters(DynamicsConfig, "dynamics.", nested=True):
        mechanism = leaf.key.split(".")[1]
        value = OmegaConf.select(cfg, leaf.key)
        rows.append(_row(leaf.key, leaf.spec, value, f"`sim/mechanisms/{mechanism}.py`", leaf.key, sources, ranks))
    for section, (schema, used_by) in SECTIONS.items():
        for leaf in _parameters(schema, f"{section}."):
            rows.append(_row(leaf.key, leaf.spec, OmegaConf.select(cfg, leaf.key), used_by, leaf.key, sources, ranks))
    for preset in sorted(p.stem for p in (config_dir() / "style").glob("*.yaml")):
        style = OmegaConf.load(config_dir() / "style" / f"{preset}.yaml")
        for leaf in _parameters(StyleConfig, f"style.{preset}."):
            lever = f"style.{leaf.spec.name}"
            value = style[leaf.spec.name]
            rows.append(_row(leaf.key, leaf.spec, value, "leader styles (`sim/state.py`)", lever, sources, ranks))
    stray = sorted(set(sources) - {r.key for r in rows})
    if stray:
        raise ConfigError(f"{SOURCES_FILE} names {stray[0]!r}, which is not a parameter of the schema")
    return rows


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown(rows: list[Parameter]) -> str:
    """The report: a summary, then a table per section (dynamics per mechanism, the rest per section)."""
    fitted = sum(r.source == FITTED for r in rows)
    sourced = sum(r.source not in (ASSUMPTION, FITTED) for r in rows)
    lines = [
        "# Parameters",
        "",
        "Generated by `experiments/parameters.py` from the schema (`sim/config.py`, `sim/mechanisms/*.py`: meaning",
        "and unit), the default configuration (`configs/`, org `company`), the style presets (`configs/style/`),",
        "`configs/research/parameter_sources.yaml` (sources) and the Morris table of",
        "[sensitivity.md](sensitivity.md) (rank; `-` where a parameter was not screened). Do not edit by hand.",
        "",
        f"**{len(rows)} parameters: {sourced} with a published source, {fitted} fitted to published moments"
        f" ([fit.md](fit.md), [evidence.md](evidence.md)), {len(rows) - sourced - fitted} assumptions.**",
        "Units: a rate is per week (the model's step); a level is a state or trait on 0..1; a weight",
        "counts against the weights it is combined with.",
        "",
    ]
    groups: dict[str, list[Parameter]] = {}
    for r in rows:
        parts = r.key.split(".")
        group = ".".join(parts[:2]) if parts[0] in ("dynamics", "style") else parts[0]
        groups.setdefault(group, []).append(r)
    for group, members in groups.items():
        lines += [
            f"## `{group}`",
            "",
            "| parameter | value | unit | range | meaning | used by | source | sensitivity rank |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in members:
            source = r.source if not r.figure else f"{r.source}: {r.figure}"
            rank = "-" if r.rank is None else f"{r.rank} (`{r.lever}`)"
            bounds = "on/off" if r.low is None else f"[{_value(r.low)}, {_value(r.high)}]"
            lines.append(
                f"| `{r.key.split('.')[-1]}` | {_value(r.value)} | {r.unit or '-'} | {bounds}"
                f" | {r.meaning} | {r.used_by} | {source} | {rank} |"
            )
        lines.append("")
    return "\n".join(lines)
