"""What a run of an organisation needs in memory, estimated before the org is built, against what the machine has.

Every range of the org's shape is reasonable alone, but together they can ask for far more than any
machine has (``org.departments=10000`` x ``org.teams_per_department=10000`` is a hundred million teams);
numpy would then stop with a ``MemoryError`` traceback after a long wait. :func:`require_memory` refuses
such an org with one line, before anything is built.

The estimate is linear in what the model allocates: per seat (the org's arrays, the people's state,
the leaders' styles), per pair of colleagues with the same manager (generating peer ties draws a random
number for every such pair at once), per tie (the sparse tie matrices and their weighted copies), per
team and week (the team table, kept in memory for the whole run and turned into a frame at the end) and,
with Mesa's ``Network`` space (the dashboard's), per seat and per tie of its networkx graph.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from sim.config import ConfigError

# The constants were measured on Linux (Python 3.12, numpy 2): each case built and ran the model in a fresh
# process (ServiceCultureModel, its steps, then timeseries() and team_table()), and its cost is the
# process's peak resident memory (ru_maxrss) minus its resident memory just before the build. 22 generated
# orgs from 4 to 1,001,001 seats, up to 150 million pairs of colleagues, 6.3 million ties and 600,000 team
# weeks, 7 of them with the Network space; a non-negative least-squares fit of the relative error. With
# these rounded constants the estimate is within -22% and +18% of every case.
BYTES_FIXED = 11_000_000  # the first step's and the tables' one-off allocations
BYTES_PER_SEAT = 290
BYTES_PER_PAIR = 5  # a pair of colleagues with the same manager, when peer ties are generated
BYTES_PER_TIE = 100
BYTES_PER_TEAM_WEEK = 520
BYTES_PER_SPACE_SEAT = 1_600  # a networkx node, a Mesa cell and an agent per seat
BYTES_PER_SPACE_TIE = 400  # a networkx edge


class OrgTooLargeError(ConfigError):
    """An organisation whose run would need more memory than the machine has (one line, with the estimate)."""


@dataclass(frozen=True)
class OrgSize:
    """The counts a run's memory grows with.

    Attributes
    ----------
    seats, teams : int
        Seats of the org, and teams (one per leader).
    pairs : int
        Pairs of colleagues with the same manager that generating peer ties draws over (0 when the ties
        come from files).
    ties : int
        Peer and cross-team ties, expected when generated.
    """

    seats: int
    teams: int
    pairs: int
    ties: int

    def parts(self, steps: int, space: bool) -> dict[str, float]:
        """Estimated bytes of each part of a run of ``steps`` weeks, named for a message."""
        return {
            "the seats": BYTES_FIXED + BYTES_PER_SEAT * self.seats,
            f"drawing peer ties over {self.pairs:,} pairs of colleagues": BYTES_PER_PAIR * self.pairs,
            f"{self.ties:,} ties": BYTES_PER_TIE * self.ties,
            f"the team table ({self.teams:,} teams x {steps:,} weeks)": BYTES_PER_TEAM_WEEK * self.teams * steps,
            "the Network space": (BYTES_PER_SPACE_SEAT * self.seats + BYTES_PER_SPACE_TIE * self.ties) if space else 0,
        }

    def bytes_needed(self, steps: int, space: bool) -> float:
        """Estimated peak memory of building the org and running it for ``steps`` weeks, in bytes."""
        return sum(self.parts(steps, space).values())


def generated_size(cfg) -> OrgSize:
    """The size of the org a generated ``org`` config (``OrgConfig``) describes, from its shape alone."""
    d, t, k = int(cfg.departments), int(cfg.teams_per_department), int(cfg.team_size)
    pairs = math.comb(d, 2) + d * math.comb(t, 2) + d * t * math.comb(k, 2)
    staff = d * t * k
    ties = round(float(cfg.peer_tie_prob) * pairs + float(cfg.cross_ties_per_person) * staff / 2)
    return OrgSize(seats=1 + d + d * t + staff, teams=1 + d + d * t, pairs=pairs, ties=ties)


def reports_size(manager: np.ndarray, ties: int | None, peer_tie_prob: float, cross_per_person: float) -> OrgSize:
    """The size of an org given by its reports-to array (-1 for a root); ``ties`` as given in files, or
    None when they are generated (``peer_tie_prob`` inside teams, ``cross_per_person`` across)."""
    reports = np.bincount(manager[manager >= 0], minlength=manager.size)
    teams = int(np.count_nonzero((reports > 0) | (manager < 0)))
    if ties is not None:
        return OrgSize(seats=manager.size, teams=teams, pairs=0, ties=ties)
    pairs = int((reports * (reports - 1) // 2).sum())
    staff = int(np.count_nonzero(reports == 0))
    return OrgSize(manager.size, teams, pairs, round(peer_tie_prob * pairs + cross_per_person * staff / 2))


def available_memory() -> tuple[int, str] | None:
    """Bytes of memory this process can still take, and how to say so: Linux's ``MemAvailable`` (free
    memory plus what the kernel can reclaim), else the machine's physical memory (macOS and other
    systems that have no ``/proc``); None where neither is known. A container's or a batch job's own
    memory limit is not read: the check is against the machine."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "available"
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"), "in all"
    except (AttributeError, ValueError, OSError):
        return None


def gib(size: float) -> str:
    """Bytes in GiB, with one decimal below 10 GiB; in MiB below 1 GiB."""
    if size < 2**30:
        return f"{size / 2**20:.0f} MiB"
    value = size / 2**30
    return f"{value:.1f} GiB" if value < 10 else f"{value:,.0f} GiB"


def require_memory(size: OrgSize, what: str, *, steps: int, space: bool) -> None:
    """Refuse (``OrgTooLargeError``) an org whose run of ``steps`` weeks (with the ``Network`` space when
    ``space``) would need more memory than :func:`available_memory`; ``what`` names the org's keys."""
    have = available_memory()
    parts = size.parts(steps, space)
    need = sum(parts.values())
    if have is None or need <= have[0]:
        return
    most = max(parts, key=parts.__getitem__)
    raise OrgTooLargeError(
        f"{what} ({size.seats:,} seats) would need about {gib(need)} over {steps:,} weeks, most of it for {most} "
        f"(this machine has {gib(have[0])} {have[1]})"
    )
