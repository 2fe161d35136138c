"""Negative talk (cynicism about customers and the organisation), spread with a negativity bias (C14)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class NegativeTalkParams:
    """``dynamics.negative_talk``. Talk spreads over the ties weighted by ``dynamics.influence``."""

    rate: float = param(*UNIT, doc="weekly speed at which cynicism follows its target", unit="per week")
    bias: float = param(1, 20, doc="negativity bias: how much more bad talk weighs than good", unit="factor")
    gossip_seed: float = param(*UNIT, doc="cynicism seeded by a gossiping leader", unit="factor")
    hypocrisy: float = param(
        *UNIT, doc="cynicism seeded by a vision the leader does not live, curbed by one lived (C2)", unit="factor"
    )
    drag: float = param(*UNIT, doc="weekly pull of cynicism on orientation", unit="per week")
    rumour: float = param(*UNIT, doc="cynicism seeded by a shock communicated opaquely (C8)", unit="factor")
    whiplash: float = param(0, 10, doc="cynicism seeded by a withdrawn recognition programme (C15)", unit="factor")


def spread_cynicism(
    c: np.ndarray,
    ties: sp.csr_matrix,
    filled: np.ndarray,
    gossip_l: np.ndarray,
    vision_l: np.ndarray,
    integrity_l: np.ndarray,
    curb: float,
    cfg: NegativeTalkParams,
    unrest: np.ndarray | float = 0.0,
) -> np.ndarray:
    """c <- c + rate * (c* - c), with

        cbar = tie-weighted mean of neighbours' cynicism (filled seats),
        b    = bias * cbar / (bias * cbar + 1 - cbar)            negativity bias: bad talk weighs more,
        s    = gossip_seed * g_l + hypocrisy * v_l * (1 - 2 iota_l)   seeded by a gossiping leader and by a
                                                                     vision the leader does not live (C2),
        c*   = clip((1 - curb) * (b + s * (1 - b)))                  norms and leaders can curb it,

    and then a jump c <- c + u * (1 - c) for this week's unrest u (``change_unrest``: C8, C15).

    A vision is words: the part of it the leader lives (iota_l) lends it credibility and answers the cynics,
    the part the leader does not live (1 - iota_l) is hypocrisy they can point to, so a clearer vision breeds
    cynicism only under a leader who does more saying than doing (iota_l < 1/2) and curbs it under one who
    walks the talk (Simons 2002, behavioural integrity; Reichers, Wanous & Austin 1997, cynicism about
    change fed by leaders who are not credible). Without seeds the uniform state c > 0 is stable only when
    (1 - curb) * bias > 1: talk then settles at c = ((1 - curb) * bias - 1) / (bias - 1), otherwise it
    dies out (C14).
    """
    f = filled.astype(np.float64)
    den = ties @ f
    cbar = np.divide(ties @ (f * c), den, out=c.copy(), where=den > 0)
    b = cfg.bias * cbar / (cfg.bias * cbar + 1.0 - cbar)
    s = np.clip(cfg.gossip_seed * gossip_l + cfg.hypocrisy * vision_l * (1.0 - 2.0 * integrity_l), -1.0, 1.0)
    target = unit((1.0 - curb) * (b + s * (1.0 - b)))
    c = c + cfg.rate * (target - c)
    return unit(c + unit(unrest) * (1.0 - c))


def change_unrest(
    shock: float,
    transparency_l: np.ndarray,
    recognition_drop: np.ndarray,
    cfg: NegativeTalkParams,
) -> np.ndarray:
    """u = rumour * shock * (1 - transparency_l) + whiplash * recognition_drop.

    Opaque change breeds rumours (C8); a programme withdrawn after it was announced ("flavour of
    the month") breeds cynicism about the next one, so an on-off programme does worse than a steady
    one of equal total effort (C15; Reichers, Wanous & Austin 1997). ``recognition_drop`` is the
    fall in one's leader's recognition rate since last week (0 when it rose).
    """
    return cfg.rumour * shock * (1.0 - transparency_l) + cfg.whiplash * recognition_drop


def cynicism_drag(x: np.ndarray, c: np.ndarray, habit: np.ndarray, cfg: NegativeTalkParams) -> np.ndarray:
    """x <- x - drag * c * (1 - h) * x: talking customers down erodes service orientation (C14)."""
    return unit(x - cfg.drag * c * (1.0 - habit) * x)
