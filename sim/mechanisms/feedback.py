"""Customer feedback gathered and shared back to employees (C10; two-way linkage, C7)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class FeedbackParams:
    """``dynamics.feedback``: what hearing customers does, per unit of ``policies.feedback_sharing``."""

    orientation_rate: float = param(*UNIT)  # r_x: lift of customer focus
    engagement_rate: float = param(*UNIT)  # r_e: how much customers' mood carries over to engagement


def share_feedback(
    x: np.ndarray,
    e: np.ndarray,
    habit: np.ndarray,
    satisfaction_seen: np.ndarray,
    sharing: float,
    cfg: FeedbackParams,
) -> tuple[np.ndarray, np.ndarray]:
    """x <- x + sharing * r_x * (1 - h) * (1 - x);  e <- e + sharing * r_e * (S - 0.5).

    Hearing customers builds customer focus (C10). ``satisfaction_seen`` is the satisfaction of
    one's own team's customers (frontline) or of all customers (everyone else): happy customers
    energise, unhappy ones deflate, so effects run both ways between engagement and satisfaction.
    """
    x = unit(x + sharing * cfg.orientation_rate * (1.0 - habit) * (1.0 - x))
    e = unit(e + sharing * cfg.engagement_rate * (satisfaction_seen - 0.5))
    return x, e
