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

    market_orientation: float = param(*UNIT, doc="mean service orientation of a candidate", unit="level")
    market_spread: float = param(0.01, 0.5, doc="sd of service orientation across candidates", unit="sd")
    market_skill: float = param(
        *UNIT, doc="mean skill of a hire; also the floor unpractised skill fades to", unit="level"
    )
    market_skill_spread: float = param(0, 0.5, doc="sd of skill across hires", unit="sd")
    habit_mean: float = param(*UNIT, doc="mean habit strength of a hire (resistance to change, C15)", unit="level")
    habit_spread: float = param(0, 0.5, doc="sd of habit strength across hires", unit="sd")
    newcomer_engagement: float = param(*UNIT, doc="engagement of a new hire", unit="level")
    newcomer_trust: float = param(*UNIT, doc="trust of a new hire in their leader", unit="level")
    newcomer_safety: float = param(*UNIT, doc="psychological safety of a new hire", unit="level")
    newcomer_cynicism: float = param(*UNIT, doc="cynicism of a new hire", unit="level")
    initial_tenure_max: float = param(
        0, 2000, doc="the first workforce's tenure is drawn from U(0, initial_tenure_max)", unit="weeks"
    )
    candidates_max: int = param(
        1, 50, doc="candidates seen per hire at full selectivity; the best is hired", unit="count"
    )


def fill_vacancies(is_open: np.ndarray, filled: np.ndarray, hire_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Open, empty seats filled this week, each with probability ``hire_rate`` (time to fill ~ 1 / rate)."""
    vacant = is_open & ~filled
    return vacant & (rng.random(is_open.size) < hire_rate)
