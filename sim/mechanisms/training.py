"""Training and practice: knowledge becomes skill only when applied (C4, C14)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class TrainingParams:
    """``dynamics.training``."""

    application_rate: float = param(
        *UNIT, doc="weekly share of the knowledge-skill gap applied, at best", unit="per week"
    )
    decay: float = param(*UNIT, doc="weekly fading of knowledge that is not applied", unit="per week")
    orientation_gain: float = param(*UNIT, doc="g: transient lift of orientation by a training event", unit="factor")
    forgetting: float = param(*UNIT, doc="weekly loss of unpractised skill above the job's floor", unit="per week")
    everyday_use: float = param(
        *UNIT, doc="u0: share of one's skill practised without any practice support", unit="share"
    )
    support_share: float = param(
        *UNIT, doc="share of practice support that rests on the leader's support", unit="share"
    )
    sharing: float = param(
        *UNIT, doc="weekly spread of the team's best practice under a leader who shares knowledge", unit="per week"
    )


def train(
    knowledge: np.ndarray,
    x: np.ndarray,
    c: np.ndarray,
    habit: np.ndarray,
    selected: np.ndarray,
    dose: float,
    cfg: TrainingParams,
) -> tuple[np.ndarray, np.ndarray]:
    """A training event for the ``selected`` seats.

    k <- k + dose * (1 - k)
    x <- x + g * dose * (1 - c) * (1 - h) * (1 - x)   a transient lift; cynics shrug it off (C14)
    """
    sel = selected.astype(np.float64) * dose
    knowledge = unit(knowledge + sel * (1.0 - knowledge))
    x = unit(x + cfg.orientation_gain * sel * (1.0 - c) * (1.0 - habit) * (1.0 - x))
    return knowledge, x


def practice(policy: float, support_l: np.ndarray, cfg: TrainingParams) -> np.ndarray:
    """How much of what one learnt one gets to practise: the policy (``policies.practice_support``) as
    a leader carries it, ``policy * (1 - support_share + support_share * support_l)`` (default share 0.5,
    an assumption): a supportive leader makes room for practice."""
    return policy * (1.0 - cfg.support_share + cfg.support_share * support_l)


def practise(
    knowledge: np.ndarray,
    skill: np.ndarray,
    x: np.ndarray,
    c: np.ndarray,
    practice: np.ndarray,
    floor: float,
    cfg: TrainingParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly application of what was learnt, and the fading of what is not practised.

        u     = u0 + (1 - u0) * practice                share of what one can do that one gets to practise
                                                         (u0 = everyday_use, 0.2: an assumption; practice
                                                         from ``practice``)
        a     = application_rate * x * (1 - c) * u
        gap   = max(k - skill, 0)
        skill <- skill + a * gap - forgetting * (1 - u) * max(skill - floor, 0)
        k     <- k - decay * (1 - a) * gap              unapplied knowledge fades

    Knowledge becomes skill only when applied, and skill above what everyday work keeps up (``floor``,
    the labour market's typical skill) fades unless practised: half of an unpractised gain is lost in
    about 11 months for mixed speed-accuracy tasks (Tatel & Ackerman, Psychological Bulletin, meta-analysis
    of 457 reports; Arthur et al. 1998), ``forgetting`` = ln 2 / 48 weeks at no practice. So training
    without practice leaves a transient gain, with practice a lasting one (C4), and supporting practice
    pays in ordinary weeks too. Cynicism blocks application, so training and curbing negative talk
    interact (C14).
    """
    use = cfg.everyday_use + (1.0 - cfg.everyday_use) * practice
    a = cfg.application_rate * x * (1.0 - c) * use
    gap = np.maximum(knowledge - skill, 0.0)
    skill = unit(skill + a * gap - cfg.forgetting * (1.0 - use) * np.maximum(skill - floor, 0.0))
    knowledge = unit(knowledge - cfg.decay * (1.0 - a) * gap)
    return knowledge, skill


def share_knowledge(
    knowledge: np.ndarray, best_practice: np.ndarray, sharing_l: np.ndarray, cfg: TrainingParams
) -> np.ndarray:
    """k <- k + sharing * s_l * max(B - k, 0), B = the best skill in one's team, its leader's included.

    A leader who shares knowledge, and gets the team to share it, spreads best practice: what the most
    skilled person in the team can do becomes knowledge for the others, which practice then turns into
    skill (``practise``). A leader who hoards it (Manager A, seed 001) keeps each person to what they
    learn alone (C6).
    """
    return unit(knowledge + cfg.sharing * sharing_l * np.maximum(best_practice - knowledge, 0.0))
