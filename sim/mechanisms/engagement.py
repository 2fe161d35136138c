"""Engagement: how people are treated by their leader shows in their engagement (C6, C7)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class EngagementParams:
    """``dynamics.engagement``."""

    rate: float = param(*UNIT)  # weekly speed at which engagement follows its target


def update_engagement(
    e: np.ndarray,
    support_l: np.ndarray,
    trust: np.ndarray,
    safety: np.ndarray,
    c: np.ndarray,
    pressure: np.ndarray,
    cfg: EngagementParams,
) -> np.ndarray:
    """e <- e + rate * (e* - e), e* = clip(0.1 + 0.3 support_l + 0.2 trust + 0.2 safety + 0.2 (1 - c) - 0.3 pressure).

    Employees are the leader's internal customers (seed 001): support, trust and safety engage;
    cynicism and work pressure disengage.
    """
    target = unit(0.1 + 0.3 * support_l + 0.2 * trust + 0.2 * safety + 0.2 * (1.0 - c) - 0.3 * pressure)
    return unit(e + cfg.rate * (target - e))
