"""Leadership signal and trust in one's leader (C1, C2, C6, C8, C9)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class LeadershipParams:
    """``dynamics.leadership``: how fast trust follows a leader and how strongly a leader's message pulls."""

    trust_rate: float = param(
        *UNIT, doc="weekly speed at which trust follows the trust a leader earns", unit="per week"
    )
    pull: float = param(*UNIT, doc="weekly strength of a leader's message on reports' orientation", unit="per week")
    shock_trust: float = param(
        *UNIT, doc="share of trust a full-intensity shock costs under an opaque leader (C8)", unit="share"
    )


def trust_target(
    integrity_l: np.ndarray,
    support_l: np.ndarray,
    skill_l: np.ndarray,
    gossip_l: np.ndarray,
    transparency_l: np.ndarray,
) -> np.ndarray:
    """The trust a leader earns: tau* = (iota_l + support_l + skill_l + (1 - gossip_l) + transparency_l) / 5.

    Trustworthiness as integrity, benevolence and ability (Mayer, Davis & Schoorman 1995), with
    discretion (keeping confidences, seed 001) and open, timely explanation of decisions (informational
    justice, Colquitt 2001; among the antecedents of trust in leaders in Dirks & Ferrin 2002) as two more
    faces: say-do consistency is one of five equal parts, so across leaders whose traits vary independently
    it explains about a fifth of trust's variance (r ~ 0.45). Manager B earns trust on every count, Manager A
    on none (C2, C6); a shock costs the trust of an opaque leader on top (``update_trust``, C8).
    """
    return (integrity_l + support_l + skill_l + (1.0 - gossip_l) + transparency_l) / 5.0


def update_trust(
    trust: np.ndarray,
    target: np.ndarray,
    shock: float,
    transparency_l: np.ndarray,
    cfg: LeadershipParams,
) -> np.ndarray:
    """tau <- tau + trust_rate * (tau* - tau) - shock * shock_trust * (1 - transparency_l) * tau.

    A shock week (restructuring, cost cut; ``shock`` = its intensity) costs trust unless the
    leader communicates transparently (C8).
    """
    trust = trust + cfg.trust_rate * (target - trust) - shock * cfg.shock_trust * (1.0 - transparency_l) * trust
    return unit(trust)


def leader_signal(
    x: np.ndarray,
    trust_in_source: np.ndarray,
    habit: np.ndarray,
    vision_l: np.ndarray,
    x_l: np.ndarray,
    cfg: LeadershipParams,
) -> np.ndarray:
    """x <- x + pull * tau * (1 - h) * (v_l * x_l) * (1 - x).

    A leader's message strength is vision clarity times the leader's own orientation; reports take
    it in proportion to their trust and their openness to change (1 - habit). It pulls toward the
    service ideal, so a clear vision lifts orientation everywhere (C1); it flows only through trust
    (C2); and, since each leader's orientation is itself moved by their own leader's message, a change
    at the top reaches the front with a lag that grows with depth (C9).
    """
    return unit(x + cfg.pull * trust_in_source * (1.0 - habit) * vision_l * x_l * (1.0 - x))
