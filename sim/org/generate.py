"""A generated organisation: departments of teams of equal size, with random peer and cross-team ties
and internal-service links (``org.source=generated``). The random pair makers are shared with imported
orgs that bring no ties of their own (``sim.org.files``).
"""

from __future__ import annotations

import numpy as np

from sim.org.structure import Org, assemble


def within_group_pairs(groups: np.ndarray, prob: float, rng: np.random.Generator) -> np.ndarray:
    """Random pairs inside each group (an Erdos-Renyi graph per group with edge probability ``prob``).

    ``groups`` gives a group id per seat (-1 = none). Vectorised per distinct group size.
    """
    seats = np.flatnonzero(groups >= 0)
    order = seats[np.argsort(groups[seats], kind="stable")]
    ids, starts, sizes = np.unique(groups[order], return_index=True, return_counts=True)
    out = []
    for size in np.unique(sizes):
        if size < 2:
            continue
        first = starts[sizes == size]
        a, b = np.triu_indices(size, k=1)
        keep = rng.random((first.size, a.size)) < prob
        g, k = np.nonzero(keep)
        out.append(np.column_stack([order[first[g] + a[k]], order[first[g] + b[k]]]))
    return np.concatenate(out) if out else np.empty((0, 2), dtype=np.int64)


def build_org(cfg, rng: np.random.Generator) -> Org:
    """Generate an organisation from an ``OrgConfig``.

    Seats are numbered executive (0), department heads, team leads, then staff team by team.
    ``rng`` is the org's own generator (drawn from the model's), so the same seed gives the same org.
    """
    d, t, k = int(cfg.departments), int(cfg.teams_per_department), int(cfg.team_size)
    n_teams = d * t
    heads = 1 + np.arange(d)
    leads = 1 + d + np.arange(n_teams)
    first_staff = 1 + d + n_teams
    n = first_staff + n_teams * k
    manager = np.empty(n, dtype=np.int64)
    manager[0] = -1
    manager[heads] = 0
    manager[leads] = heads[np.arange(n_teams) // t]
    staff_team = np.repeat(np.arange(n_teams), k)
    manager[first_staff:] = leads[staff_team]

    n_front = int(round(cfg.frontline_share * n_teams))
    frontline_teams = rng.permutation(n_teams)[:n_front]
    frontline_leaders = np.zeros(n, dtype=bool)
    frontline_leaders[leads[frontline_teams]] = True

    peer_pairs = within_group_pairs(manager, cfg.peer_tie_prob, rng)
    staff = np.arange(first_staff, n)
    cross = cross_team_pairs(staff, manager, float(cfg.cross_ties_per_person), rng)
    serves = internal_service_links(leads, frontline_leaders, manager, int(cfg.served_teams), rng)

    is_open = np.ones(n, dtype=bool)
    filled = np.ones(n, dtype=bool)
    shuffled = rng.permutation(staff)
    n_reserve = int(round(cfg.reserve_share * staff.size))
    n_vacant = int(round(cfg.vacancy_share * staff.size))
    is_open[shuffled[:n_reserve]] = False
    filled[shuffled[: n_reserve + n_vacant]] = False
    return assemble(manager, frontline_leaders, peer_pairs, cross, serves, is_open, filled)


def cross_team_pairs(staff: np.ndarray, manager: np.ndarray, per_person: float, rng: np.random.Generator) -> np.ndarray:
    """Random ties between staff seats of different teams, ``per_person`` of them per seat on average.

    Pairs are drawn uniformly from ``staff`` and those inside one team dropped, so the realised mean
    is a little under ``per_person`` in small orgs.
    """
    n_cross = int(round(per_person * staff.size / 2))
    cross = rng.choice(staff, size=(n_cross, 2)) if staff.size else np.empty((0, 2), dtype=np.int64)
    return cross[manager[cross[:, 0]] != manager[cross[:, 1]]]


def internal_service_links(
    team_leaders: np.ndarray,
    frontline_leaders: np.ndarray,
    group: np.ndarray,
    per_team: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each back-office team serves ``per_team`` frontline teams (C1), those of its own group first.

    Parameters
    ----------
    team_leaders : seats of the leaders of the teams that may serve or be served (work teams).
    frontline_leaders : (n,) bool, the team this seat leads serves customers.
    group : (n,) a grouping key per seat (the department head, or the department index); a back-office
        team picks among the frontline teams of its own group, or among all when its group has none.
    per_team : frontline teams per back-office team (fewer when fewer exist).

    Returns
    -------
    (k, 2) ``(backoffice_leader_seat, frontline_leader_seat)`` pairs.
    """
    front = team_leaders[frontline_leaders[team_leaders]]
    back = team_leaders[~frontline_leaders[team_leaders]]
    if per_team == 0 or front.size == 0 or back.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    links = []
    for key in np.unique(group[back]):
        own_back = back[group[back] == key]
        own_front = front[group[front] == key]
        pool = own_front if own_front.size else front
        m = min(per_team, pool.size)
        picks = np.argsort(rng.random((own_back.size, pool.size)), axis=1)[:, :m]
        links.append(np.column_stack([np.repeat(own_back, m), pool[picks].ravel()]))
    return np.concatenate(links)
