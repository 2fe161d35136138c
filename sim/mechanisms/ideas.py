"""Frontline ideas, evaluated and resourced by leaders, lift team processes (C4, C6)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import binomial, poisson, unit
from sim.params import UNIT, param


@dataclass
class IdeasParams:
    """``dynamics.ideas``. ``process_baseline`` is also every team's process quality at the start."""

    rate: float = param(0, 10, doc="ideas a week from a fully engaged, safe, supported person", unit="per week")
    lift: float = param(*UNIT, doc="process gain per adopted idea per head, as a share of the gap to 1", unit="factor")
    process_decay: float = param(*UNIT, doc="weekly slide of a team's process back to the baseline", unit="per week")
    process_baseline: float = param(
        *UNIT, doc="process quality a team slides back to, and every team's at the start", unit="level"
    )
    support_share: float = param(
        *UNIT, doc="share of speaking up that rests on being asked (the leader's support)", unit="share"
    )
    heard_gain: float = param(*UNIT, doc="engagement an adopted idea adds, as a share of the gap to 1", unit="factor")
    ignored_loss: float = param(*UNIT, doc="share of engagement an idea not taken up costs", unit="factor")


def propose_and_adopt(
    e: np.ndarray,
    safety: np.ndarray,
    support_l: np.ndarray,
    idea_support_l: np.ndarray,
    filled: np.ndarray,
    cfg: IdeasParams,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ideas this week: proposed ~ Poisson(rate * e * safety * (1 - support_share + support_share * support_l)),
    adopted ~ Binomial(proposed, idea_support_l).

    Engaged people who feel safe, asked for their opinion, speak up; leaders adopt in proportion
    to their idea support.
    """
    asked = 1.0 - cfg.support_share + cfg.support_share * support_l
    proposed = poisson(cfg.rate * e * safety * asked * filled, rng)
    adopted = binomial(proposed, idea_support_l, rng)
    return proposed, adopted


def lift_process(
    process: np.ndarray,
    adopted_per_team: np.ndarray,
    members: np.ndarray,
    cfg: IdeasParams,
) -> np.ndarray:
    """P_T <- P_T + lift * (A_T / members_T) * (1 - P_T) - process_decay * (P_T - process_baseline).

    Adopted ideas per head improve the team's process; without new ideas processes slide back.
    """
    per_head = np.divide(adopted_per_team, members, out=np.zeros_like(process), where=members > 0)
    return unit(process + cfg.lift * per_head * (1.0 - process) - cfg.process_decay * (process - cfg.process_baseline))


def idea_engagement(e: np.ndarray, proposed: np.ndarray, adopted: np.ndarray, cfg: IdeasParams) -> np.ndarray:
    """e <- e + heard_gain * A * (1 - e) - ignored_loss * (P - A) * e: being heard engages, being ignored
    does not (defaults 0.05 and 0.02: assumptions)."""
    return unit(e + cfg.heard_gain * adopted * (1.0 - e) - cfg.ignored_loss * (proposed - adopted) * e)
