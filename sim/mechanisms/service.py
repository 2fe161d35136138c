"""Service encounters: workload, capability, delivered quality and internal service (C1, C7, C15)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sim.numerics import group_mean, nan_to, unit


def effort(e: np.ndarray, normal_engagement: float) -> np.ndarray:
    """The share of a full workload a person carries, min(1, e / e_normal): the disengaged withhold
    effort and their colleagues carry it (Felps, Mitchell & Byington 2006)."""
    return np.minimum(e / max(normal_engagement, 1e-12), 1.0)


def team_pressure(
    demand: np.ndarray,
    customers: np.ndarray,
    per_seat: float,
    open_seats: np.ndarray,
    effort_sum: np.ndarray,
    frontline_team: np.ndarray,
) -> np.ndarray:
    """Work pressure per team, p_T = clip(load_T - 1, 0, 1), with

        frontline:   load = demand * customers / (per_seat * sum of effort of the staff there)
        back office: load = demand * open staff seats / sum of effort of the staff there

    Vacancies, withheld effort and a growing customer base raise the load of the people who are there.
    """
    need = np.where(frontline_team, customers / max(per_seat, 1e-12), open_seats)
    # work with nobody to do it is full pressure; a unit with no staff seats (leaders only) has none
    unstaffed = np.where(need > 0, 2.0, 0.0)
    load = demand * np.divide(need, effort_sum, out=unstaffed, where=effort_sum > 0)
    return unit(load - 1.0)


def capability(
    skill: np.ndarray,
    x: np.ndarray,
    e: np.ndarray,
    internal: np.ndarray,
    process: np.ndarray,
    has_internal: np.ndarray,
    w_skill: float,
    w_orientation: float,
    w_engagement: float,
    w_internal: float,
    w_process: float,
) -> np.ndarray:
    """cap = (w_s s + w_x x + w_e e + w_i [has provider] IQ + w_p P) / (sum of the weights used).

    Engagement enters quality directly: how leaders treat employees mirrors onto customers (C7).
    Frontline staff also depend on the internal service the back office gives them (C1).
    """
    wi = w_internal * has_internal
    num = w_skill * skill + w_orientation * x + w_engagement * e + wi * internal + w_process * process
    return num / (w_skill + w_orientation + w_engagement + wi + w_process)


def deliver(
    cap: np.ndarray,
    pressure: np.ndarray,
    standard: np.ndarray,
    slack: float,
    hidden: np.ndarray,
    hidden_penalty: float,
    pressure_effect: float,
    noise: np.ndarray,
) -> np.ndarray:
    """q = clip(min(cap * (1 - theta * p), standard + slack) - penalty * hidden + noise, 0, 1).

    People deliver what they can under pressure, but no more than a little above the standard
    they hold (Oliva & Sterman 2001): an eroded standard caps quality after the pressure is gone.
    """
    q = np.minimum(cap * (1.0 - pressure_effect * pressure), standard + slack)
    return unit(q - hidden_penalty * hidden + noise)


def internal_service(
    performance: np.ndarray,
    team: np.ndarray,
    backoffice: np.ndarray,
    serves: sp.csr_matrix,
    n_teams: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Internal service received per team: the mean last-week quality of the back-office teams that
    serve it, IQ_f = sum_b serves[f, b] * q_b / sum_b serves[f, b] over staffed b.

    Returns ``(IQ per team, has_provider per team)``.
    """
    q_team = group_mean(performance, team, backoffice.astype(np.float64), n_teams)
    staffed = np.isfinite(q_team).astype(np.float64)
    den = serves @ staffed
    num = serves @ nan_to(q_team, 0.0)
    has = den > 0
    return np.divide(num, den, out=np.zeros(n_teams), where=has), has
