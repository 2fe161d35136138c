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
    base: float = param(-1, 1, doc="b: the target with no resource and no demand", unit="level")
    w_support: float = param(*UNIT, doc="weight of the leader's support (a job resource) in the target", unit="weight")
    w_trust: float = param(*UNIT, doc="weight of trust in the leader (a job resource) in the target", unit="weight")
    w_safety: float = param(*UNIT, doc="weight of psychological safety (a job resource) in the target", unit="weight")
    w_calm: float = param(*UNIT, doc="weight of not being cynical, 1 - c, in the target", unit="weight")
    w_pressure: float = param(*UNIT, doc="weight of work pressure (a job demand) against the target", unit="weight")


#: Satisfaction a customer is neutral at: above it the mood heard is a resource, below it a stressor.
NEUTRAL_SATISFACTION = 0.5


def customers_heard(
    frontline: np.ndarray, team_satisfaction: np.ndarray, overall_satisfaction: float, sharing: float
) -> np.ndarray:
    """h (S_seen - 1/2): the customers' mood each person hears, as a deviation from neutral.

    Frontline staff hear their own team's customers in every encounter (h = 1); everyone else hears
    the organisation's customers only through the feedback that is gathered and shared (h = ``sharing``,
    ``policies.feedback_sharing``, C10). ``team_satisfaction`` is per person (their team's), NaN where
    the team has no customers; ``overall_satisfaction`` NaN when nobody has customers (then nothing is heard).
    """
    own = np.where(np.isfinite(team_satisfaction), team_satisfaction - NEUTRAL_SATISFACTION, 0.0)
    overall = overall_satisfaction - NEUTRAL_SATISFACTION if np.isfinite(overall_satisfaction) else 0.0
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

        e* = clip(b + w_support support_l + w_trust trust + w_safety safety + w_calm (1 - c)
                  - w_pressure pressure + m * heard)

    (defaults b = 0.1, weights 0.3, 0.2, 0.2, 0.2 and 0.3: assumptions, job resources against demands)
    and ``heard`` = h (S_seen - 1/2) from ``customers_heard``. Employees are the leader's internal customers
    (seed 001): support, trust and safety engage; cynicism and work pressure disengage. Satisfied customers
    are a resource and dissatisfied ones a stressor for the people who serve them (customer-related social
    stressors, Dormann & Zapf 2004; the "satisfaction mirror", Heskett, Sasser & Schlesinger 1997): with the
    effect of engagement on service quality, this makes the employee-customer link run both ways (C7;
    Schneider, White & Paul 1998).
    """
    treatment = (
        cfg.base
        + cfg.w_support * support_l
        + cfg.w_trust * trust
        + cfg.w_safety * safety
        + cfg.w_calm * (1.0 - c)
        - cfg.w_pressure * pressure
    )
    target = unit(treatment + cfg.customer_mood * heard)
    return unit(e + cfg.rate * (target - e))
