"""The metrics of a week, named as in docs/outputs.md: model level and per team."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.numerics import group_mean, group_means, group_std, nan_to, weighted_mean

if TYPE_CHECKING:
    from sim.model import ServiceCultureModel

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
    model: ServiceCultureModel,
    *,
    reported: np.ndarray,
    hidden: np.ndarray,
    proposed: np.ndarray,
    adopted: np.ndarray,
    recognised: np.ndarray,
    churned: float,
    customers_before: float,
    leavers: float,
    headcount_before: float,
    teams: dict[str, np.ndarray],
) -> dict[str, float]:
    """This week's model-level metrics. Counts are sums over people; rates are shares in [0, 1].

    ``teams`` is this week's :func:`team_columns`, whose team means and headcounts are reused.
    """
    p, o, t = model.people, model.org, model.teams
    f = p.filled
    served = np.isfinite(model.quality)  # people in the seat when service was delivered this week
    frontline = o.frontline & served
    backoffice = o.backoffice & served
    customers = float(t.customers.sum())
    members = teams["headcount"]
    return {
        "culture_mean": _mean(p.orientation, f),
        "culture_spread": float(p.orientation[f].std()) if f.any() else float("nan"),
        "engagement": _mean(p.engagement, f),
        "trust": _mean(p.trust, f & ~model.is_root),
        "psych_safety": _mean(p.safety, f),
        "skill": _mean(p.skill, f),
        "cynicism": _mean(p.cynicism, f),
        "service_quality": _mean(model.quality, frontline),
        "internal_service_quality": _mean(model.quality, backoffice),
        "customer_satisfaction": model.customer_satisfaction(),
        "customer_retention": 1.0 - churned / customers_before if customers_before > 0 else float("nan"),
        "customers": customers,
        "revenue": customers * model.customer_cfg.price,
        "turnover_rate": leavers / headcount_before if headcount_before > 0 else 0.0,
        "headcount": float(f.sum()),
        "vacancies": float((p.open & ~f).sum()),
        "mistakes_reported": float(reported.sum()),
        "mistakes_hidden": float(hidden.sum()),
        "ideas_proposed": float(proposed.sum()),
        "ideas_adopted": float(adopted.sum()),
        "recognitions": float(recognised.sum()),
        "service_standard": weighted_mean(t.standard, members) if members.sum() else float("nan"),
        "newcomer_gap": newcomer_gap(model, teams["culture_mean"]),
    }


def newcomer_gap(model: ServiceCultureModel, team_culture: np.ndarray) -> float:
    """Mean |orientation - team mean| of people still in onboarding (tenure < onboarding_weeks); NaN if none.

    How far new hires are from their team's norm: fast assimilation keeps it small (C13).
    ``team_culture`` is each team's mean orientation over its members.
    """
    p, o = model.people, model.org
    new = p.filled & (p.tenure < model.dyn.onboarding_weeks)
    return _mean(np.abs(p.orientation - team_culture[o.team]), new)


def team_columns(model: ServiceCultureModel) -> dict[str, np.ndarray]:
    """This week's metrics per team (each of TEAM_METRICS, one value per team), over each team's members."""
    p, o, t = model.people, model.org, model.teams
    nt = o.n_teams
    f = p.filled.astype(float)
    staff = (p.filled & ~o.is_leader).astype(float)
    members = np.bincount(o.team, weights=f, minlength=nt)
    names = ("culture_mean", "engagement", "trust", "psych_safety", "skill", "cynicism")
    person = (p.orientation, p.engagement, p.trust, p.safety, p.skill, p.cynicism)
    columns = dict(zip(names, group_means(person, o.team, f, nt, total=members), strict=True))
    columns["culture_spread"] = group_std(p.orientation, o.team, f, nt, mean=columns["culture_mean"], total=members)
    quality = nan_to(model.quality, 0.0)  # NaN only where nobody served
    columns |= {
        "service_quality": group_mean(quality, o.team, staff, nt),
        "customer_satisfaction": t.satisfaction,
        "customers": np.where(o.frontline_team, t.customers, 0.0),
        "headcount": members,
        "service_standard": t.standard,
        "process_quality": t.process,
        "style_id": model.styles.style_id[o.team_leader].astype(float),
    }
    return columns
