"""Habit formation: the disposition people are anchored to follows what they practise (C15)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import UNIT, param


@dataclass
class HabitsParams:
    """``dynamics.habits``. Habit strength itself is drawn at hire (``dynamics.hiring.habit_mean``)."""

    rate: float = param(*UNIT, doc="weekly drift of disposition toward practised orientation", unit="per week")


def form_habits(disposition: np.ndarray, x: np.ndarray, habit: np.ndarray, cfg: HabitsParams) -> np.ndarray:
    """x0 <- x0 + rate * (1 - h) * (x - x0).

    Strong habits (h near 1) keep the old disposition, so change takes longer (C15); a sustained
    new orientation slowly becomes the anchor, which is why a steady programme outlasts an on-off one.
    """
    return disposition + cfg.rate * (1.0 - habit) * (x - disposition)
