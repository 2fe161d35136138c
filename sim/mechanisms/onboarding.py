"""Onboarding: socialising new hires into their team's norm (C13; Harrison & Carroll 1991)."""

from __future__ import annotations

import numpy as np


def socialise(
    x: np.ndarray,
    disposition: np.ndarray,
    tenure: np.ndarray,
    norm: np.ndarray,
    intensity: float,
    pull: float,
    weeks: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Newcomers move toward their team's norm, both in orientation and in disposition:

        w = intensity * pull * exp(-tenure / weeks)
        x  <- x  + w * (norm - x)
        x0 <- x0 + w * (norm - x0)

    ``norm`` is the mean orientation of the person's team (per person). Intense onboarding
    shortens the time a new hire needs to reach the norm.
    """
    w = intensity * pull * np.exp(-tenure / weeks)
    return x + w * (norm - x), disposition + w * (norm - disposition)
