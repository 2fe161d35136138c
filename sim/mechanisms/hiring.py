"""Filling vacancies from the labour market (C13). Who is hired is drawn by ``sim.state.draw_newcomers``."""

from __future__ import annotations

import numpy as np


def fill_vacancies(is_open: np.ndarray, filled: np.ndarray, hire_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Open, empty seats filled this week, each with probability ``hire_rate`` (time to fill ~ 1 / rate)."""
    vacant = is_open & ~filled
    return vacant & (rng.random(is_open.size) < hire_rate)
