"""Keeping values in range at the cost of one or two ufunc calls: shares in [0, 1], NaN replaced."""

from __future__ import annotations

import numpy as np

# np.clip reaches this ufunc through three Python layers, ~1.4 us a call; a week makes ~45 such calls,
# 4% of a step at 2,000 seats. Same ufunc, same values.
_clip = np._core.umath.clip


def unit(x: np.ndarray) -> np.ndarray:
    """``x`` clipped to [0, 1], element by element (NaN stays NaN); the same values as ``np.clip(x, 0, 1)``."""
    return _clip(x, 0.0, 1.0)


def nan_to(x: np.ndarray, value: float | np.ndarray) -> np.ndarray:
    """``x`` with NaN replaced by ``value`` (a number, or an array of x's shape to take the entry from):
    ``np.nan_to_num(x, nan=value)`` for arrays that hold no infinities (shares and means), at a third
    of its cost."""
    return np.where(np.isnan(x), value, x)
