"""Quits and the removal of persistent misfits (Harrison & Carroll 1991; C12)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class TurnoverParams:
    """``dynamics.turnover``: the weekly quit hazard. Removing misfits is a policy (``policies.remove_misfits``)."""

    quit_base: float = param(*UNIT, doc="weekly quit chance of an engaged person under no pressure", unit="per week")
    quit_disengaged: float = param(
        *UNIT, doc="extra weekly quit chance at zero engagement, scaled by (1 - e)^2", unit="per week"
    )
    quit_pressure: float = param(*UNIT, doc="extra weekly quit chance at full work pressure", unit="per week")


def quit_hazard(e: np.ndarray, pressure: np.ndarray, cfg: TurnoverParams) -> np.ndarray:
    """Weekly quit probability = quit_base + quit_disengaged * (1 - e)^2 + quit_pressure * p."""
    return unit(cfg.quit_base + cfg.quit_disengaged * (1.0 - e) ** 2 + cfg.quit_pressure * pressure)


def draw_quits(hazard: np.ndarray, filled: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Who quits this week (bool). Quits are discrete events: always drawn from the generator."""
    return filled & (rng.random(hazard.size) < hazard)


def misfits(
    misfit_weeks: np.ndarray,
    x: np.ndarray,
    norm: np.ndarray,
    filled: np.ndarray,
    threshold: float,
    weeks: int,
    remove: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Count consecutive weeks with orientation more than ``threshold`` below one's team's norm (its mean
    orientation); with ``remove``, part with those at ``weeks``.

    Fit is fit to the culture one works in (person-culture fit, O'Reilly, Chatman & Caldwell 1991;
    Harrison & Carroll 1991), so a misfit is measured against the team's norm, not an absolute level that
    a strong culture would leave empty. Returns ``(misfit_weeks, removed)``. Removal shifts the culture's
    mean at a turnover cost (C12).
    """
    below = filled & (x < norm - threshold)
    counts = np.where(below, misfit_weeks + 1, 0).astype(misfit_weeks.dtype)
    removed = below & (counts >= weeks) if remove else np.zeros_like(filled)
    return counts, removed
