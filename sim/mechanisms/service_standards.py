"""Service standards that drift toward recent performance unless anchored (Oliva & Sterman 2001, 2010; C15)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import nan_to, unit
from sim.params import UNIT, param


@dataclass
class ServiceStandardsParams:
    """``dynamics.service_standards``.

    How far quality may exceed the standard is ``dynamics.service.standard_slack``.
    """

    drift: float = param(*UNIT, doc="weekly drift of an unanchored standard toward delivered quality", unit="per week")
    anchor: float = param(*UNIT, doc="weekly pull of an anchored standard back up", unit="per week")
    initial: float = param(*UNIT, doc="every team's standard at the start", unit="level")


def update_standard(
    standard: np.ndarray,
    quality: np.ndarray,
    anchoring: np.ndarray,
    cfg: ServiceStandardsParams,
) -> np.ndarray:
    """std <- std + drift * (1 - A) * (Q - std) + anchor * A * (1 - std).

    Q is the team's delivered quality; A = max(leader's vision, standards in appraisal) is how
    firmly the standard is anchored. Unanchored, the standard follows performance down under
    pressure and stays there (erosion); anchored, it is pulled back up. Teams with no quality
    measured this week (no members) keep their standard.
    """
    q = nan_to(quality, standard)
    new = standard + cfg.drift * (1.0 - anchoring) * (q - standard) + cfg.anchor * anchoring * (1.0 - standard)
    return unit(new)
