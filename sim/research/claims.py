"""Replicated experiments for the claims C1..C15 (``configs/research/claims.yaml``).

Each claim names scenario arms; every arm runs over the same seeds, in parallel (joblib, the
engine of Hydra's local launcher), and each run is reduced to one number per metric. The
comparison kinds are:

- ``compare``: treatment - control, Welch t interval, Cohen's d;
- ``interaction``: a 2x2 design, (tt - tc) - (ct - cc), Welch t interval (C14);
- ``correlation``: across teams within a run, the Pearson r of two team metrics, averaged over
  seeds on Fisher's z scale (C7);
- ``chain``: for each link X -> Y of a chain, corr(X_t, Y_{t+lag}) within a run, averaged over seeds (C15);
- ``lag_by_depth`` (with ``compare``): the response time of each hierarchy level to the treatment
  (``response_time``); the deepest minus the top level, percentile bootstrap over seeds (C9).

A claim is reproduced when every one of its intervals excludes zero in the expected direction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sim.config import config_dir
from sim.research.analysis import Effect, bootstrap, difference, interaction, lagged_correlation, mean_correlation

DIRECTIONS = {"up": 1, "down": -1}


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


def simulate(overrides: list[str], seed: int, teams: bool) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One run of an arm: its time series and, when asked, its team table."""
    from sim.config import load_config
    from sim.model import ServiceCultureModel

    cfg = load_config(overrides)
    model = ServiceCultureModel(cfg, seed=seed, space=False)
    model.run_for(int(cfg.steps))
    return model.timeseries(), model.team_table() if teams else None


def run_arms(
    spec: DictConfig,
    claims: Iterable[DictConfig],
    seeds: int,
    workers: int,
    org: str,
    overrides: list[str],
    progress: bool = True,
) -> dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Run every arm the claims need over seeds 0..seeds-1, in parallel, with a progress bar."""
    wanted: dict[str, bool] = {}
    for claim in claims:
        for scenario in arms_of(claim):
            wanted[scenario] = wanted.get(scenario, False) or needs_teams(claim)
    extra = [*spec.get("overrides", []), *overrides]
    jobs = [(scenario, seed, teams) for scenario, teams in wanted.items() for seed in range(seeds)]
    tasks = (
        delayed(_keyed)(scenario, seed, [f"scenario={scenario}", f"org={org}", *extra], teams)
        for scenario, seed, teams in jobs
    )
    results = {}
    runner = Parallel(n_jobs=workers, return_as="generator_unordered")
    for key, value in tqdm(runner(tasks), total=len(jobs), desc="claims runs", unit="run", disable=not progress):
        results[key] = value
    return results


def _keyed(scenario: str, seed: int, overrides: list[str], teams: bool):
    return (scenario, seed), simulate(overrides, seed, teams)


def reduce_metric(ts: pd.DataFrame, spec: DictConfig) -> float:
    """One number per run: the mean (or ``sum``) of a metric over a window, or the change between two windows."""
    series = ts.set_index("step")[spec.metric]
    if "change" in spec:
        (a, b), (c, d) = spec.change
        return float(series.loc[c:d].mean() - series.loc[a:b].mean())
    a, b = spec.window
    window = series.loc[a:b]
    return float(window.sum() if spec.get("sum", False) else window.mean())


def _row(claim: DictConfig, metric: str, effect: Effect, direction: int, control: float, treatment: float) -> dict:
    return {
        "id": claim.id,
        "source": claim.source,
        "claim": claim.claim,
        "kind": claim.kind,
        "metric": metric,
        "direction": "up" if direction > 0 else "down",
        "control": control,
        "treatment": treatment,
        "effect": effect.estimate,
        "low": effect.low,
        "high": effect.high,
        "d": effect.d,
        "method": effect.method,
        "n": effect.n,
        "reproduced": bool(effect.excludes_zero(direction)),
    }


def evaluate(claim: DictConfig, runs: dict, seeds: int, level: float) -> list[dict]:
    """The rows of one claim: one per metric (or chain link, or lag check)."""
    if claim.kind == "compare":
        rows = []
        for m in claim.metrics:
            c = [reduce_metric(runs[(claim.control, s)][0], m) for s in range(seeds)]
            t = [reduce_metric(runs[(claim.treatment, s)][0], m) for s in range(seeds)]
            direction = DIRECTIONS[m.direction]
            rows.append(_row(claim, m.metric, difference(c, t, level), direction, np.mean(c), np.mean(t)))
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
            effect = interaction(values["cc"], values["ct"], values["tc"], values["tt"], level)
            gain_spread = np.mean(values["ct"]) - np.mean(values["cc"])
            gain_curbed = np.mean(values["tt"]) - np.mean(values["tc"])
            rows.append(
                _row(
                    claim,
                    f"{m.metric}: training gain, curbed - spreading",
                    effect,
                    DIRECTIONS[m.direction],
                    gain_spread,
                    gain_curbed,
                )
            )
        return rows
    if claim.kind == "correlation":
        rs = [_team_correlation(runs[(claim.arm, s)][1], claim) for s in range(seeds)]
        if np.isnan(rs).all():
            teams = "frontline teams" if claim.get("frontline_only", False) else "teams"
            raise ValueError(f"claim {claim.id} correlates across teams and needs an org with at least 3 {teams}")
        effect = mean_correlation(rs, level)
        return [_row(claim, f"r({claim.x}, {claim.y}) across teams", effect, 1, np.nan, effect.estimate)]
    if claim.kind == "chain":
        rows = []
        for x, y in zip(claim.chain[:-1], claim.chain[1:], strict=True):
            rs = []
            for s in range(seeds):
                ts = runs[(claim.arm, s)][0]
                rs.append(lagged_correlation(ts[x].to_numpy(), ts[y].to_numpy(), int(claim.lag)))
            effect = mean_correlation(rs, level)
            rows.append(_row(claim, f"{x} -> {y} (lag {claim.lag} weeks)", effect, 1, np.nan, effect.estimate))
        return rows
    raise ValueError(f"claim {claim.id}: unknown kind {claim.kind!r}")


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
    final = float(np.nanmean(effect[settle_from:]))
    if not np.isfinite(final) or final == 0:
        return float("nan")
    return float(np.sum(1.0 - effect[:settle_from] / final))


def _lag_by_depth(claim: DictConfig, runs: dict, seeds: int, level: float) -> dict:
    spec = claim.lag_by_depth
    levels = list(spec.levels)
    series = {
        arm: np.stack(
            [np.stack([level_series(runs[(arm, s)][1], spec.metric, lv) for lv in levels]) for s in range(seeds)]
        )
        for arm in (claim.control, claim.treatment)
    }  # (seeds, levels, weeks)

    settle = int(spec.settle_from)

    def lag_gap(control: np.ndarray, treatment: np.ndarray) -> float:
        effect = treatment.mean(axis=0) - control.mean(axis=0)
        return response_time(effect[-1], settle) - response_time(effect[0], settle)

    effect = bootstrap([series[claim.control], series[claim.treatment]], lag_gap, level, draws=500)
    mean_effect = series[claim.treatment].mean(axis=0) - series[claim.control].mean(axis=0)
    taus = [response_time(mean_effect[k], settle) for k in range(len(levels))]
    row = _row(claim, f"response time (weeks), level {levels[-1]} - level {levels[0]}", effect, 1, taus[0], taus[-1])
    row["note"] = "response time by level " + ", ".join(
        f"{lv}: {w:.0f} weeks" for lv, w in zip(levels, taus, strict=True)
    )
    row["reproduced"] = row["reproduced"] and bool(np.all(np.diff(taus) >= 0))
    return row


def validate_claims(
    spec: DictConfig,
    seeds: int | None = None,
    workers: int = -1,
    org: str | None = None,
    overrides: list[str] | None = None,
    only: list[str] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run and evaluate the claims: one row per metric, ``reproduced`` per row, ``claim_reproduced`` per claim."""
    seeds = int(seeds or spec.seeds)
    claims = [c for c in spec.claims if not only or c.id in only]
    runs = run_arms(spec, claims, seeds, workers, org or spec.org, list(overrides or []), progress)
    rows = [row for claim in claims for row in evaluate(claim, runs, seeds, float(spec.level))]
    table = pd.DataFrame(rows)
    table["claim_reproduced"] = table.groupby("id")["reproduced"].transform("all")
    return table
