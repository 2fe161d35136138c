"""The organisation: seats, teams, levels and ties (:mod:`sim.org.structure`), generated from the config
(:mod:`sim.org.generate`) or imported from the client's files (:mod:`sim.org.readers` reads them,
:mod:`sim.org.files` assembles the org). ``python -m sim.org check FILE`` validates and draws a file
(:mod:`sim.org.check`, :mod:`sim.cli.org`).
"""

from sim.org.generate import build_org, cross_team_pairs, internal_service_links, within_group_pairs
from sim.org.structure import (
    DEPARTMENT_HEAD,
    EXECUTIVE,
    STAFF,
    TEAM_LEAD,
    CycleError,
    Org,
    assemble,
    departments_from_managers,
    levels_from_managers,
    radial_layout,
)

__all__ = [
    "DEPARTMENT_HEAD",
    "EXECUTIVE",
    "STAFF",
    "TEAM_LEAD",
    "CycleError",
    "Org",
    "assemble",
    "build_org",
    "cross_team_pairs",
    "departments_from_managers",
    "internal_service_links",
    "levels_from_managers",
    "radial_layout",
    "within_group_pairs",
]
