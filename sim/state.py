"""People's state as numpy arrays, one array per variable, indexed by seat.

These arrays are the state of record; ``sim.agents`` exposes them as Mesa agents. A vacant or
closed seat keeps stale values that every mechanism masks out with ``filled``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import STYLE_LEVERS, StyleConfig
from sim.mechanisms.hiring import HiringParams
from sim.numerics import unit

PERSON_VARIABLES = (
    "orientation",  # service orientation: the culture variable
    "disposition",  # the orientation a person is anchored to (Friedkin-Johnsen x0)
    "engagement",
    "trust",  # trust in one's own leader
    "safety",  # psychological safety
    "skill",
    "knowledge",  # what training taught, not yet applied
    "habit",  # habit strength: resistance to change
    "cynicism",  # negative talk about customers and the organisation
    "performance",  # quality of service delivered last week
)


@dataclass(eq=False)
class People:
    """Per-seat state of the people in the seats."""

    orientation: np.ndarray
    disposition: np.ndarray
    engagement: np.ndarray
    trust: np.ndarray
    safety: np.ndarray
    skill: np.ndarray
    knowledge: np.ndarray
    habit: np.ndarray
    cynicism: np.ndarray
    performance: np.ndarray
    tenure: np.ndarray  # weeks in the seat
    misfit_weeks: np.ndarray  # consecutive weeks below the misfit threshold
    person_id: np.ndarray  # the occupant's unique id, -1 if vacant
    filled: np.ndarray
    open: np.ndarray  # the seat exists now (growth opens, decline closes)

    @classmethod
    def empty(cls, n: int) -> People:
        arrays = {name: np.zeros(n) for name in PERSON_VARIABLES}
        return cls(
            **arrays,
            tenure=np.zeros(n),
            misfit_weeks=np.zeros(n, dtype=np.int32),
            person_id=np.full(n, -1, dtype=np.int64),
            filled=np.zeros(n, dtype=bool),
            open=np.zeros(n, dtype=bool),
        )


@dataclass(eq=False)
class Styles:
    """Per-seat leadership style of the person in the seat (meaningful for leaders only)."""

    vision: np.ndarray
    integrity: np.ndarray
    support: np.ndarray
    recognition_rate: np.ndarray
    recognition_public: np.ndarray
    mistake_tolerance: np.ndarray
    idea_support: np.ndarray
    knowledge_sharing: np.ndarray
    gossip: np.ndarray
    transparency: np.ndarray
    style_id: np.ndarray  # index into ``names``
    names: tuple[str, ...]
    # every lever at once, one row per lever in STYLE_LEVERS order; the lever arrays above are its rows
    # (views), so a mechanism that treats all levers alike (role modelling) does one pass, not ten
    matrix: np.ndarray

    @classmethod
    def empty(cls, n: int, names: tuple[str, ...]) -> Styles:
        matrix = np.zeros((len(STYLE_LEVERS), n))
        return cls(
            **dict(zip(STYLE_LEVERS, matrix, strict=True)),
            style_id=np.full(n, -1, dtype=np.int16),
            names=names,
            matrix=matrix,
        )

    def assign(
        self,
        seats: np.ndarray,
        style: StyleConfig,
        style_id: int,
        spread: float,
        rng: np.random.Generator | None,
    ) -> None:
        """Give ``seats`` the style's levers plus N(0, spread) per leader and lever, clipped to [0, 1].

        ``spread`` is the inconsistency of messages across leaders (C11).
        """
        value = np.array([float(getattr(style, lever)) for lever in STYLE_LEVERS])[:, None]
        if rng is not None and spread > 0:
            # one draw for every lever: the same numbers, in the same order, as one draw per lever
            value = value + rng.normal(0.0, spread, (len(STYLE_LEVERS), seats.size))
        self.matrix[:, seats] = unit(value)  # without noise, one column broadcast to every seat
        self.style_id[seats] = style_id

    def set_lever(self, lever: str, seats: np.ndarray, value: float) -> None:
        """Set one lever of ``seats`` (an index or a bool mask) to ``value``."""
        self.matrix[STYLE_LEVERS.index(lever), seats] = value

    def copy_from(self, other: Styles, seats: np.ndarray) -> None:
        """Copy every lever (and the style id) of ``seats`` from ``other``."""
        self.matrix[:, seats] = other.matrix[:, seats]
        self.style_id[seats] = other.style_id[seats]


@dataclass(eq=False)
class TeamState:
    """Per-team state: process quality (lifted by adopted ideas), the service standard people hold,
    and, for frontline teams, their customers."""

    process: np.ndarray
    standard: np.ndarray
    customers: np.ndarray  # counts, zero outside the front line (never NaN)
    satisfaction: np.ndarray
    loyalty: np.ndarray
    demand: np.ndarray  # workload multiplier from events (1 = normal)
    expectation: np.ndarray  # what the team's customer segment expects, as an offset on quality


def draw_newcomers(
    count: int,
    selectivity: float,
    cfg: HiringParams,
    rng: np.random.Generator | None,
) -> dict[str, np.ndarray]:
    """People drawn from the labour market for ``count`` seats.

    Hiring for fit (C13): each hire is the best of ``1 + round(selectivity * (candidates_max - 1))``
    candidates by service orientation, each drawn from N(market_orientation, market_spread).
    With ``rng=None`` every newcomer gets the expected value of that best-of-k draw.
    """
    k = 1 + int(round(selectivity * (cfg.candidates_max - 1)))
    mean, sd = cfg.market_orientation, cfg.market_spread
    if rng is None:
        best = np.full(count, mean + sd * expected_max_of_normals(k))
        skill = np.full(count, cfg.market_skill)
        habit = np.full(count, cfg.habit_mean)
    else:
        best = mean + sd * rng.standard_normal((count, k)).max(axis=1)
        skill = cfg.market_skill + cfg.market_skill_spread * rng.standard_normal(count)
        habit = cfg.habit_mean + cfg.habit_spread * rng.standard_normal(count)
    x = unit(best)
    skill = unit(skill)
    return {
        "orientation": x,
        "disposition": x.copy(),
        "engagement": np.full(count, cfg.newcomer_engagement),
        "trust": np.full(count, cfg.newcomer_trust),
        "safety": np.full(count, cfg.newcomer_safety),
        "skill": skill,
        "knowledge": skill.copy(),
        "habit": unit(habit),
        "cynicism": np.full(count, cfg.newcomer_cynicism),
        "performance": skill.copy(),
    }


def expected_max_of_normals(k: int, samples: int = 200_001) -> float:
    """E[max of k standard normals], by quadrature over the max's density k * phi * Phi^(k-1)."""
    from scipy.stats import norm

    z = np.linspace(-8.0, 8.0, samples)
    density = k * norm.pdf(z) * norm.cdf(z) ** (k - 1)
    return float(np.trapezoid(z * density, z))
