"""Training and practice: knowledge becomes skill only when applied (C4, C14)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import unit
from sim.params import UNIT, param


@dataclass
class TrainingParams:
    """``dynamics.training``."""

    application_rate: float = param(*UNIT)  # weekly share of the knowledge-skill gap applied, at best
    decay: float = param(*UNIT)  # weekly fading of knowledge that is not applied
    orientation_gain: float = param(*UNIT)  # g: transient lift of orientation by a training event
    sharing: float = param(*UNIT)  # weekly teaching by a leader who shares knowledge


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


def practise(
    knowledge: np.ndarray,
    skill: np.ndarray,
    x: np.ndarray,
    c: np.ndarray,
    practice: np.ndarray,
    cfg: TrainingParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly application of what was learnt.

        a     = application_rate * x * (1 - c) * (0.2 + 0.8 * practice)   practice = policy x leader support
        gap   = max(k - skill, 0)
        skill <- skill + a * gap
        k     <- k - decay * (1 - a) * gap                                  unapplied knowledge fades

    Without practice the gap mostly decays away (a transient gain); with practice it becomes
    lasting skill (C4). Cynicism blocks application, so training and curbing negative talk
    interact (C14).
    """
    a = cfg.application_rate * x * (1.0 - c) * (0.2 + 0.8 * practice)
    gap = np.maximum(knowledge - skill, 0.0)
    skill = unit(skill + a * gap)
    knowledge = unit(knowledge - cfg.decay * (1.0 - a) * gap)
    return knowledge, skill


def share_knowledge(
    knowledge: np.ndarray, skill_l: np.ndarray, sharing_l: np.ndarray, cfg: TrainingParams
) -> np.ndarray:
    """k <- k + sharing * s_l * max(skill_l - k, 0): a leader who shares (not hoards) knowledge teaches (C6)."""
    return unit(knowledge + cfg.sharing * sharing_l * np.maximum(skill_l - knowledge, 0.0))
