"""Habit formation: the disposition people are anchored to follows what they practise (C15)."""

from __future__ import annotations

import numpy as np


def form_habits(disposition: np.ndarray, x: np.ndarray, habit: np.ndarray, rate: float) -> np.ndarray:
    """x0 <- x0 + rate * (1 - h) * (x - x0).

    Strong habits (h near 1) keep the old disposition, so change takes longer (C15); a sustained
    new orientation slowly becomes the anchor, which is why a steady programme outlasts an on-off one.
    """
    return disposition + rate * (1.0 - habit) * (x - disposition)
