"""Service standards that drift toward recent performance unless anchored (Oliva & Sterman 2001, 2010; C15)."""

from __future__ import annotations

import numpy as np

from sim.numerics import nan_to, unit


def update_standard(
    standard: np.ndarray,
    quality: np.ndarray,
    anchoring: np.ndarray,
    drift: float,
    anchor: float,
) -> np.ndarray:
    """std <- std + drift * (1 - A) * (Q - std) + anchor * A * (1 - std).

    Q is the team's delivered quality; A = max(leader's vision, standards in appraisal) is how
    firmly the standard is anchored. Unanchored, the standard follows performance down under
    pressure and stays there (erosion); anchored, it is pulled back up. Teams with no quality
    measured this week (no members) keep their standard.
    """
    q = nan_to(quality, standard)
    new = standard + drift * (1.0 - anchoring) * (q - standard) + anchor * anchoring * (1.0 - standard)
    return unit(new)
