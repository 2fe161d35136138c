"""Growth and decline: seats opened and closed over time, no rebuild of the graph (Harrison & Carroll 1991)."""

from __future__ import annotations

import numpy as np


def resize(
    is_open: np.ndarray, filled: np.ndarray, staff: np.ndarray, rate: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Open (rate > 0) or close (rate < 0) Binomial(open staff seats, |rate|) staff seats this week.

    Growth opens closed reserve seats at random; decline closes open seats, vacant ones first,
    then filled ones (lay-offs). Returns ``(is_open, laid_off)``.
    """
    is_open = is_open.copy()
    laid_off = np.zeros_like(filled)
    count = int(rng.binomial(int((is_open & staff).sum()), min(abs(rate), 1.0)))
    if count == 0:
        return is_open, laid_off
    if rate > 0:
        closed = np.flatnonzero(staff & ~is_open)
        is_open[rng.permutation(closed)[:count]] = True
        return is_open, laid_off
    vacant = rng.permutation(np.flatnonzero(staff & is_open & ~filled))
    occupied = rng.permutation(np.flatnonzero(staff & is_open & filled))
    close = np.concatenate([vacant, occupied])[:count]
    is_open[close] = False
    laid_off[close] = filled[close]
    return is_open, laid_off
