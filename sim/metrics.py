"""The metrics of a week, named as in docs/outputs.md: model level and per team."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.config import ConfigError
from sim.numerics import group_mean, group_means, group_std, weighted_mean

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


#: Team metrics that are means over the team's members in post: NaN for a team with nobody in post.
MEMBER_MEANS = ("culture_mean", "culture_spread", "engagement", "trust", "psych_safety", "skill", "cynicism")


NO_NUMBER = "the config's values, each in its range, combine into no number (or the model's state was set to NaN)"


class MetricNaNError(ConfigError):
    """A metric of a group that has members is NaN: the run's numbers have stopped being numbers.

    Every value passed its range check, so the config is infeasible in combination (or the model's state
    was set to NaN from outside); the run stops at the first such week rather than write NaN for the
    rest of it. A metric of an empty group (a team with nobody in post, a back-office team's customer
    satisfaction) is NaN by definition and does not stop anything.
    """


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    # sum / count is what ndarray.mean computes (same pairwise sum), without its Python layers
    chosen = values[mask]
    return float(chosen.sum() / chosen.size) if chosen.size else float("nan")


def model_metrics(
    people: People,
    org: Org,
    team_state: TeamState,
    quality: np.ndarray,
    served: np.ndarray,
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

    ``quality`` is this week's delivered quality per seat, ``served`` the seats that were filled when it
    was delivered (``quality`` is NaN elsewhere), ``is_root`` marks
    the top seat (nobody's report, so left out of trust), ``satisfaction`` is
    :func:`customer_satisfaction`, ``price`` the revenue per customer and ``onboarding_weeks`` the
    tenure below which a person counts as a newcomer. ``per_team`` is this week's
    :func:`team_columns`, whose team means and headcounts are reused.
    """
    p, o, t = people, org, team_state
    f = p.filled
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
    people: People, org: Org, team_state: TeamState, styles: Styles, quality: np.ndarray, served: np.ndarray
) -> dict[str, np.ndarray]:
    """This week's metrics per team (each of TEAM_METRICS, one value per team), over each team's members.

    ``quality`` is this week's delivered quality per seat and ``served`` the seats filled when it was
    delivered (``quality`` is NaN elsewhere); ``styles`` gives each team leader's style.
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
    # the staff in post who served this week: a seat filled after service was delivered has no quality yet
    columns |= {
        "service_quality": group_mean(np.where(served, quality, 0.0), o.team, staff * served, nt),
        "customer_satisfaction": t.satisfaction,
        "customers": np.where(o.frontline_team, t.customers, 0.0),
        "headcount": members,
        "service_standard": t.standard,
        "process_quality": t.process,
        "style_id": styles.style_id[o.team_leader].astype(float),
    }
    return columns


#: What each model metric of a group averages over (the metrics not named are counts or sums over the
#: organisation, with no empty case): NaN is its honest value only in a week its group is empty.
MODEL_GROUPS = {
    **dict.fromkeys(
        ("culture_mean", "culture_spread", "engagement", "psych_safety", "skill", "cynicism", "service_standard"),
        "people in post",
    ),
    "trust": "people in post below the top",
    "service_quality": "frontline staff who served",
    "internal_service_quality": "back-office staff who served",
    "customer_satisfaction": "frontline teams",
    "customer_retention": "customers at the week's start",
    "newcomer_gap": "people in onboarding",
}
#: The same for the team metrics, per team.
TEAM_GROUPS = {
    **dict.fromkeys(MEMBER_MEANS, "people in post"),
    "service_quality": "staff who served",
    "customer_satisfaction": "frontline team",
}


def model_metric_groups(
    people: People,
    org: Org,
    served: np.ndarray,
    *,
    is_root: np.ndarray,
    customers_before: float,
    onboarding_weeks: float,
) -> dict[str, float]:
    """The size of the group each metric of ``MODEL_GROUPS`` is taken over this week; arguments as for
    :func:`model_metrics`."""
    p, o, f = people, org, people.filled
    in_post = float(np.count_nonzero(f))
    sizes = {
        "trust": float(np.count_nonzero(f & ~is_root)),
        "service_quality": float(np.count_nonzero(o.frontline & served)),
        "internal_service_quality": float(np.count_nonzero(o.backoffice & served)),
        "customer_satisfaction": float(np.count_nonzero(o.frontline_team)),
        "customer_retention": customers_before,
        "newcomer_gap": float(np.count_nonzero(f & (p.tenure < onboarding_weeks))),
    }
    return {name: sizes.get(name, in_post) for name in MODEL_GROUPS}


def team_metric_group(name: str, people: People, org: Org, members: np.ndarray, served: np.ndarray) -> np.ndarray:
    """The size of the group the team metric ``name`` is taken over in each team this week (``members``:
    people in post per team; ``served`` as for :func:`team_columns`); 1 for a metric with no empty case."""
    if name in MEMBER_MEANS:
        return members
    if name == "service_quality":  # staff still in post who served
        return np.bincount(org.team, weights=served & people.filled & ~org.is_leader, minlength=org.n_teams)
    if name == "customer_satisfaction":
        return org.frontline_team.astype(np.float64)
    return np.ones(org.n_teams)


def team_nan_by_structure(org: Org) -> np.ndarray:
    """Where a team metric is NaN in every week because of the org's structure (a row per team, a column
    per ``TEAM_METRICS``): the customer satisfaction of a back-office team and the service quality of a
    team of leaders only. Computed once per org, so that a week's check need not look at the groups."""
    always = np.zeros((org.n_teams, len(TEAM_METRICS)), dtype=bool)
    always[:, TEAM_METRICS.index("customer_satisfaction")] = ~org.frontline_team
    staff_seats = np.bincount(org.team, weights=~org.is_leader, minlength=org.n_teams)
    always[:, TEAM_METRICS.index("service_quality")] = staff_seats == 0
    return always


def refuse_nan(
    week: int,
    flows: dict[str, float],
    per_team: np.ndarray,
    structural: np.ndarray,
    groups: Callable[[], dict[str, float]],
    team_group: Callable[[str], np.ndarray],
) -> None:
    """Raise :class:`MetricNaNError` for the first metric of ``week`` that is NaN over a group with members.

    ``flows`` are the week's model metrics, ``per_team`` its team metrics (a row per team, a column per
    ``TEAM_METRICS``) and ``structural`` where a team metric is NaN by the org's structure
    (:func:`team_nan_by_structure`). The groups are counted only for a NaN found elsewhere: ``groups()``
    gives the model metrics' group sizes (:func:`model_metric_groups`), ``team_group(metric)`` each team's
    for a team metric (:func:`team_metric_group`). A week without such a NaN costs one ``np.isnan`` over
    each table.
    """
    values = np.fromiter(flows.values(), dtype=np.float64, count=len(flows))
    if np.isnan(values).any():
        sizes = groups()
        for name, value in zip(flows, values, strict=True):
            size = sizes.get(name, 1.0)
            if np.isnan(value) and size > 0:
                over = f" over {size:g} {MODEL_GROUPS[name]}" if name in MODEL_GROUPS else ""
                raise MetricNaNError(f"{name} is NaN in week {week}{over}: {NO_NUMBER}")
    nan = np.isnan(per_team) & ~structural
    if not nan.any():
        return
    for column in np.flatnonzero(nan.any(axis=0)):
        name = TEAM_METRICS[column]
        size = team_group(name)
        bad = np.flatnonzero(nan[:, column] & (size > 0))
        if bad.size:
            team = int(bad[0])
            over = f" over {size[team]:g} {TEAM_GROUPS[name]}" if name in TEAM_GROUPS else ""
            raise MetricNaNError(f"{name} of team {team} is NaN in week {week}{over}: {NO_NUMBER}")
