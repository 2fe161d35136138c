"""Customer feedback gathered and shared back to employees builds customer focus (C10).

What the customers' mood does to engagement, shared or heard first-hand, is ``sim.mechanisms.engagement``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class FeedbackParams:
    """``dynamics.feedback``: what hearing customers does, per unit of ``policies.feedback_sharing``."""

    orientation_rate: float = param(
        *UNIT, doc="r_x: weekly lift of customer focus at full feedback sharing", unit="per week"
    )


def share_feedback(x: np.ndarray, habit: np.ndarray, sharing: float, cfg: FeedbackParams) -> np.ndarray:
    """x <- x + sharing * r_x * (1 - h) * (1 - x): hearing customers builds customer focus (C10)."""
    return unit(x + sharing * cfg.orientation_rate * (1.0 - habit) * (1.0 - x))
