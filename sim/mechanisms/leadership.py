"""Leadership signal and trust in one's leader (C1, C2, C6, C8, C9)."""

from __future__ import annotations

import numpy as np


def trust_target(integrity_l: np.ndarray, support_l: np.ndarray, gossip_l: np.ndarray) -> np.ndarray:
    """The trust a leader earns: tau* = iota_l * (0.5 + 0.5 * support_l) * (1 - 0.5 * gossip_l).

    Say-do consistency (behavioural integrity, iota) caps trust (C2); support raises it and a
    leader who breaks confidences loses it (Manager A vs B, C6).
    """
    return integrity_l * (0.5 + 0.5 * support_l) * (1.0 - 0.5 * gossip_l)


def update_trust(
    trust: np.ndarray,
    target: np.ndarray,
    rate: float,
    shock: float,
    transparency_l: np.ndarray,
    shock_trust: float,
) -> np.ndarray:
    """tau <- tau + rate * (tau* - tau) - shock * shock_trust * (1 - transparency_l) * tau.

    A shock week (restructuring, cost cut; ``shock`` = its intensity) costs trust unless the
    leader communicates transparently (C8).
    """
    trust = trust + rate * (target - trust) - shock * shock_trust * (1.0 - transparency_l) * trust
    return np.clip(trust, 0.0, 1.0)


def leader_signal(
    x: np.ndarray,
    trust_in_source: np.ndarray,
    habit: np.ndarray,
    vision_l: np.ndarray,
    x_l: np.ndarray,
    pull: float,
) -> np.ndarray:
    """x <- x + pull * tau * (1 - h) * (v_l * x_l) * (1 - x).

    A leader's message strength is vision clarity times the leader's own orientation; reports take
    it in proportion to their trust and their openness to change (1 - habit). It pulls toward the
    service ideal, so a clear vision lifts orientation everywhere (C1); it flows only through trust
    (C2); and, since each leader's orientation is itself moved by their own leader's message, a change
    at the top reaches the front with a lag that grows with depth (C9).
    """
    return np.clip(x + pull * trust_in_source * (1.0 - habit) * vision_l * x_l * (1.0 - x), 0.0, 1.0)
