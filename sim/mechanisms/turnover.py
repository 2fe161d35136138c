"""Quits and the removal of persistent misfits (Harrison & Carroll 1991; C12)."""

from __future__ import annotations

import numpy as np

from sim.numerics import unit


def quit_hazard(
    e: np.ndarray, pressure: np.ndarray, base: float, disengaged: float, pressure_weight: float
) -> np.ndarray:
    """Weekly quit probability = base + disengaged * (1 - e)^2 + pressure_weight * p."""
    return unit(base + disengaged * (1.0 - e) ** 2 + pressure_weight * pressure)


def draw_quits(hazard: np.ndarray, filled: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Who quits this week (bool). Quits are discrete events: always drawn from the generator."""
    return filled & (rng.random(hazard.size) < hazard)


def misfits(
    misfit_weeks: np.ndarray, x: np.ndarray, filled: np.ndarray, threshold: float, weeks: int, remove: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Count consecutive weeks below ``threshold`` orientation; with ``remove``, part with those at ``weeks``.

    Returns ``(misfit_weeks, removed)``. Removal shifts the culture's mean at a turnover cost (C12).
    """
    below = filled & (x < threshold)
    counts = np.where(below, misfit_weeks + 1, 0).astype(misfit_weeks.dtype)
    removed = below & (counts >= weeks) if remove else np.zeros_like(filled)
    return counts, removed
