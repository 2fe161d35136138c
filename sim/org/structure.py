"""Seats, teams and levels: the organisation as arrays and as a networkx graph.

Graph nodes are *positions* (seats), numbered 0..n-1; people occupy them (``sim.state``).
Every seat with reports leads one *team* (unit); every seat is a member of the team led by
its manager, the root of its own. Ties:

- ``reports_to``: seat -> its manager (the hierarchy);
- ``peer``: between members of the same team (density ``peer_tie_prob``);
- ``cross``: between staff of different teams (``cross_ties_per_person`` on average);
- ``internal_service``: between a back-office team's leader and the leaders of the frontline
  teams it serves (the team-level link is in ``Org.serves``).

Seats can be *closed* (reserve for growth), *open and vacant*, or *filled*; growth and
decline open and close seats, so the graph is never rebuilt (docs/model.md, growth and decline).
Generated orgs (``sim.org.generate``) and imported ones (``sim.org.files``) both end in :func:`assemble`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

EXECUTIVE, DEPARTMENT_HEAD, TEAM_LEAD, STAFF = 0, 1, 2, 3


@dataclass(eq=False)
class Org:
    """An organisation's structure; every array is indexed by seat or by team.

    Attributes
    ----------
    manager : (n,) int64, the manager's seat, -1 for the root.
    level : (n,) int16, depth below the root (0 = executive).
    team : (n,) int64, the team the seat is a member of (its manager's team; the root's own).
    leads : (n,) int64, the team the seat leads, -1 for staff.
    department : (n,) int64, index of the level-1 ancestor (0 for the root).
    frontline_team : (n_teams,) bool, the team serves customers.
    team_leader : (n_teams,) int64, seat of each team's leader.
    ties : (n, n) CSR, symmetric, values 1 for peer ties and 2 for cross-team ties.
    serves : (n_teams, n_teams) CSR, ``serves[f, b] = 1`` when back-office team b serves frontline team f.
    initially_open, initially_filled : (n,) bool.
    positions : (n, 2) float, a fixed layout for pictures (computed once per org, no spring layout).
    team_names : (n_teams,) str, each team's name as people say it (never blank): an imported org's
        from the client's files, a generated org's from its place (``default_team_names``).
    """

    manager: np.ndarray
    level: np.ndarray
    team: np.ndarray
    leads: np.ndarray
    department: np.ndarray
    frontline_team: np.ndarray
    team_leader: np.ndarray
    ties: sp.csr_matrix
    serves: sp.csr_matrix
    initially_open: np.ndarray
    initially_filled: np.ndarray
    positions: np.ndarray
    team_names: np.ndarray
    notes: list[str] = field(default_factory=list)

    PEER: int = 1
    CROSS: int = 2

    @property
    def n(self) -> int:
        return int(self.manager.size)

    @property
    def n_teams(self) -> int:
        return int(self.team_leader.size)

    @cached_property
    def is_leader(self) -> np.ndarray:
        return self.leads >= 0

    @cached_property
    def frontline(self) -> np.ndarray:
        """Seats that serve customers: staff (non-leaders) in frontline teams."""
        return self.frontline_team[self.team] & ~self.is_leader

    @cached_property
    def backoffice(self) -> np.ndarray:
        """Staff seats in teams that serve colleagues, not customers."""
        return ~self.frontline_team[self.team] & ~self.is_leader

    @cached_property
    def team_level(self) -> np.ndarray:
        return self.level[self.team_leader]

    @cached_property
    def team_size(self) -> np.ndarray:
        """Seats per team (open or not)."""
        return np.bincount(self.team, minlength=self.n_teams)

    @cached_property
    def peer_ties(self) -> sp.csr_matrix:
        return _select(self.ties, self.PEER)

    @cached_property
    def cross_ties(self) -> sp.csr_matrix:
        return _select(self.ties, self.CROSS)

    @cached_property
    def depth(self) -> int:
        return int(self.level.max()) + 1

    def graph(self) -> nx.Graph:
        """The org as a networkx graph: nodes are seats with their attributes, edges carry ``kind``."""
        g = nx.Graph()
        frontline = self.frontline
        g.add_nodes_from(
            (
                i,
                {
                    "level": int(self.level[i]),
                    "team": int(self.team[i]),
                    "leader": bool(self.leads[i] >= 0),
                    "frontline": bool(frontline[i]),
                },
            )
            for i in range(self.n)
        )
        child = np.flatnonzero(self.manager >= 0)
        g.add_edges_from(zip(child.tolist(), self.manager[child].tolist(), strict=True), kind="reports_to")
        for kind, code in (("peer", self.PEER), ("cross", self.CROSS)):
            upper = sp.triu(_select(self.ties, code), k=1).tocoo()
            g.add_edges_from(zip(upper.row.tolist(), upper.col.tolist(), strict=True), kind=kind)
        links = self.serves.tocoo()
        g.add_edges_from(
            zip(self.team_leader[links.col].tolist(), self.team_leader[links.row].tolist(), strict=True),
            kind="internal_service",
        )
        return g

    def select(self, target: str) -> np.ndarray:
        """Seats an event targets: all, frontline, backoffice, leaders, staff, level:N, team:N, department:N."""
        if target == "all":
            return np.ones(self.n, dtype=bool)
        if target == "frontline":
            return self.frontline_team[self.team] & (self.level > DEPARTMENT_HEAD)
        if target == "backoffice":
            return ~self.frontline_team[self.team] & (self.level > DEPARTMENT_HEAD)
        if target == "leaders":
            return self.is_leader.copy()
        if target == "staff":
            return ~self.is_leader
        kind, _, value = target.partition(":")
        number = int(value)
        if kind == "level":
            return self.level == number
        if kind == "team":
            return (self.team == number) | (self.leads == number)
        if kind == "department":
            return self.department == number
        raise ValueError(f"unknown target {target!r}")


def _select(ties: sp.csr_matrix, code: int) -> sp.csr_matrix:
    out = ties.copy()
    out.data = (out.data == code).astype(np.float64)
    out.eliminate_zeros()
    return out


class CycleError(ValueError):
    """The reports-to relation has a cycle; ``seats`` is one cycle, in reports-to order."""

    def __init__(self, seats: list[int]) -> None:
        super().__init__("the reports-to relation has a cycle")
        self.seats = seats


def levels_from_managers(manager: np.ndarray) -> np.ndarray:
    """Depth of every seat below its root by pointer jumping: O(n log depth), no loop per seat.

    ``dist[i]`` is the number of hops from i to ``anc[i]``; each round composes a jump with the
    ancestor's jump, so depth d needs ceil(log2 d) rounds. Raises ``CycleError`` (a ``ValueError``)
    naming the seats of one cycle.
    """
    dist = (manager >= 0).astype(np.int64)
    anc = manager.astype(np.int64).copy()
    for _ in range(int(np.ceil(np.log2(max(manager.size, 2)))) + 1):
        has = anc >= 0
        if not has.any():
            break
        up = anc[has]
        dist[has] = dist[has] + dist[up]
        anc[has] = anc[up]
    stuck = np.flatnonzero(anc >= 0)
    if stuck.size:
        # After >= n hops a seat that never reached a root stands on a cycle: walk that one cycle.
        start = int(anc[stuck[0]])
        cycle, seat = [start], int(manager[start])
        while seat != start:
            cycle.append(seat)
            seat = int(manager[seat])
        raise CycleError(cycle)
    if dist.max(initial=0) > np.iinfo(np.int16).max:
        raise ValueError(f"the reports-to relation is {int(dist.max())} levels deep: at most 32767 are supported")
    return dist.astype(np.int16)


def departments_from_managers(manager: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Index of each seat's level-1 ancestor (its department), numbered in seat order; -1 for a root.

    The ancestor ``level - 1`` hops up, by binary lifting: O(n log depth).
    """
    hops = np.maximum(level.astype(np.int64) - 1, 0)
    department = np.arange(manager.size, dtype=np.int64)
    jump = np.where(manager >= 0, manager, department)  # 2**bit hops up; a root stays put
    bit = 0
    while (hops >> bit).any():
        take = ((hops >> bit) & 1).astype(bool)
        department[take] = jump[department[take]]
        jump = jump[jump]
        bit += 1
    dept_index = np.full(manager.size, -1, dtype=np.int64)
    heads = np.flatnonzero(level == 1)
    dept_index[heads] = np.arange(heads.size)
    return np.where(level >= 1, dept_index[department], -1)


def assemble(
    manager: np.ndarray,
    frontline_leaders: np.ndarray,
    peer_pairs: np.ndarray,
    cross_pairs: np.ndarray,
    serves_pairs: np.ndarray,
    initially_open: np.ndarray,
    initially_filled: np.ndarray,
    notes: list[str] | None = None,
    team_names: np.ndarray | None = None,
) -> Org:
    """Derive levels, teams and departments from a reports-to array and put the org together.

    Parameters
    ----------
    manager : (n,) manager seat per seat, -1 for a root.
    frontline_leaders : (n,) bool, the team this seat leads serves customers.
    peer_pairs, cross_pairs : (k, 2) seat pairs (undirected; duplicates and self-pairs are dropped).
    serves_pairs : (k, 2) ``(backoffice_leader_seat, frontline_leader_seat)``.
    team_names : (n_teams,) str, optional; ``default_team_names`` when not given.
    """
    manager = np.asarray(manager, dtype=np.int64)
    n = manager.size
    level = levels_from_managers(manager)
    is_leader = np.zeros(n, dtype=bool)
    is_leader[manager[manager >= 0]] = True
    is_leader[manager < 0] = True
    leader_seats = np.flatnonzero(is_leader)
    leads = np.full(n, -1, dtype=np.int64)
    leads[leader_seats] = np.arange(leader_seats.size)
    team = np.where(manager >= 0, leads[np.maximum(manager, 0)], leads)
    department = departments_from_managers(manager, level)

    ties = _symmetric(n, peer_pairs, Org.PEER) + _symmetric(n, cross_pairs, Org.CROSS)
    # a pair that is both peer and cross counts as peer
    ties.data = np.where(ties.data >= Org.CROSS + Org.PEER, Org.PEER, ties.data)
    serves_pairs = np.asarray(serves_pairs, dtype=np.int64).reshape(-1, 2)
    serves = sp.csr_matrix(
        (np.ones(len(serves_pairs)), (leads[serves_pairs[:, 1]], leads[serves_pairs[:, 0]])),
        shape=(leader_seats.size, leader_seats.size),
    )
    serves.data[:] = 1.0
    return Org(
        manager=manager,
        level=level,
        team=team,
        leads=leads,
        department=department,
        frontline_team=np.asarray(frontline_leaders, dtype=bool)[leader_seats],
        team_leader=leader_seats,
        ties=ties.tocsr(),
        serves=serves.tocsr(),
        initially_open=np.asarray(initially_open, dtype=bool),
        initially_filled=np.asarray(initially_filled, dtype=bool),
        positions=radial_layout(manager, level),
        team_names=(
            default_team_names(level, leader_seats, department, frontline_leaders)
            if team_names is None
            else unique_names(team_names)
        ),
        notes=list(notes or []),
    )


def unique_names(names: np.ndarray) -> np.ndarray:
    """``names`` as text, each repeat of an earlier name numbered (``Sales``, ``Sales (2)``): tables and
    charts label teams by name, so two teams must never share one."""
    names = pd.Series(np.asarray(names, dtype=object)).astype(str)
    while names.duplicated().any():
        repeat = names.groupby(names).cumcount()
        names = names.where(repeat == 0, names + " (" + (repeat + 1).astype(str) + ")")
    return names.to_numpy(dtype=object)


def default_team_names(
    level: np.ndarray, leader_seats: np.ndarray, department: np.ndarray, frontline_leaders: np.ndarray
) -> np.ndarray:
    """Names for teams that have none, from their place: ``Executive team``, ``Department 2 managers``,
    ``Frontline 2.3`` / ``Back office 2.1`` (the department, then the team's number among its
    department's teams below the head, both in seat order from 1). The names are unique.
    """
    team_level = level[leader_seats]
    dept = department[leader_seats] + 1
    front = np.asarray(frontline_leaders, dtype=bool)[leader_seats]
    # heads' teams are numbered apart (group 0), so a department's working teams count from 1
    group = np.where(team_level >= 2, dept, 0)
    number = pd.Series(group).groupby(group).cumcount().to_numpy() + 1
    kind = np.where(front, "Frontline ", "Back office ")
    staff_names = kind.astype(object) + dept.astype(str).astype(object) + "." + number.astype(str).astype(object)
    heads = "Department " + dept.astype(str).astype(object) + " managers"
    return np.where(team_level == 0, "Executive team", np.where(team_level == 1, heads, staff_names)).astype(object)


def _symmetric(n: int, pairs: np.ndarray, code: int) -> sp.csr_matrix:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    # unique unordered pairs via one int64 key per pair, sorted then deduplicated: for millions of
    # pairs this is several times faster than np.unique (row-wise, or its hashing 1-D variant)
    key = np.sort(pairs.min(axis=1) * n + pairs.max(axis=1))
    key = key[np.concatenate([[True], key[1:] != key[:-1]])] if key.size else key
    low, high = np.divmod(key, n)
    rows = np.concatenate([low, high])
    cols = np.concatenate([high, low])
    return sp.csr_matrix((np.full(rows.size, float(code)), (rows, cols)), shape=(n, n))


def radial_layout(manager: np.ndarray, level: np.ndarray) -> np.ndarray:
    """A fixed radial tree layout: radius = level; every subtree gets an angular sector in proportion
    to the leaves under it, split among its children in seat order, so a team sits right below its
    leader whatever the team sizes. One vectorised pass per level, no force-directed iterations.
    """
    n = manager.size
    depth = int(level.max()) + 1 if n else 0
    has_parent = manager >= 0
    leaves = np.ones(n)
    leaves[manager[has_parent]] = 0.0  # a leader's weight is the sum of its children's
    by_level = np.argsort(level, kind="stable")
    bounds = np.searchsorted(level[by_level], np.arange(depth + 1))
    for d in range(depth - 1, 0, -1):
        child = by_level[bounds[d] : bounds[d + 1]]
        np.add.at(leaves, manager[child], leaves[child])
    start, span = np.zeros(n), np.zeros(n)
    for d in range(depth):
        seats = by_level[bounds[d] : bounds[d + 1]]
        parent = manager[seats]
        # roots share the whole circle; anyone else shares its parent's sector
        p_start = np.where(parent >= 0, start[np.maximum(parent, 0)], 0.0)
        p_span = np.where(parent >= 0, span[np.maximum(parent, 0)], 2 * np.pi)
        p_weight = np.where(parent >= 0, leaves[np.maximum(parent, 0)], leaves[seats].sum())
        order = np.lexsort((seats, parent))
        seats, parent, p_start, p_span, p_weight = (a[order] for a in (seats, parent, p_start, p_span, p_weight))
        share = leaves[seats] / p_weight
        before = np.cumsum(share) - share  # share of the siblings placed before, within each parent
        first = np.concatenate([[True], parent[1:] != parent[:-1]])
        before -= np.maximum.accumulate(np.where(first, before, 0.0))
        start[seats] = p_start + before * p_span
        span[seats] = share * p_span
    angle = start + span / 2
    radius = level.astype(np.float64)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
