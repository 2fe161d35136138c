"""Onboarding: socialising new hires into their team's norm (C13; Harrison & Carroll 1991)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import UNIT, param


@dataclass
class OnboardingParams:
    """``dynamics.onboarding``. ``weeks`` also marks who counts as a newcomer in the metrics
    (``newcomer_gap``, ``sim.metrics``)."""

    pull: float = param(*UNIT, doc="weekly pull of the team's norm on a new hire at full intensity", unit="per week")
    weeks: float = param(1, 520, doc="the pull's time scale: it falls as exp(-tenure / weeks)", unit="weeks")


def socialise(
    x: np.ndarray,
    disposition: np.ndarray,
    tenure: np.ndarray,
    norm: np.ndarray,
    intensity: float,
    cfg: OnboardingParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Newcomers move toward their team's norm, both in orientation and in disposition:

        w = intensity * pull * exp(-tenure / weeks)
        x  <- x  + w * (norm - x)
        x0 <- x0 + w * (norm - x0)

    ``norm`` is the mean orientation of the person's team (per person). Intense onboarding
    shortens the time a new hire needs to reach the norm.
    """
    w = intensity * cfg.pull * np.exp(-tenure / cfg.weeks)
    return x + w * (norm - x), disposition + w * (norm - disposition)
