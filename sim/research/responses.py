"""Lever responses: does each lever, moved alone, move the metrics the way the model brief says?

Settings: ``configs/research/levers.yaml``. Every lever (``sim.research.levers``: ``style.<field>`` for the
style every leader gets, ``policies.<name>`` for a policy) is set to a few levels spread over its range,
everything else at the defaults, on several org shapes, each level over the same seeds 0..N-1 (common
random numbers). A run is reduced to the long-run value of each metric: its mean over a window of weeks.

For one lever, org and metric, with levels x_1 < ... < x_L and y_{s,j} the long-run value of seed s at
level j:

- **slope**: the OLS slope of y on x over all seed x level points. With the same levels for every seed
  it equals the mean of the per-seed slopes b_s = sum_j (x_j - x̄)(y_{s,j} - ȳ_s) / sum_j (x_j - x̄)²;
  its interval is the one-sample t interval of the b_s over seeds (n - 1 degrees of freedom), which
  keeps the pairing of common random numbers and treats each seed as one replication.
- **steps**: for each adjacent pair of levels, the paired differences y_{s,j+1} - y_{s,j}, t interval.
- **verdict** against the expected direction (+1 up, -1 down): ``reversed`` when the slope's interval
  lies entirely on the wrong side of 0; ``flat`` when it includes 0; ``non-monotone`` when it lies on the
  expected side but some step's interval lies entirely against the expected direction (a step back
  larger than its own noise); otherwise ``as expected``. A metric with no expected direction gets ``-``.

A lever passes on an org when every one of its expected cells is ``as expected``; it passes when it
does on every org.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig
from tqdm.auto import tqdm

from sim.config import ConfigError, config_dir, load_config
from sim.research.analysis import Effect, mean_interval
from sim.research.claims import DIRECTIONS, simulate
from sim.research.levers import Lever, resolve
from sim.research.study import load_study

AS_EXPECTED, FLAT, REVERSED, NON_MONOTONE, NO_VERDICT = "as expected", "flat", "reversed", "non-monotone", "-"
SPEC_NAME = "levers"


def load_spec(overrides: Sequence[str] = ()) -> DictConfig:
    """``configs/research/levers.yaml`` with ``key=value`` overrides (``sim.research.study.load_study``)."""
    return load_study(SPEC_NAME, overrides, replace=("levers", "orgs"))


@dataclass(frozen=True)
class LeverSpec:
    """One lever of the spec: what it sets, at which levels, and what the brief expects of it.

    Attributes
    ----------
    lever : Lever
        The resolved lever (keys, bounds, kind).
    levels : tuple
        The config values it takes, low to high (``positions`` of its range, duplicates dropped: a
        boolean lever has two).
    expect : dict
        Metric -> expected direction of its change as the lever goes up (+1 up, -1 down).
    primary : str
        The metric the lever is mainly about.
    reason : str
        The brief's reason, with its claim id.
    extra : tuple of str
        Overrides every run of this lever needs (``with``), a ``style.<field>`` resolved to every leader's.
    label : str
        The entry's name when it differs from the lever's (the entry gives the lever as ``lever:``).
    """

    lever: Lever
    levels: tuple[float | int | bool, ...]
    expect: dict[str, int]
    primary: str
    reason: str
    extra: tuple[str, ...] = ()
    label: str = ""

    @property
    def name(self) -> str:
        """The entry's name in the spec: the lever's, or a label when one lever is checked in two contexts."""
        return self.label or self.lever.name

    def overrides(self, value: float | int | bool) -> list[str]:
        """The overrides of one level: the lever's ``with`` overrides, then every key of the lever set to ``value``."""
        return [*self.extra, *self.lever.overrides(float(value))]


def levels_of(lever: Lever, positions: Sequence[float]) -> tuple[float | int | bool, ...]:
    """The values at ``positions`` (fractions 0..1) of the lever's range ``low + p (high - low)``,
    as the config takes them (rounded, or switched at 0.5), in order, each once."""
    values: list[float | int | bool] = []
    for p in positions:
        if not 0.0 <= float(p) <= 1.0:
            raise ConfigError(f"position {p} is outside [0, 1]: positions are fractions of a lever's range")
        value = lever.value(lever.low + float(p) * (lever.high - lever.low))
        if value not in values:
            values.append(value)
    if len(values) < 2:
        raise ConfigError(f"lever {lever.name} takes fewer than two levels at positions {list(positions)}")
    return tuple(values)


def lever_specs(spec: DictConfig, names: Sequence[str] | None = None) -> list[LeverSpec]:
    """The spec's levers (all, or those ``names``), resolved against the spec's ``base`` config.

    Raises ``ConfigError`` (one line) for a name the spec does not list, or an entry whose expected
    metrics are not among the spec's ``metrics`` or whose ``primary`` has no expected direction.
    """
    known = list(spec.levers)
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise ConfigError(f"unknown lever {unknown[0]!r}: choose from {', '.join(known)}")
    base = load_config(list(spec.base))
    metrics = list(spec.metrics)
    out = []
    for name in names or known:
        entry = spec.levers[name]
        lever_name = str(entry.get("lever", name))
        expect = {str(m): DIRECTIONS[str(d)] for m, d in entry.expect.items()}
        stray = sorted(set(expect) - set(metrics))
        if stray:
            raise ConfigError(f"levers.{name}.expect names {stray[0]!r}, not one of the metrics {', '.join(metrics)}")
        if entry.primary not in expect:
            raise ConfigError(f"levers.{name}.primary={entry.primary!r} has no expected direction in its expect")
        lever = resolve(lever_name, base, entry.get("bounds"))
        levels = levels_of(lever, list(spec.positions))
        extra = tuple(o for text in entry.get("with", []) for o in _context(str(text), base))
        label = "" if lever_name == name else str(name)
        out.append(LeverSpec(lever, levels, expect, str(entry.primary), str(entry.reason), extra, label))
    return out


def _context(text: str, base: DictConfig) -> list[str]:
    """One ``with`` override as config overrides: ``style.<field>=v`` sets that field of every leader's
    style (as the lever of that name does), any other key is passed as it is."""
    key, sep, value = text.partition("=")
    if not sep:
        raise ConfigError(f"'with' override {text!r} is not key=value")
    if key.startswith("style."):
        return resolve(key, base).overrides(float(value))
    return [text]


def project_path(path: str) -> str:
    """A relative path read from the project folder (the parent of ``configs/``), so a run works from any
    folder; an absolute path as it is."""
    p = Path(path)
    return str(p if p.is_absolute() else (config_dir().parent / p).resolve())


def org_overrides(spec: DictConfig, names: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Org name -> its overrides (all the spec's orgs, or ``names``), a relative ``org.path`` made
    absolute from the project folder. Raises ``ConfigError`` for a name the spec does not list."""
    known = list(spec.orgs)
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise ConfigError(f"unknown org {unknown[0]!r}: choose from {', '.join(known)}")
    out = {}
    for name in names or known:
        overrides = []
        for text in spec.orgs[name]:
            key, _, value = str(text).partition("=")
            overrides.append(f"{key}={project_path(value)}" if key == "org.path" else str(text))
        out[name] = overrides
    return out


def long_run(overrides: list[str], seed: int, metrics: Sequence[str], window: Sequence[int]) -> dict[str, float]:
    """One run's long-run value of each metric: its mean over the weeks ``window`` (inclusive)."""
    timeseries, _ = simulate(overrides, seed, teams=False)
    a, b = (int(w) for w in window)
    late = timeseries.set_index("step").loc[a:b, list(metrics)]
    return {m: float(late[m].mean()) for m in metrics}


def _keyed(key: tuple, overrides: list[str], seed: int, metrics: Sequence[str], window: Sequence[int]):
    return key, long_run(overrides, seed, metrics, window)


def run_responses(
    spec: DictConfig,
    levers: Sequence[LeverSpec],
    orgs: Mapping[str, list[str]],
    seeds: int,
    *,
    steps: int | None = None,
    window: Sequence[int] | None = None,
    workers: int = -1,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every lever at every level on every org over seeds 0..seeds-1, in parallel (joblib) with a
    progress bar. ``steps`` and ``window`` default to the spec's.

    Returns one row per run: ``org``, ``lever``, ``level`` (index, low to high), ``x`` (the value as a
    number: booleans 0/1), ``seed`` and a column per metric (its long-run value).
    """
    steps = int(steps or spec.steps)
    window = tuple(int(w) for w in (window or spec.window))
    if not 1 <= window[0] <= window[1] <= steps:
        raise ConfigError(f"window {list(window)} is not inside weeks 1..{steps}")
    metrics = list(spec.metrics)
    base = [*spec.base, f"steps={steps}"]
    jobs = []
    for org, org_over in orgs.items():
        for lv in levers:
            for j, value in enumerate(lv.levels):
                for seed in range(seeds):
                    jobs.append(((org, lv.name, j, float(value), seed), [*base, *org_over, *lv.overrides(value)], seed))
    tasks = (delayed(_keyed)(key, overrides, seed, metrics, window) for key, overrides, seed in jobs)
    rows = []
    runner = Parallel(n_jobs=workers, return_as="generator_unordered")
    for (org, lever, j, x, seed), values in tqdm(
        runner(tasks), total=len(jobs), desc="lever runs", unit="run", disable=not progress
    ):
        rows.append({"org": org, "lever": lever, "level": j, "x": x, "seed": seed, **values})
    return pd.DataFrame(rows).sort_values(["org", "lever", "level", "seed"], ignore_index=True)


def seed_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each seed's OLS slope of y on x: b_s = sum_j (x_j - x̄)(y_{s,j} - ȳ_s) / sum_j (x_j - x̄)²,
    for ``y`` of shape (seeds, levels)."""
    dx = np.asarray(x, dtype=float) - np.mean(x)
    y = np.asarray(y, dtype=float)
    return (y - y.mean(axis=1, keepdims=True)) @ dx / float(dx @ dx)


def verdict(slope: Effect, steps: Sequence[Effect], direction: int) -> str:
    """The verdict of one cell (see the module's docstring); ``direction`` 0 means none expected."""
    if direction == 0:
        return NO_VERDICT
    if slope.excludes_zero(-direction):
        return REVERSED
    if not slope.excludes_zero(direction):
        return FLAT
    if any(step.excludes_zero(-direction) for step in steps):
        return NON_MONOTONE
    return AS_EXPECTED


def response(x: Sequence[float], y: np.ndarray, direction: int, level: float = 0.95) -> dict:
    """One cell: the slope with its interval over seeds, the level means, each adjacent step's paired
    interval, whether no step goes against ``direction`` beyond its interval, and the verdict.

    ``y`` holds one row per seed and one column per level of ``x`` (increasing)."""
    y = np.asarray(y, dtype=float)
    slope = mean_interval(seed_slopes(np.asarray(x, dtype=float), y), level)
    steps = [mean_interval(y[:, j + 1] - y[:, j], level) for j in range(y.shape[1] - 1)]
    against = [s.excludes_zero(-direction) for s in steps] if direction else [False] * len(steps)
    return {
        "slope": slope.estimate,
        "low": slope.low,
        "high": slope.high,
        "means": [float(v) for v in np.nanmean(y, axis=0)],
        "step_low": [s.low for s in steps],
        "step_high": [s.high for s in steps],
        "monotone": not any(against),
        "verdict": verdict(slope, steps, direction),
        "n": slope.n,
    }


def evaluate(runs: pd.DataFrame, levers: Sequence[LeverSpec], metrics: Sequence[str], level: float) -> pd.DataFrame:
    """One row per org x lever x metric: expected direction, slope [interval], level means, verdict."""
    by_name = {lv.name: lv for lv in levers}
    rows = []
    for (org, name), group in runs.groupby(["org", "lever"], sort=False):
        lv = by_name[name]
        table = group.pivot(index="seed", columns="level")
        x = group.groupby("level")["x"].first().sort_index().to_numpy()
        for metric in metrics:
            direction = lv.expect.get(metric, 0)
            y = table[metric].sort_index(axis=1).to_numpy()
            cell = response(x, y, direction, level)
            rows.append(
                {
                    "lever": name,
                    "org": org,
                    "metric": metric,
                    "expected": {1: "up", -1: "down", 0: NO_VERDICT}[direction],
                    "primary": metric == lv.primary,
                    "x": [float(v) for v in x],
                    **cell,
                }
            )
    order = {lv.name: i for i, lv in enumerate(levers)}
    cells = pd.DataFrame(rows)
    return cells.sort_values("lever", key=lambda s: s.map(order), kind="stable", ignore_index=True)


def lever_passes(cells: pd.DataFrame) -> pd.DataFrame:
    """Lever x org: True when every expected cell of the lever on that org is ``as expected``; a column
    ``all`` says whether it does on every org."""
    expected = cells[cells.expected != NO_VERDICT]
    table = (
        expected.assign(ok=expected.verdict == AS_EXPECTED)
        .groupby(["lever", "org"], sort=False)["ok"]
        .all()
        .unstack("org")
    )
    table["all"] = table.all(axis=1)
    return table


@dataclass
class Study:
    """A finished lever-response study: its runs, its cells and how it was run."""

    runs: pd.DataFrame
    cells: pd.DataFrame
    levers: list[LeverSpec]
    orgs: dict[str, list[str]]
    seeds: int
    steps: int
    window: tuple[int, int]
    level: float
    seconds: float

    @property
    def passes(self) -> pd.DataFrame:
        return lever_passes(self.cells)

    def failing(self) -> pd.DataFrame:
        """The expected cells that are not ``as expected``."""
        c = self.cells
        return c[(c.expected != NO_VERDICT) & (c.verdict != AS_EXPECTED)]


def study(
    spec: DictConfig,
    *,
    levers: Sequence[str] | None = None,
    orgs: Sequence[str] | None = None,
    seeds: int | None = None,
    steps: int | None = None,
    window: Sequence[int] | None = None,
    workers: int = -1,
    progress: bool = True,
) -> Study:
    """Run and evaluate the lever responses (settings from ``spec``, narrowed by the arguments)."""
    seeds = int(seeds or spec.seeds)
    if seeds < 2:
        raise ConfigError(f"seeds={seeds}: an interval over seeds needs at least 2")
    specs = lever_specs(spec, levers)
    org_map = org_overrides(spec, orgs)
    steps = int(steps or spec.steps)
    window = tuple(int(w) for w in (window or spec.window))
    start = time.perf_counter()
    runs = run_responses(spec, specs, org_map, seeds, steps=steps, window=window, workers=workers, progress=progress)
    seconds = time.perf_counter() - start
    cells = evaluate(runs, specs, list(spec.metrics), float(spec.level))
    return Study(runs, cells, specs, org_map, seeds, steps, (window[0], window[1]), float(spec.level), seconds)


# --- the report ------------------------------------------------------------------------------------------


def _g(value: float) -> str:
    return "nan" if not np.isfinite(value) else f"{value:.3g}"


def _level_text(value: float | int | bool) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}"


def cell_text(row: pd.Series) -> str:
    """``slope [low, high]`` of a cell."""
    return f"{_g(row.slope)} [{_g(row.low)}, {_g(row.high)}]"


def markdown(result: Study, spec: DictConfig, figure: str | None = None, full: bool = True) -> str:
    """The report: how it was made, lever x org verdicts, per lever the detailed table, the failing cells.
    ``full=False`` marks it as a reduced run's (fewer seeds, orgs or levers than the spec's)."""
    orgs = list(result.orgs)
    runs = len(result.runs)
    passes = result.passes
    a, b = result.window
    org_text = ", ".join(f"`{o}` (`{' '.join(_shown(result.orgs[o]))}`)" for o in orgs)
    lines = [
        "# Lever responses: does each lever move what the brief says it moves?",
        "",
        "Generated by `experiments/lever_responses.py` from `configs/research/levers.yaml` (do not edit by",
        "hand). Each leadership lever (`style.<field>`: the style every leader gets, executive included) and",
        "each policy is moved alone over its range, every other setting at its default",
        f"(`{' '.join(spec.base)}`).",
        "",
        f"- Orgs: {org_text}.",
        f"- Levels: positions {', '.join(f'{p:g}' for p in spec.positions)} of each lever's range (a switch: off, on);",
        f"  {result.seeds} seeds per level, seeds 0..{result.seeds - 1} at every level (common random numbers);",
        f"  {result.steps} weeks a run. {runs} runs in {result.seconds / 60:.1f} min on this machine",
        f"  ({os.cpu_count()} cores; {runs / result.seconds:.2f} runs/s).",
        f"- Long-run value of a metric: its mean over weeks {a}-{b}.",
        "- Slope: OLS of the long-run value on the lever's level over all seed x level points (per unit of",
        "  the lever); its 95% interval is the t interval of the per-seed slopes over seeds.",
        "- Verdict on a metric the brief predicts (`configs/research/levers.yaml`, with the claim behind it):",
        "  **as expected** (the interval excludes 0 in the expected direction and no step between adjacent",
        "  levels goes against it beyond that step's own paired 95% interval), **flat** (the interval",
        "  includes 0), **reversed** (it excludes 0 the other way) or **non-monotone**. `-`: the brief",
        "  predicts nothing for that metric (its slope is shown, with no verdict).",
        "- A lever passes when every expected cell is as expected on every org.",
        "",
    ]
    if not full:
        lines += [
            f"> **A reduced run** ({result.seeds} seeds, orgs {', '.join(orgs)}): the full run (every lever, the",
            f"> {len(spec.orgs)} orgs of the spec, {spec.seeds} seeds) rewrites this report.",
            "",
        ]
    lines += [
        f"**{int(passes['all'].sum())} of {len(passes)} levers pass on every org.**",
        "",
    ]
    if figure:
        lines += [f"![lever responses]({figure})", ""]
    lines += [
        "## Summary",
        "",
        "| lever | expected | " + " | ".join(orgs) + " | passes |",
        "|---|---|" + "---|" * (len(orgs) + 1),
    ]
    for lv in result.levers:
        expected = ", ".join(f"{m} {'up' if d > 0 else 'down'}" for m, d in lv.expect.items())
        cells = []
        for org in orgs:
            own = result.cells[
                (result.cells.lever == lv.name) & (result.cells.org == org) & (result.cells.expected != NO_VERDICT)
            ]
            bad = own[own.verdict != AS_EXPECTED]
            cells.append("pass" if bad.empty else "; ".join(f"**{r.verdict}** ({r.metric})" for r in bad.itertuples()))
        lines.append(
            f"| `{lv.name}` | {expected} | "
            + " | ".join(cells)
            + f" | {'yes' if passes.loc[lv.name, 'all'] else '**no**'} |"
        )
    lines += ["", "## Per lever", ""]
    for lv in result.levers:
        levels = ", ".join(_level_text(v) for v in lv.levels)
        extra = f"; with `{' '.join(lv.extra)}`" if lv.extra else ""
        lines += [
            f"### `{lv.name}`",
            "",
            f"{lv.reason}. Levels: {levels}{extra}. Primary metric: `{lv.primary}`.",
            "",
            "| metric | expected | org | slope [95% CI] | level means | verdict |",
            "|---|---|---|---|---|---|",
        ]
        own = result.cells[result.cells.lever == lv.name]
        for metric in spec.metrics:
            for r in own[own.metric == metric].itertuples():
                means = ", ".join(_g(m) for m in r.means)
                shown = r.verdict if r.verdict in (AS_EXPECTED, NO_VERDICT) else f"**{r.verdict}**"
                lines.append(f"| {metric} | {r.expected} | {r.org} | {cell_text(r)} | {means} | {shown} |")
        lines.append("")
    lines += ["## Levers that fail", ""]
    failing = result.failing()
    if failing.empty:
        lines.append("None: every expected cell is as expected on every org.")
    else:
        lines.append(
            "Each expected cell that is not as expected, with its slope, interval and level means (low to high)."
        )
        lines.append("")
        for r in failing.itertuples():
            means = ", ".join(_g(m) for m in r.means)
            lines.append(
                f"- `{r.lever}` on `{r.org}`: {r.metric} expected {r.expected}, **{r.verdict}**: "
                f"slope {cell_text(r)}, means {means}."
            )
    return "\n".join(lines) + "\n"


def _shown(overrides: list[str]) -> list[str]:
    """An org's overrides as the spec gives them (the path as the project names it, not this machine's)."""
    root = str(config_dir().parent.resolve()) + "/"
    return [o.replace(root, "") for o in overrides]


def as_json(result: Study) -> dict:
    """The study as plain data: settings, per-lever passes and every cell."""
    return {
        "seeds": result.seeds,
        "steps": result.steps,
        "window": list(result.window),
        "orgs": list(result.orgs),
        "levers": [lv.name for lv in result.levers],
        "runs": len(result.runs),
        "seconds": result.seconds,
        "passes": {k: bool(v) for k, v in result.passes["all"].items()},
        "cells": json.loads(result.cells.to_json(orient="records")),
    }
