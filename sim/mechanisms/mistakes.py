"""Mistakes, how leaders react to them, and psychological safety (C5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import bernoulli, unit
from sim.params import UNIT, param


@dataclass
class MistakesParams:
    """``dynamics.mistakes``. What a hidden mistake costs in quality is ``dynamics.service.hidden_penalty``."""

    rate: float = param(*UNIT, doc="weekly chance of a mistake at zero skill and no pressure", unit="per week")
    safety_rate: float = param(*UNIT, doc="weekly speed at which safety follows a leader's reactions", unit="per week")
    learning: float = param(
        *UNIT, doc="skill learnt from a reported mistake, as a share of the gap to 1", unit="factor"
    )
    support_share: float = param(
        *UNIT, doc="share of the safety a tolerant leader offers that rests on support", unit="share"
    )
    gossip_damage: float = param(*UNIT, doc="share of that safety a fully gossiping leader destroys", unit="share")
    reaction_floor: float = param(
        0, 10, doc="how fast safety follows a leader with no report, in reports", unit="factor"
    )
    learning_floor: float = param(0, 10, doc="learning from a report under a leader with no tolerance", unit="factor")
    blame: float = param(*UNIT, doc="share of engagement a blamed report costs", unit="factor")


def make_mistakes(
    skill: np.ndarray,
    pressure: np.ndarray,
    safety: np.ndarray,
    filled: np.ndarray,
    cfg: MistakesParams,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mistakes this week, split into reported and hidden.

        P(mistake) = rate * (1 - skill) * (1 + pressure);   P(reported | mistake) = safety.

    Returns ``(reported, hidden)`` per person (counts; expected values without a generator).
    """
    made = bernoulli(cfg.rate * (1.0 - skill) * (1.0 + pressure), rng) * filled
    reported = made * bernoulli(safety, rng)
    return reported, made - reported


def react_to_mistakes(
    safety: np.ndarray,
    skill: np.ndarray,
    e: np.ndarray,
    reported: np.ndarray,
    tolerance_l: np.ndarray,
    support_l: np.ndarray,
    gossip_l: np.ndarray,
    cfg: MistakesParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A leader's reaction turns a reported "oops" into learning, or into fear (C5).

        sigma* = T_l * (1 - support_share + support_share * support_l) * (1 - gossip_damage * gossip_l)
        safety <- safety + safety_rate * (reaction_floor + R) * (sigma* - safety)   reactions teach fastest
        skill  <- skill + learning * R * (learning_floor + T_l) * (1 - skill)       learning from reports
        e      <- e - blame * R * (1 - T_l) * e                                     blame disengages

    (defaults support_share 0.4, gossip_damage 0.5, reaction_floor 0.25, learning_floor 0.5, blame 0.1:
    assumptions.)

    Hidden mistakes teach nothing; they cost quality (``service.deliver``). Tolerance raises
    safety, so more mistakes are reported and learnt from: early visible errors, later skill.
    """
    target = (
        tolerance_l * (1.0 - cfg.support_share + cfg.support_share * support_l) * (1.0 - cfg.gossip_damage * gossip_l)
    )
    safety = unit(safety + cfg.safety_rate * (cfg.reaction_floor + reported) * (target - safety))
    skill = unit(skill + cfg.learning * reported * (cfg.learning_floor + tolerance_l) * (1.0 - skill))
    e = unit(e - cfg.blame * reported * (1.0 - tolerance_l) * e)
    return safety, skill, e
