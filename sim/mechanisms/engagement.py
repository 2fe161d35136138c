"""Engagement: how people are treated by their leader, and how their customers feel, shows in their engagement
(C6, C7)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class EngagementParams:
    """``dynamics.engagement``."""

    rate: float = param(*UNIT, doc="weekly speed at which engagement follows its target", unit="per week")
    customer_mood: float = param(*UNIT, doc="m: weight of the customers' mood one hears in the target", unit="weight")


def customers_heard(
    frontline: np.ndarray, team_satisfaction: np.ndarray, overall_satisfaction: float, sharing: float
) -> np.ndarray:
    """h (S_seen - 1/2): the customers' mood each person hears, as a deviation from neutral.

    Frontline staff hear their own team's customers in every encounter (h = 1); everyone else hears
    the organisation's customers only through the feedback that is gathered and shared (h = ``sharing``,
    ``policies.feedback_sharing``, C10). ``team_satisfaction`` is per person (their team's), NaN where
    the team has no customers; ``overall_satisfaction`` NaN when nobody has customers (then nothing is heard).
    """
    own = np.where(np.isfinite(team_satisfaction), team_satisfaction - 0.5, 0.0)
    overall = overall_satisfaction - 0.5 if np.isfinite(overall_satisfaction) else 0.0
    return np.where(frontline, own, sharing * overall)


def update_engagement(
    e: np.ndarray,
    support_l: np.ndarray,
    trust: np.ndarray,
    safety: np.ndarray,
    c: np.ndarray,
    pressure: np.ndarray,
    heard: np.ndarray | float,
    cfg: EngagementParams,
) -> np.ndarray:
    """e <- e + rate * (e* - e), with

        e* = clip(0.1 + 0.3 support_l + 0.2 trust + 0.2 safety + 0.2 (1 - c) - 0.3 pressure + m * heard)

    and ``heard`` = h (S_seen - 1/2) from ``customers_heard``. Employees are the leader's internal customers
    (seed 001): support, trust and safety engage; cynicism and work pressure disengage. Satisfied customers
    are a resource and dissatisfied ones a stressor for the people who serve them (customer-related social
    stressors, Dormann & Zapf 2004; the "satisfaction mirror", Heskett, Sasser & Schlesinger 1997): with the
    effect of engagement on service quality, this makes the employee-customer link run both ways (C7;
    Schneider, White & Paul 1998).
    """
    treatment = 0.1 + 0.3 * support_l + 0.2 * trust + 0.2 * safety + 0.2 * (1.0 - c) - 0.3 * pressure
    target = unit(treatment + cfg.customer_mood * heard)
    return unit(e + cfg.rate * (target - e))
