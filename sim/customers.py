"""The customer population of each frontline team: satisfaction memory, loyalty, churn, acquisition, revenue.

Kept as counts per frontline team (not one object per customer), so it costs O(teams) a week.
Service-profit chain (Heskett et al. 1994): quality -> satisfaction -> retention -> revenue (C15).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.numerics import binomial, nan_to, poisson, unit


@dataclass(frozen=True)
class CustomerWeek:
    """One week's customer flows per team."""

    customers: np.ndarray
    satisfaction: np.ndarray
    loyalty: np.ndarray
    churned: np.ndarray
    acquired: np.ndarray


def update_customers(
    customers: np.ndarray,
    satisfaction: np.ndarray,
    loyalty: np.ndarray,
    quality: np.ndarray,
    capacity: np.ndarray,
    frontline_team: np.ndarray,
    expectation: np.ndarray,
    cfg,
    rng: np.random.Generator | None,
) -> CustomerWeek:
    """Advance every frontline team's customers by one week.

        S <- (1 - mu) S + mu clip(Q - delta_T)          satisfaction remembers past encounters, judged
                                                        against the segment's expectation offset delta_T
        L <- L + r_L (S - L)                            loyalty follows satisfaction slowly
        churned  ~ Binomial(N, base + sens (1 - S)(1 - L))
        acquired ~ Poisson(acq * S * max((1 + headroom) * capacity - N, 0))
                                                        word of mouth, into the room the team has left
        N <- N - churned + acquired

    Customer segments differ in what they expect (expectation disconfirmation, Oliver 1980), so
    service quality explains only part of the differences in satisfaction between teams; this is
    why the engagement-satisfaction correlation across teams is modest (Harter et al. 2002).
    ``quality`` is the team's mean delivered quality (NaN where nobody served); ``capacity`` is
    customers per seat times the team's open frontline seats; demand can outgrow it by at most
    ``headroom`` (the excess is work pressure, ``service.team_pressure``). Non-frontline teams stay at zero.
    """
    q = unit(nan_to(quality, 0.0) - expectation)
    served = frontline_team & np.isfinite(quality)
    mu = float(cfg.memory)
    satisfaction = np.where(served, (1.0 - mu) * satisfaction + mu * q, satisfaction)
    loyalty = np.where(frontline_team, loyalty + float(cfg.loyalty_rate) * (satisfaction - loyalty), loyalty)
    p_churn = float(cfg.base_churn) + float(cfg.churn_sensitivity) * (1.0 - satisfaction) * (1.0 - loyalty)
    churned = binomial(customers, p_churn, rng) * frontline_team
    room = np.maximum((1.0 + float(cfg.headroom)) * capacity - customers, 0.0)
    acquired = poisson(float(cfg.acquisition) * satisfaction * room * frontline_team, rng)
    return CustomerWeek(
        customers=np.maximum(customers - churned + acquired, 0.0),
        satisfaction=unit(satisfaction),
        loyalty=unit(loyalty),
        churned=churned,
        acquired=acquired,
    )
