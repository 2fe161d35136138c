"""Role modelling: leaders' behaviour trickles down from their own leader (C9).

Leaders copy the style of the leader they report to, in proportion to their trust in that leader,
while their own style pulls them back (Mayer et al. 2009, "How low does ethical leadership flow?";
the trickle-down model of leadership). Culture starts at the top because each level of leaders
passes on a little of the level above, so a change at the top reaches the front later the
deeper it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class RoleModellingParams:
    """``dynamics.role_modelling``."""

    rate: float = param(*UNIT, doc="weekly pull of one's own leader's style, scaled by trust in them", unit="per week")
    anchor: float = param(*UNIT, doc="weekly pull of a leader's personal style", unit="per week")


def model_on_boss(
    lever: np.ndarray,
    own: np.ndarray,
    boss_lever: np.ndarray,
    trust_in_boss: np.ndarray,
    active: np.ndarray,
    cfg: RoleModellingParams,
) -> np.ndarray:
    """s <- s + rate * tau * (s_boss - s) + anchor * (s_own - s), for the ``active`` leaders.

    ``own`` is the leader's personal style (what they were hired or changed to be); at rest a
    leader sits at (rate tau s_boss + anchor s_own) / (rate tau + anchor).

    ``lever``, ``own`` and ``boss_lever`` hold one lever per leader, or every lever at once (one
    row per lever); ``trust_in_boss`` and ``active`` are per leader.
    """
    new = lever + cfg.rate * trust_in_boss * (boss_lever - lever) + cfg.anchor * (own - lever)
    return np.where(active, unit(new), lever)
