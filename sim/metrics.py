"""The metrics of a week, named as in docs/outputs.md: model level and per team."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.numerics import group_mean, group_means, group_std, nan_to, weighted_mean

if TYPE_CHECKING:
    from sim.org import Org
    from sim.state import People, Styles, TeamState

MODEL_METRICS = (
    "culture_mean",
    "culture_spread",
    "engagement",
    "trust",
    "psych_safety",
    "skill",
    "cynicism",
    "service_quality",
    "internal_service_quality",
    "customer_satisfaction",
    "customer_retention",
    "customers",
    "revenue",
    "turnover_rate",
    "headcount",
    "vacancies",
    "mistakes_reported",
    "mistakes_hidden",
    "ideas_proposed",
    "ideas_adopted",
    "recognitions",
    "service_standard",
    "newcomer_gap",
)

TEAM_METRICS = (
    "culture_mean",
    "culture_spread",
    "engagement",
    "trust",
    "psych_safety",
    "skill",
    "cynicism",
    "service_quality",
    "customer_satisfaction",
    "customers",
    "headcount",
    "service_standard",
    "process_quality",
    "style_id",
)


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    # sum / count is what ndarray.mean computes (same pairwise sum), without its Python layers
    chosen = values[mask]
    return float(chosen.sum() / chosen.size) if chosen.size else float("nan")


def model_metrics(
    people: People,
    org: Org,
    team_state: TeamState,
    quality: np.ndarray,
    *,
    is_root: np.ndarray,
    satisfaction: float,
    price: float,
    onboarding_weeks: float,
    per_team: dict[str, np.ndarray],
    reported: np.ndarray,
    hidden: np.ndarray,
    proposed: np.ndarray,
    adopted: np.ndarray,
    recognised: np.ndarray,
    churned: float,
    customers_before: float,
    leavers: float,
    headcount_before: float,
) -> dict[str, float]:
    """This week's model-level metrics. Counts are sums over people; rates are shares in [0, 1].

    ``quality`` is this week's delivered quality per seat (NaN where nobody served), ``is_root`` marks
    the top seat (nobody's report, so left out of trust), ``satisfaction`` is
    :func:`customer_satisfaction`, ``price`` the revenue per customer and ``onboarding_weeks`` the
    tenure below which a person counts as a newcomer. ``per_team`` is this week's
    :func:`team_columns`, whose team means and headcounts are reused.
    """
    p, o, t = people, org, team_state
    f = p.filled
    served = np.isfinite(quality)  # people in the seat when service was delivered this week
    frontline = o.frontline & served
    backoffice = o.backoffice & served
    customers = float(t.customers.sum())
    members = per_team["headcount"]
    return {
        "culture_mean": _mean(p.orientation, f),
        "culture_spread": float(p.orientation[f].std()) if f.any() else float("nan"),
        "engagement": _mean(p.engagement, f),
        "trust": _mean(p.trust, f & ~is_root),
        "psych_safety": _mean(p.safety, f),
        "skill": _mean(p.skill, f),
        "cynicism": _mean(p.cynicism, f),
        "service_quality": _mean(quality, frontline),
        "internal_service_quality": _mean(quality, backoffice),
        "customer_satisfaction": satisfaction,
        "customer_retention": 1.0 - churned / customers_before if customers_before > 0 else float("nan"),
        "customers": customers,
        "revenue": customers * price,
        "turnover_rate": leavers / headcount_before if headcount_before > 0 else 0.0,
        "headcount": float(f.sum()),
        "vacancies": float((p.open & ~f).sum()),
        "mistakes_reported": float(reported.sum()),
        "mistakes_hidden": float(hidden.sum()),
        "ideas_proposed": float(proposed.sum()),
        "ideas_adopted": float(adopted.sum()),
        "recognitions": float(recognised.sum()),
        "service_standard": weighted_mean(t.standard, members) if members.sum() else float("nan"),
        "newcomer_gap": newcomer_gap(p, o.team, per_team["culture_mean"], onboarding_weeks),
    }


def customer_satisfaction(team_state: TeamState, frontline_team: np.ndarray) -> float:
    """Customer-weighted mean satisfaction over frontline teams."""
    t, front = team_state, frontline_team
    weight = t.customers[front]
    if weight.sum() <= 0:
        return float(np.nanmean(t.satisfaction[front])) if front.any() else float("nan")
    return weighted_mean(t.satisfaction[front], weight)


def newcomer_gap(people: People, team: np.ndarray, team_culture: np.ndarray, onboarding_weeks: float) -> float:
    """Mean |orientation - team mean| of people still in onboarding (tenure < onboarding_weeks); NaN if none.

    How far new hires are from their team's norm: fast assimilation keeps it small (C13).
    ``team`` is each seat's team and ``team_culture`` each team's mean orientation over its members.
    """
    p = people
    new = p.filled & (p.tenure < onboarding_weeks)
    return _mean(np.abs(p.orientation - team_culture[team]), new)


def team_columns(
    people: People, org: Org, team_state: TeamState, styles: Styles, quality: np.ndarray
) -> dict[str, np.ndarray]:
    """This week's metrics per team (each of TEAM_METRICS, one value per team), over each team's members.

    ``quality`` is this week's delivered quality per seat (NaN where nobody served); ``styles`` gives
    each team leader's style.
    """
    p, o, t = people, org, team_state
    nt = o.n_teams
    f = p.filled.astype(float)
    staff = (p.filled & ~o.is_leader).astype(float)
    members = np.bincount(o.team, weights=f, minlength=nt)
    names = ("culture_mean", "engagement", "trust", "psych_safety", "skill", "cynicism")
    person = (p.orientation, p.engagement, p.trust, p.safety, p.skill, p.cynicism)
    columns = dict(zip(names, group_means(person, o.team, f, nt, total=members), strict=True))
    columns["culture_spread"] = group_std(p.orientation, o.team, f, nt, mean=columns["culture_mean"], total=members)
    # the staff who served this week: a seat filled after service was delivered has no quality yet
    served = staff * np.isfinite(quality)
    columns |= {
        "service_quality": group_mean(nan_to(quality, 0.0), o.team, served, nt),
        "customer_satisfaction": t.satisfaction,
        "customers": np.where(o.frontline_team, t.customers, 0.0),
        "headcount": members,
        "service_standard": t.standard,
        "process_quality": t.process,
        "style_id": styles.style_id[o.team_leader].astype(float),
    }
    return columns
