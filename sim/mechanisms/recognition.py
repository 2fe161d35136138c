"""Recognition of good service: private and public, with peer spill-over; standards in appraisal (C12)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from sim.numerics import group_sum, unit
from sim.params import UNIT, param


@dataclass
class RecognitionParams:
    """``dynamics.recognition``. How often leaders recognise is their style (``recognition_rate``)."""

    engagement_gain: float = param(
        *UNIT, doc="g_e: engagement lift of a recognition, as a share of the gap to 1", unit="factor"
    )
    orientation_gain: float = param(
        *UNIT, doc="g_x: orientation lift of a recognition, as a share of the gap to 1", unit="factor"
    )
    spillover: float = param(*UNIT, doc="weight of a teammate's public recognition on oneself", unit="weight")
    observation_noise: float = param(0, 1, doc="sd of a leader's view of a person's score", unit="sd")


def recognise(
    performance: np.ndarray,
    x: np.ndarray,
    norm: np.ndarray,
    appraisal: float,
    rate_l: np.ndarray,
    eligible: np.ndarray,
    cfg: RecognitionParams,
    rng: np.random.Generator | None,
) -> np.ndarray:
    """Who is recognised this week (1.0/0.0; the probability without a generator).

    The leader sees the score (1 - a) * q + a * x + N(0, noise), where a = weight of service standards
    in appraisal and noise = ``observation_noise``, and recognises it with probability r_l when it beats the team norm:

        P(recognised) = r_l * P(score > norm) = r_l * Phi((E[score] - norm) / noise).
    """
    score = (1.0 - appraisal) * performance + appraisal * x
    noise = cfg.observation_noise
    if rng is None:
        if noise > 0:
            # a subnormal noise overflows the ratio to +-inf, whose Phi (1 or 0) is the right limit
            with np.errstate(over="ignore"):
                above = ndtr((score - norm) / noise)
        else:
            above = (score > norm).astype(np.float64)
        return rate_l * above * eligible
    seen = score + rng.normal(0.0, noise, score.size) if noise > 0 else score
    return ((seen > norm) & (rng.random(score.size) < rate_l) & eligible).astype(np.float64)


def apply_recognition(
    e: np.ndarray,
    x: np.ndarray,
    habit: np.ndarray,
    recognised: np.ndarray,
    public_l: np.ndarray,
    team: np.ndarray,
    filled: np.ndarray,
    n_teams: int,
    cfg: RecognitionParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Recognition raises engagement and reinforces orientation; public praise nudges the team.

        e <- e + g_e * (R + spill * P_T) * (1 - e)
        x <- x + g_x * (R + spill * P_T) * (1 - h) * (1 - x)

    where R is being recognised and P_T = sum of public recognitions in one's team / team members
    (public share = the leader's ``recognition_public``). Public > private through P_T (C12).
    """
    f = filled.astype(np.float64)
    members = np.bincount(team, weights=f, minlength=n_teams)
    public = group_sum(recognised * public_l, team, f, n_teams)
    share = np.divide(public, members, out=np.zeros(n_teams), where=members > 0)[team]
    dose = recognised + cfg.spillover * share
    e = unit(e + cfg.engagement_gain * dose * (1.0 - e))
    x = unit(x + cfg.orientation_gain * dose * (1.0 - habit) * (1.0 - x))
    return e, x
