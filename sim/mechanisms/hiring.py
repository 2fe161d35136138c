"""Filling vacancies from the labour market (C13). Who is hired is drawn by ``sim.state.draw_newcomers``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import UNIT, param


@dataclass
class HiringParams:
    """``dynamics.hiring``: the labour market every hire (the first workforce included) is drawn from.

    Read by ``sim.state.draw_newcomers`` and, for ``initial_tenure_max``, by the model's first hiring.
    """

    market_orientation: float = param(*UNIT)  # mean service orientation of a candidate
    market_spread: float = param(0.01, 0.5)  # its sd across candidates
    market_skill: float = param(*UNIT)
    market_skill_spread: float = param(0, 0.5)
    habit_mean: float = param(*UNIT)  # habit strength of a hire (resistance to change, C15)
    habit_spread: float = param(0, 0.5)
    newcomer_engagement: float = param(*UNIT)
    newcomer_trust: float = param(*UNIT)
    newcomer_safety: float = param(*UNIT)
    newcomer_cynicism: float = param(*UNIT)
    initial_tenure_max: float = param(0, 2000)  # weeks; the first workforce's tenure ~ U(0, max)
    candidates_max: int = param(1, 50)  # candidates seen per hire at full selectivity


def fill_vacancies(is_open: np.ndarray, filled: np.ndarray, hire_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Open, empty seats filled this week, each with probability ``hire_rate`` (time to fill ~ 1 / rate)."""
    vacant = is_open & ~filled
    return vacant & (rng.random(is_open.size) < hire_rate)
