"""Service encounters: workload, capability, delivered quality and internal service (C1, C7, C15)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.numerics import group_mean, nan_to, unit
from sim.params import UNIT, param


@dataclass
class ServiceParams:
    """``dynamics.service``: effort, the quality weights and what caps and lowers delivered quality.

    ``hidden_penalty`` is the quality cost of the hidden mistakes of ``sim.mechanisms.mistakes``;
    ``standard_slack`` is how far quality may exceed the standard of ``sim.mechanisms.service_standards``.
    """

    normal_engagement: float = param(0.01, 1, doc="engagement at which a person carries a full workload", unit="level")
    pressure_effect: float = param(*UNIT, doc="theta: share of capability lost at full pressure", unit="share")
    standard_slack: float = param(*UNIT, doc="how far people may exceed the standard they hold", unit="level")
    hidden_penalty: float = param(*UNIT, doc="quality lost per hidden mistake", unit="level")
    w_skill: float = param(0, 10, doc="w_s: weight of skill in capability", unit="weight")
    w_orientation: float = param(0, 10, doc="w_x: weight of service orientation in capability", unit="weight")
    w_engagement: float = param(0, 10, doc="w_e: weight of engagement in capability", unit="weight")
    w_internal: float = param(0, 10, doc="w_i: weight of internal service received in capability", unit="weight")
    w_process: float = param(0, 10, doc="w_p: weight of the team's process quality in capability", unit="weight")
    noise: float = param(0, 1, doc="sd of delivered quality around what a person can deliver", unit="sd")


def effort(e: np.ndarray, cfg: ServiceParams) -> np.ndarray:
    """The share of a full workload a person carries, min(1, e / e_normal): the disengaged withhold
    effort and their colleagues carry it (Felps, Mitchell & Byington 2006)."""
    return np.minimum(e / max(cfg.normal_engagement, 1e-12), 1.0)


def routed_customers(customers: np.ndarray, capacity: np.ndarray, frontline_team: np.ndarray) -> np.ndarray:
    """The customers whose work each frontline team carries: the organisation's customers shared out in
    proportion to the teams' capacity, N_T^work = (sum_F N_F) * cap_T / sum_F cap_F.

    Work goes where the capacity is (queues, appointment books, routing, and staffing that follows demand
    over the planning horizon), so a team's work pressure comes from the organisation's demand per seat,
    its own vacancies and its people's effort, not from how loyal its own customers are. Without this, a
    team whose customers stay (happier segment) would carry more work and serve worse, and across teams
    better service would go with less satisfied customers, the service-profit chain run backwards. The
    organisation-wide loop of Oliva & Sterman (2001) stays: more customers load every team.
    """
    total_capacity = float(capacity[frontline_team].sum())
    if total_capacity <= 0.0:
        return np.zeros_like(customers)
    share = np.where(frontline_team, capacity / total_capacity, 0.0)
    return float(customers[frontline_team].sum()) * share


def team_pressure(
    demand: np.ndarray,
    customers: np.ndarray,
    per_seat: float,
    open_seats: np.ndarray,
    effort_sum: np.ndarray,
    frontline_team: np.ndarray,
) -> np.ndarray:
    """Work pressure per team, p_T = clip(load_T - 1, 0, 1), with

        frontline:   load = demand * routed customers / (per_seat * sum of effort of the staff there)
        back office: load = demand * open staff seats / sum of effort of the staff there

    Vacancies, withheld effort and a growing customer base raise the load of the people who are there;
    ``customers`` are the customers routed to each team (``routed_customers``).
    """
    need = np.where(frontline_team, customers / max(per_seat, 1e-12), open_seats)
    # work with nobody to do it is full pressure; a unit with no staff seats (leaders only) has none
    unstaffed = np.where(need > 0, 2.0, 0.0)
    # effort below 1e-12 of a person is no effort: the load saturates instead of overflowing
    load = demand * np.divide(need, np.maximum(effort_sum, 1e-12), out=unstaffed, where=effort_sum > 0)
    return unit(load - 1.0)


def capability(
    skill: np.ndarray,
    x: np.ndarray,
    e: np.ndarray,
    internal: np.ndarray,
    process: np.ndarray,
    has_internal: np.ndarray,
    cfg: ServiceParams,
) -> np.ndarray:
    """cap = (w_s s + w_x x + w_e e + w_i [has provider] IQ + w_p P) / (sum of the weights used).

    Engagement enters quality directly: how leaders treat employees mirrors onto customers (C7).
    Frontline staff also depend on the internal service the back office gives them (C1).
    """
    wi = cfg.w_internal * has_internal
    num = cfg.w_skill * skill + cfg.w_orientation * x + cfg.w_engagement * e + wi * internal + cfg.w_process * process
    return num / np.maximum(cfg.w_skill + cfg.w_orientation + cfg.w_engagement + wi + cfg.w_process, 1e-300)


def deliver(
    cap: np.ndarray,
    pressure: np.ndarray,
    standard: np.ndarray,
    hidden: np.ndarray,
    noise: np.ndarray | float,
    cfg: ServiceParams,
) -> np.ndarray:
    """q = clip(min(cap * (1 - theta * p), standard + slack) - penalty * hidden + noise, 0, 1),
    theta = ``pressure_effect``, slack = ``standard_slack``, penalty = ``hidden_penalty``.

    People deliver what they can under pressure, but no more than a little above the standard
    they hold (Oliva & Sterman 2001): an eroded standard caps quality after the pressure is gone.
    """
    q = np.minimum(cap * (1.0 - cfg.pressure_effect * pressure), standard + cfg.standard_slack)
    return unit(q - cfg.hidden_penalty * hidden + noise)


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
