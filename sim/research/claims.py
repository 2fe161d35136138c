"""Replicated experiments for the claims C1..C15 (``configs/research/claims.yaml``).

Each claim names scenario arms; every arm runs over the same seeds, in parallel (joblib, the
engine of Hydra's local launcher), and each run is reduced to one number per metric. The
comparison kinds are:

- ``compare``: treatment - control, Welch t interval, Cohen's d;
- ``interaction``: a 2x2 design, (tt - tc) - (ct - cc), Welch t interval (C14);
- ``correlation``: across teams within a run, the Pearson r of two team metrics, averaged over
  seeds on Fisher's z scale (C7); an org with fewer than 3 (frontline) teams has none: the row says
  "n/a (too few teams)";
- ``chain``: for each link X -> Y of a chain, the within-run correlation of first differences,
  r_XY = corr(dX_t, dY_{t+lag}) with dX_t = X_t - X_{t-1}, averaged over seeds on Fisher's z scale (C15a).
  Differences take out the common trend a programme gives every level of the chain, which alone makes
  levels correlate; the reverse link, corr(dY_t, dX_{t+lag}), is shown beside it (no verdict) for contrast;
- ``lag_by_depth`` (with ``compare``): the response time of each hierarchy level to the treatment
  (``response_time``); the deepest minus the top level, percentile bootstrap over seeds (C9).

Beside the d over seeds (which divides by the spread of run means, so is large), each row of a metric that is
a mean over people (``PERSON_METRICS``) has a person-level d: the effect over the pooled within-arm SD across
the people of a run (:func:`person_d`), what a field study comparing individuals in the two conditions would
report; each row of a mean over a window has its time to half effect in weeks from the lever's start
(:func:`time_to_half`, :func:`lever_week`); and a claim's ``benchmark`` entries give published figures to
compare with (:func:`benchmarks_of`, :func:`benchmark_d`).

A metric row's ``direction`` is ``up``, ``down`` or ``none``: a ``none`` row is shown with no verdict.
A claim is reproduced when every row with a direction has its interval exclude zero in that direction.

The ablation (:func:`ablation`) reruns each claim with each mechanism it rests on switched off
(``mechanisms.<name>=false`` in every arm), and with each single-claim term of the dynamics set to its
off value (the spec's ``terms``), and says which ablation removes most of the effect (:func:`carried_by`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sim.config import config_dir
from sim.research.analysis import Effect, bootstrap, difference, interaction, lagged_correlation, mean_correlation

if TYPE_CHECKING:
    from sim.model import ServiceCultureModel

DIRECTIONS = {"up": 1, "down": -1, "none": 0}
REPRODUCED, NOT_REPRODUCED, NO_VERDICT, TOO_FEW_TEAMS = (
    "reproduced",
    "not reproduced",
    "shown, no verdict",
    "n/a (too few teams)",
)


class TooFewTeams(ValueError):
    """A claim that reads across teams or hierarchy levels on an org that has too few of them."""


def load_spec(path: Path | None = None) -> DictConfig:
    """The claims experiment spec; ``configs/research/claims.yaml`` by default."""
    return OmegaConf.load(path or config_dir() / "research" / "claims.yaml")


@dataclass(frozen=True)
class Arm:
    scenario: str
    overrides: tuple[str, ...]

    def config_overrides(self, org: str) -> list[str]:
        return [f"scenario={self.scenario}", f"org={org}", *self.overrides]


def arms_of(claim: DictConfig) -> list[str]:
    """Scenario names a claim needs."""
    if claim.kind == "compare":
        return [claim.control, claim.treatment]
    if claim.kind == "interaction":
        return [claim.arms.cc, claim.arms.ct, claim.arms.tc, claim.arms.tt]
    return [claim.arm]


def needs_teams(claim: DictConfig) -> bool:
    return claim.kind == "correlation" or "lag_by_depth" in claim


@lru_cache(maxsize=32)
def _composed(overrides: tuple[str, ...]) -> DictConfig:
    """The composed config of an arm, once per worker: composing costs about as much as a small org's run,
    and every seed of an arm shares it (the model does not change its config)."""
    from sim.config import load_config

    return load_config(list(overrides))


def _newcomer_gaps(m: ServiceCultureModel) -> tuple[np.ndarray, np.ndarray]:
    p = m.people
    return np.abs(p.orientation - m.team_norm()), p.filled & (p.tenure < m.dyn.onboarding.weeks)


#: The model metrics that are means over people, as ``sim.metrics.model_metrics`` takes them: metric -> the
#: per-seat values and the seats averaged over, read from a model after a week (tests/test_claim_effect_sizes.py
#: checks that their means are the metrics). Every other metric is a property of the organisation (a rate, a
#: count, a spread, a customer measure) and has no person-level d.
PERSON_METRICS: dict[str, Callable[[ServiceCultureModel], tuple[np.ndarray, np.ndarray]]] = {
    "culture_mean": lambda m: (m.people.orientation, m.people.filled),
    "engagement": lambda m: (m.people.engagement, m.people.filled),
    "trust": lambda m: (m.people.trust, m.people.filled & ~m.is_root),
    "psych_safety": lambda m: (m.people.safety, m.people.filled),
    "skill": lambda m: (m.people.skill, m.people.filled),
    "cynicism": lambda m: (m.people.cynicism, m.people.filled),
    "service_quality": lambda m: (m.quality, m.org.frontline & np.isfinite(m.quality)),
    "internal_service_quality": lambda m: (m.quality, m.org.backoffice & np.isfinite(m.quality)),
    "newcomer_gap": _newcomer_gaps,
}
PERSON_SD = "person_sd:"  # prefix of a time series column: the SD across people of a PERSON_METRICS metric


def person_sds(model: ServiceCultureModel) -> dict[str, float]:
    """This week's SD across people (population SD, as ``culture_spread``) of each of ``PERSON_METRICS``, keyed
    ``person_sd:<metric>``; NaN where nobody is averaged over."""
    out = {}
    for metric, read in PERSON_METRICS.items():
        values, over = read(model)
        chosen = values[over]
        out[PERSON_SD + metric] = float(chosen.std()) if chosen.size else float("nan")
    return out


def simulate(overrides: list[str], seed: int, teams: bool) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One run of an arm: its time series, with the weekly SD across people of each of ``PERSON_METRICS``
    (``person_sd:<metric>`` columns), and, when asked, its team table."""
    from sim.model import ServiceCultureModel

    cfg = _composed(tuple(overrides))
    model = ServiceCultureModel(cfg, seed=seed, space=False)
    spreads = []
    for _ in range(int(cfg.steps)):
        model.run_for(1)
        spreads.append(person_sds(model))
    timeseries = pd.concat([model.timeseries(), pd.DataFrame(spreads)], axis=1)
    return timeseries, model.team_table() if teams else None


Runs = dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame | None]]


def run_variants(
    claims: Iterable[DictConfig],
    seeds: int,
    workers: int,
    org: str | list[str],
    variants: dict[str, list[str]] | None = None,
    progress: bool = True,
    desc: str = "claims runs",
    per_claim: dict[str, dict[str, list[str]]] | None = None,
) -> dict[str, Runs]:
    """Run every arm the claims need over seeds 0..seeds-1 under each variant (a name -> overrides added to
    every arm; ``per_claim`` adds variants for one claim's arms only), all in one parallel pool with one
    progress bar. Returns the runs of each variant, keyed ``(scenario, seed)``. ``org`` is an org option
    name or the overrides that make the org (e.g. a file org)."""
    org_overrides = [f"org={org}"] if isinstance(org, str) else list(org)
    wanted: dict[tuple[str, str], tuple[list[str], bool]] = {}
    for claim in claims:
        extra = {**(variants or {"default": []}), **(per_claim or {}).get(claim.id, {})}
        for name, overrides in extra.items():
            for scenario in arms_of(claim):
                _, teams = wanted.get((name, scenario), (overrides, False))
                wanted[(name, scenario)] = (overrides, teams or needs_teams(claim))
    jobs = [
        (name, scenario, seed, over, teams)
        for (name, scenario), (over, teams) in wanted.items()
        for seed in range(seeds)
    ]
    tasks = (
        delayed(_keyed)((name, scenario, seed), [f"scenario={scenario}", *org_overrides, *over], seed, teams)
        for name, scenario, seed, over, teams in jobs
    )
    results: dict[str, Runs] = {}
    runner = Parallel(n_jobs=workers, return_as="generator_unordered")
    for (name, scenario, seed), value in tqdm(
        runner(tasks), total=len(jobs), desc=desc, unit="run", disable=not progress
    ):
        results.setdefault(name, {})[(scenario, seed)] = value
    return results


def run_arms(
    spec: DictConfig,
    claims: Iterable[DictConfig],
    seeds: int,
    workers: int,
    org: str | list[str],
    overrides: list[str],
    progress: bool = True,
) -> Runs:
    """Run every arm the claims need over seeds 0..seeds-1, in parallel, with a progress bar."""
    return run_variants(claims, seeds, workers, org, {"default": list(overrides)}, progress).get("default", {})


def _keyed(key: tuple, overrides: list[str], seed: int, teams: bool):
    return key, simulate(overrides, seed, teams)


def reduce_metric(ts: pd.DataFrame, spec: DictConfig) -> float:
    """One number per run: the mean (or ``sum``) of a metric over a window, or the change between two windows."""
    series = ts.set_index("step")[spec.metric]
    if "change" in spec:
        (a, b), (c, d) = spec.change
        return float(series.loc[c:d].mean() - series.loc[a:b].mean())
    a, b = spec.window
    window = series.loc[a:b]
    return float(window.sum() if spec.get("sum", False) else window.mean())


def window_text(spec: DictConfig) -> str:
    """How a metric row reduces a run, in words: ``weeks 105-156``, ``sum weeks 1-13``, ``change ...``."""
    if "change" in spec:
        (a, b), (c, d) = spec.change
        return f"change weeks {a}-{b} -> {c}-{d}"
    a, b = spec.window
    return f"{'sum ' if spec.get('sum', False) else ''}weeks {a}-{b}"


ORGANISATION_LEVEL = "n/a (organisation level)"


def person_d(effect: float, arm_sds) -> float:
    """The person-level standardised effect: ``effect`` over the SD across people pooled over the arms,
    sqrt(mean of the arms' squared SDs) (equal arms). Each arm's SD is the SD across the people of one run,
    averaged over the window's weeks and over seeds: what a field study comparing individuals would divide by."""
    sds = np.asarray(arm_sds, dtype=float)
    pooled = float(np.sqrt(np.mean(sds**2)))
    return effect / pooled if pooled > 0 else float("nan")


def time_to_half(effect: np.ndarray, start: int, window, smooth: int = 5) -> float:
    """Weeks from the lever's start until the weekly effect first reaches half its mean over ``window`` and
    keeps that sign to the window's end. ``effect[k]`` is week k + 1's effect (treatment - control, mean over
    seeds); the lever acts from the start of week ``start``, so week w holds w - start + 1 weeks of it. The
    crossing and the sign are read on the effect's centred moving average over ``smooth`` weeks (1: none), so
    that week-to-week noise neither fakes an early crossing nor, flipping the sign of a late week, a late one;
    linear between weeks (from the week before the start). An exponential approach with half-life h gives h.
    NaN when the window's effect is zero or not finite, or half of it is not reached before the window ends."""
    a, b = (int(w) for w in window)
    final = _settled(effect[a - 1 : b])
    if not np.isfinite(final) or final == 0:
        return float("nan")
    smoothed = pd.Series(np.asarray(effect, dtype=float)).rolling(smooth, center=True, min_periods=1).mean()
    share = np.sign(final) * smoothed.to_numpy() / abs(final)  # 1 = the window's effect
    after = share[start - 1 : b]
    keeps_sign = np.logical_and.accumulate((after > 0)[::-1])[::-1]  # > 0 from this week to the window's end
    hits = np.flatnonzero((after >= 0.5) & keeps_sign)
    if not hits.size:
        return float("nan")
    k = int(hits[0])
    before = after[k - 1] if k > 0 else (share[start - 2] if start > 1 else 0.0)
    step = after[k] - before
    fraction = float(np.clip((0.5 - before) / step, 0.0, 1.0)) if step > 0 else 1.0
    return k + fraction


def lever_week(claim: DictConfig, context: bool = False) -> int | None:
    """The week a claim's lever starts acting: the first ``week`` of an event (in any of its arms) that its
    ``lever`` names (C3's programme from week 13, C14's training at 26); 1 for a lever that acts from the start
    (a leadership style, a policy, a trait of the people). With ``context``: the first week of an event its
    ``context`` names (C4a's training at 26 that the practice follows, C8's restructuring at 52), None if none."""
    patterns = tuple(claim.get("context" if context else "lever", []))
    week = _first_event_week(tuple(arms_of(claim)), patterns)
    return week if context or week is not None else 1


@lru_cache(maxsize=64)
def _first_event_week(arms: tuple[str, ...], patterns: tuple[str, ...]) -> int | None:
    weeks = []
    for arm in arms:
        events = _composed((f"scenario={arm}",)).get("events") or {}
        for name, event in events.items():
            keys = [f"events.{name}", *(f"events.{name}.{field}" for field in event)]
            if any(fnmatch(key, p) for key in keys for p in patterns):
                weeks.append(int(event.week))
    return min(weeks) if weeks else None


def benchmarks_of(claim: DictConfig, metric: str) -> list[DictConfig]:
    """The claim's published benchmarks for a metric row (an entry without ``metrics`` applies to every row)."""
    return [b for b in claim.get("benchmark", []) if "metrics" not in b or metric in b.metrics]


def benchmark_d(benchmark: DictConfig) -> float:
    """A benchmark as a person-level d: its value if a d, else a correlation r converted, d = 2r / sqrt(1 - r^2)."""
    value = float(benchmark.value)
    return value if benchmark.statistic == "d" else 2 * value / np.sqrt(1 - value**2)


def _no_scales(kind: str) -> dict:
    what = {"correlation": "a correlation", "chain": "a correlation"}.get(kind, "not computed")
    nan = float("nan")
    return {
        "d_person": nan,
        "person_sd": nan,
        "d_person_note": f"n/a ({what})",
        "lever_week": nan,
        "half_weeks": nan,
        "half_note": f"n/a ({what})",
        "context_week": nan,
        "half_weeks_context": nan,
    }


def _weekly_mean(runs: Runs, arm: str, seeds: int, column: str) -> np.ndarray:
    """A column's mean over seeds, week by week (a seed without a value that week left out)."""
    frame = pd.DataFrame([runs[(arm, s)][0][column].to_numpy() for s in range(seeds)])
    return frame.mean(axis=0).to_numpy()


def _window_weeks(spec: DictConfig) -> np.ndarray:
    """The weeks (1-based) a metric row reads: its window, or both windows of a change."""
    spans = spec.change if "change" in spec else [spec.window]
    return np.concatenate([np.arange(int(a), int(b) + 1) for a, b in spans])


def effect_scales(
    claim: DictConfig, spec: DictConfig, runs: Runs, seeds: int, contrast: dict[str, float], effect: float
) -> dict:
    """A metric row's effect on the person scale and in time: ``d_person`` (:func:`person_d`, with the pooled
    ``person_sd``) for a mean over people, and ``half_weeks`` (:func:`time_to_half` from ``lever_week``) for a
    mean over a window; each with a ``_note`` saying why where it is n/a. ``contrast``: arm -> its coefficient in
    the effect (treatment +1, control -1; the 2x2 interaction's four arms)."""
    out = _no_scales(claim.kind)
    total = spec.get("sum", False)
    column = PERSON_SD + spec.metric
    if total or spec.metric not in PERSON_METRICS:
        out["d_person_note"] = ORGANISATION_LEVEL
    elif column not in runs[(next(iter(contrast)), 0)][0]:
        out["d_person_note"] = "n/a (no person SD recorded)"
    else:
        weeks = _window_weeks(spec) - 1
        sds = [_weekly_mean(runs, arm, seeds, column)[weeks] for arm in contrast]
        if not all(np.isfinite(sd).any() for sd in sds):  # e.g. back-office quality in an org without one
            out["d_person_note"] = "n/a (nobody to average over)"
        else:
            sds = [float(np.nanmean(sd)) for sd in sds]
            pooled = float(np.sqrt(np.mean(np.square(sds))))
            out.update(person_sd=pooled, d_person=person_d(effect, sds), d_person_note="")
    if total or "change" in spec:
        out["half_note"] = "n/a (a sum)" if total else "n/a (a change between windows)"
        return out
    series = sum(c * _weekly_mean(runs, arm, seeds, spec.metric) for arm, c in contrast.items())
    start, context = lever_week(claim), lever_week(claim, context=True)
    half = time_to_half(series, start, spec.window)
    no_effect = not (np.isfinite(effect) and effect != 0)
    note = "" if np.isfinite(half) else "n/a (no effect)" if no_effect else "not reached in the window"
    out.update(lever_week=start, half_weeks=half, half_note=note)
    if context is not None and context > start:
        out.update(context_week=context, half_weeks_context=time_to_half(series, context, spec.window))
    return out


def _effect(statistic, *values, level: float) -> Effect:
    """``statistic(*values, level)``, or a NaN effect when a run gives no finite value (a constant series
    under an ablation: nothing moves, so nothing follows)."""
    try:
        return statistic(*values, level)
    except (ValueError, IndexError):
        nan = float("nan")
        return Effect(nan, nan, nan, nan, level, 0, "no finite value")


def _verdict(effect: Effect, direction: int) -> str:
    if direction == 0:
        return NO_VERDICT
    return REPRODUCED if effect.excludes_zero(direction) else NOT_REPRODUCED


def _row(
    claim: DictConfig,
    metric: str,
    effect: Effect,
    direction: int,
    control: float,
    treatment: float,
    window: str = "",
    scales: dict | None = None,
) -> dict:
    verdict = _verdict(effect, direction)
    return {
        "id": claim.id,
        "source": claim.source,
        "claim": claim.claim,
        "kind": claim.kind,
        "metric": metric,
        "window": window,
        "direction": {1: "up", -1: "down", 0: "none"}[direction],
        "control": control,
        "treatment": treatment,
        "effect": effect.estimate,
        "low": effect.low,
        "high": effect.high,
        "d": effect.d,
        "method": effect.method,
        "n": effect.n,
        "verdict": verdict,
        "reproduced": verdict == REPRODUCED,
        **(scales or _no_scales(claim.kind)),
    }


def _not_applicable(claim: DictConfig, metric: str, reason: str) -> dict:
    nan = float("nan")
    row = _row(claim, metric, Effect(nan, nan, nan, nan, nan, 0, "-"), 0, nan, nan)
    return {**row, "direction": "up", "verdict": TOO_FEW_TEAMS, "note": reason}


def evaluate(claim: DictConfig, runs: Runs, seeds: int, level: float) -> list[dict]:
    """The rows of one claim: one per metric (or chain link, or lag check). Raises ``TooFewTeams`` when the
    claim reads across teams (or levels) the org does not have."""
    if claim.kind == "compare":
        rows = []
        for m in claim.metrics:
            c = [reduce_metric(runs[(claim.control, s)][0], m) for s in range(seeds)]
            t = [reduce_metric(runs[(claim.treatment, s)][0], m) for s in range(seeds)]
            direction = DIRECTIONS[m.direction]
            effect = _effect(difference, c, t, level=level)
            scales = effect_scales(claim, m, runs, seeds, {claim.control: -1.0, claim.treatment: 1.0}, effect.estimate)
            rows.append(_row(claim, m.metric, effect, direction, np.mean(c), np.mean(t), window_text(m), scales))
        if "lag_by_depth" in claim:
            rows.append(_lag_by_depth(claim, runs, seeds, level))
        return rows
    if claim.kind == "interaction":
        rows = []
        for m in claim.metrics:
            values = {
                k: [reduce_metric(runs[(claim.arms[k], s)][0], m) for s in range(seeds)]
                for k in ("cc", "ct", "tc", "tt")
            }
            effect = _effect(interaction, *(values[k] for k in ("cc", "ct", "tc", "tt")), level=level)
            gain_spread = np.mean(values["ct"]) - np.mean(values["cc"])
            gain_curbed = np.mean(values["tt"]) - np.mean(values["tc"])
            metric = f"{m.metric}: training gain, curbed - spreading"
            contrast = {claim.arms.tt: 1.0, claim.arms.tc: -1.0, claim.arms.ct: -1.0, claim.arms.cc: 1.0}
            scales = effect_scales(claim, m, runs, seeds, contrast, effect.estimate)
            direction = DIRECTIONS[m.direction]
            rows.append(_row(claim, metric, effect, direction, gain_spread, gain_curbed, window_text(m), scales))
        return rows
    if claim.kind == "correlation":
        rs = [_team_correlation(runs[(claim.arm, s)][1], claim) for s in range(seeds)]
        if np.isnan(rs).all():
            teams = "frontline teams" if claim.get("frontline_only", False) else "teams"
            raise TooFewTeams(f"claim {claim.id} correlates across teams and needs an org with at least 3 {teams}")
        effect = _effect(mean_correlation, rs, level=level)
        a, b = claim.window
        return [
            _row(claim, f"r({claim.x}, {claim.y}) across teams", effect, 1, np.nan, effect.estimate, f"weeks {a}-{b}")
        ]
    if claim.kind == "chain":
        rows = []
        lag = int(claim.lag)
        for x, y in zip(claim.chain[:-1], claim.chain[1:], strict=True):
            for cause, result, direction in ((x, y, 1), (y, x, 0)):
                rs = [first_difference_correlation(runs[(claim.arm, s)][0], cause, result, lag) for s in range(seeds)]
                effect = _effect(mean_correlation, rs, level=level)
                label = f"d{cause} -> d{result} (lag {lag} weeks)" + ("" if direction else ", reverse")
                rows.append(
                    _row(claim, label, effect, direction, np.nan, effect.estimate, "weeks 1-156, first differences")
                )
        return rows
    raise ValueError(f"claim {claim.id}: unknown kind {claim.kind!r}")


def first_difference_correlation(ts: pd.DataFrame, x: str, y: str, lag: int) -> float:
    """corr(dX_t, dY_{t+lag}) within one run, dX_t = X_t - X_{t-1}: does a change in X precede one in Y?"""
    return lagged_correlation(np.diff(ts[x].to_numpy()), np.diff(ts[y].to_numpy()), lag)


def _team_correlation(teams: pd.DataFrame, claim: DictConfig) -> float:
    a, b = claim.window
    rows = teams[(teams.step >= a) & (teams.step <= b)]
    if claim.get("frontline_only", False):
        rows = rows[rows.frontline]
    per_team = rows.groupby("team")[[claim.x, claim.y]].mean().dropna()
    if len(per_team) < 3:
        return float("nan")
    return float(np.corrcoef(per_team[claim.x], per_team[claim.y])[0, 1])


def level_series(teams: pd.DataFrame, metric: str, level: int) -> np.ndarray:
    """Headcount-weighted weekly mean of a team metric over the members at ``level`` (teams led from ``level - 1``)."""
    rows = teams[teams.level == level - 1]
    weight = rows["headcount"].to_numpy()
    grouped = pd.DataFrame({"step": rows.step, "w": weight, "v": rows[metric].to_numpy() * weight}).groupby("step")
    sums = grouped.sum()
    return (sums["v"] / sums["w"]).to_numpy()


def response_time(effect: np.ndarray, settle_from: int) -> float:
    """The mean waiting time of a response, tau = sum_{t < settle_from} (1 - e_t / E), with E the mean
    effect from week ``settle_from`` on. For e_t = E (1 - exp(-t / tau)) this is tau; as an area it is
    robust to week-to-week noise, unlike the first crossing of a threshold."""
    final = _settled(effect[settle_from:])
    if not np.isfinite(final) or final == 0:
        return float("nan")
    return float(np.sum(1.0 - effect[:settle_from] / final))


def _settled(effect: np.ndarray) -> float:
    """The effect a response settles at: its mean over the weeks given (NaN weeks left out)."""
    finite = np.asarray(effect, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else float("nan")


def _lag_by_depth(claim: DictConfig, runs: Runs, seeds: int, level: float) -> dict:
    spec = claim.lag_by_depth
    levels = list(spec.levels)
    metric = f"response time (weeks), level {levels[-1]} - level {levels[0]}"
    steps = len(runs[(claim.control, 0)][0])
    series = {}
    for arm in (claim.control, claim.treatment):
        per_seed = [[level_series(runs[(arm, s)][1], spec.metric, lv) for lv in levels] for s in range(seeds)]
        if any(len(v) != steps for seed in per_seed for v in seed):
            return _not_applicable(claim, metric, f"the org has no staff at one of the levels {levels}")
        series[arm] = np.stack([np.stack(seed) for seed in per_seed])  # (seeds, levels, weeks)

    settle = int(spec.settle_from)

    def lag_gap(control: np.ndarray, treatment: np.ndarray) -> float:
        effect = treatment.mean(axis=0) - control.mean(axis=0)
        return response_time(effect[-1], settle) - response_time(effect[0], settle)

    effect = _effect(lambda c, t, lv: bootstrap([c, t], lag_gap, lv, draws=500), *series.values(), level=level)
    mean_effect = series[claim.treatment].mean(axis=0) - series[claim.control].mean(axis=0)
    taus = [response_time(mean_effect[k], settle) for k in range(len(levels))]
    row = _row(claim, metric, effect, 1, taus[0], taus[-1], f"weeks 1-{settle} vs {settle}-")
    row.update(d_person_note="n/a (a difference of response times)", half_note="n/a (a response time itself)")
    row["note"] = "response time by level " + ", ".join(
        f"{lv}: {w:.0f} weeks" for lv, w in zip(levels, taus, strict=True)
    )
    if row["reproduced"] and not np.all(np.diff(taus) >= 0):
        row["reproduced"], row["verdict"] = False, NOT_REPRODUCED
    return row


def evaluate_all(claims: Iterable[DictConfig], runs: Runs, seeds: int, level: float) -> pd.DataFrame:
    """The rows of every claim, a claim on an org with too few teams as one "n/a (too few teams)" row,
    with ``claim_verdict`` and ``claim_reproduced`` per claim: reproduced when every row with a verdict
    is, none dropped."""
    rows = []
    for claim in claims:
        try:
            rows += evaluate(claim, runs, seeds, level)
        except TooFewTeams as exc:
            rows.append(_not_applicable(claim, f"r({claim.x}, {claim.y}) across teams", str(exc)))
    table = pd.DataFrame(rows)
    table["claim_verdict"] = table.groupby("id", sort=False)["verdict"].transform(_claim_verdict)
    table["claim_reproduced"] = table["claim_verdict"] == REPRODUCED
    return table


def _claim_verdict(verdicts: pd.Series) -> str:
    judged = verdicts[verdicts != NO_VERDICT]
    if (judged == TOO_FEW_TEAMS).any():
        return TOO_FEW_TEAMS
    return REPRODUCED if len(judged) and (judged == REPRODUCED).all() else NOT_REPRODUCED


def validate_claims(
    spec: DictConfig,
    seeds: int | None = None,
    workers: int = -1,
    org: str | list[str] | None = None,
    overrides: list[str] | None = None,
    only: list[str] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run and evaluate the claims: one row per metric with its ``verdict`` (``reproduced`` as a bool), and
    ``claim_verdict`` / ``claim_reproduced`` per claim. ``org``: an org option, or the overrides making one."""
    seeds = int(seeds or spec.seeds)
    claims = select(spec, only)
    runs = run_arms(spec, claims, seeds, workers, org or str(spec.org), list(overrides or []), progress)
    return evaluate_all(claims, runs, seeds, float(spec.level))


def select(spec: DictConfig, only: list[str] | None = None) -> list[DictConfig]:
    """The spec's claims, or those named in ``only`` (an unknown id is an error)."""
    unknown = set(only or []) - {c.id for c in spec.claims}
    if unknown:
        raise ValueError(f"no claim named {sorted(unknown)[0]!r}")
    return [c for c in spec.claims if not only or c.id in only]


def ablations(spec: DictConfig, claim: DictConfig) -> dict[str, list[str]]:
    """The ablations of one claim, name -> overrides for every arm: each mechanism it rests on switched off
    (``<name> off``), then each single-claim term of the spec at its off value (``<term> off``)."""
    out = {f"{m} off": [f"mechanisms.{m}=false"] for m in claim.rests_on}
    out.update({f"{name} off": [str(term.set)] for name, term in spec.get("terms", {}).items()})
    return out


def ablation(
    spec: DictConfig,
    seeds: int | None = None,
    workers: int = -1,
    org: str | None = None,
    only: list[str] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Each claim's rows at defaults and under each of its :func:`ablations`, ``seeds`` per arm (default: the
    spec's ``ablation_seeds``): one row per claim, metric and variant (``default`` first), with the effect, its
    interval, its verdict and ``share`` = effect / effect at defaults."""
    seeds = int(seeds or spec.ablation_seeds)
    claims = select(spec, only)
    per_claim = {c.id: ablations(spec, c) for c in claims}
    runs = run_variants(
        claims, seeds, workers, org or str(spec.org), {"default": []}, progress, "ablation runs", per_claim
    )
    tables = []
    for claim in claims:
        for variant in ["default", *per_claim[claim.id]]:
            table = evaluate_all([claim], runs[variant], seeds, float(spec.level))
            tables.append(table.assign(variant=variant, mechanism=variant.removesuffix(" off") in claim.rests_on))
    out = pd.concat(tables, ignore_index=True)
    key = ["id", "metric", "window"]
    base = out[out.variant == "default"].set_index(key)["effect"].rename("base")
    out = out.join(base, on=key)
    out["share"] = np.where(out.base != 0, out.effect / out.base, np.nan)
    return out


def carried_by(rows: pd.DataFrame, threshold: float = 0.5) -> str:
    """In words, which ablation of one claim's metric (the rows of :func:`ablation` for it) removes most of
    its effect: the one leaving the smallest share of the effect at defaults (a reversed effect counts as
    removed), when that share is below ``threshold``; nothing when the effect is not reproduced at defaults
    (at the ablation's seeds)."""
    default = rows[rows.variant == "default"]
    if default.empty or not default.reproduced.iloc[0]:
        return "- (not reproduced at defaults)"
    ablated = rows[(rows.variant != "default") & np.isfinite(rows.share)]
    if ablated.empty:
        return "-"
    weakest = ablated.loc[ablated.share.idxmin()]
    what = weakest.variant.removesuffix(" off")
    if weakest.share >= threshold:
        return f"no single ablation (at most {what}: {1 - weakest.share:.0%} of the effect goes)"
    kind = "mechanism" if weakest.mechanism else "term"
    return f"{what} ({kind}): off leaves {weakest.share:.0%} of the effect"
