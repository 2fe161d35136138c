"""Bring your own org chart: an organisation assembled from the client's files (read by ``sim.org.readers``).

Whoever has reports leads a team, whatever the files say: the model's teams follow reporting
lines. A team serves customers when its leader is marked ``frontline`` (role or column), else when
most of its staff with a role are, else as ``org.unlabelled_staff`` says; a team of leaders only
(the executive's, a department head's) serves colleagues. Internal service (C1): each back-office
team serves ``org.served_teams`` frontline teams of its own department (the level-1 unit above
it), or of any department when its own has none.

Peer ties come from ``org.ties`` and GraphML's non-reporting edges; without any, they are generated
inside teams (``org.peer_tie_prob``) and across teams (``org.cross_ties_per_person``) as for
generated orgs. An optional survey export (``org.survey``) sets the people's initial state.

Everything is checked before anything is built: a problem stops the import with one line naming
the file, the line and the id (:class:`~sim.org.readers.OrgFileError`). A 100,000-person CSV loads
in about a second (``experiments/benchmark_org_import.py``). :func:`write_org` writes any org in
the import formats, e.g. as a template.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, FileOrgConfig, typed_org
from sim.org.footprint import OrgSize, generated_size, reports_size
from sim.org.generate import build_org, cross_team_pairs, internal_service_links, within_group_pairs
from sim.org.job_roles import infer_marks, phrase_table
from sim.org.readers import (
    READERS,
    VIRTUAL_ROOT,
    Chart,
    OrgFileError,
    Rows,
    chart_format,
    digest,
    flag_values,
    more,
    read_pairs,
    read_survey,
    refuse_twice,
    role_names,
    roles_onto,
    some,
    tie_seats,
)
from sim.org.structure import CycleError, Org, assemble, departments_from_managers, levels_from_managers

__all__ = ["ImportedOrg", "OrgFileError", "import_org", "org_from_config", "org_table", "read_org", "write_org"]

#: Called with an org's size and the keys that name it before the org is built; raises to refuse it
#: (``sim.org.footprint.require_memory``).
SizeCheck = Callable[[OrgSize, str], None]


@dataclass
class ImportedOrg:
    """An imported organisation: the ``Org``, each seat's id in the files, and the surveyed state.

    ``initial_state`` maps a person variable (``engagement``, ``trust``, ``orientation``) to an
    ``(n,)`` array in [0, 1], NaN for a seat the survey does not cover.
    """

    org: Org
    ids: np.ndarray
    team_names: np.ndarray  # per team, never blank (``_team_names``): the same as ``org.team_names``
    team_kinds: np.ndarray  # per team: why it is frontline or back office ("5 of 6 staff", "the leader's role")
    initial_state: dict[str, np.ndarray] = field(default_factory=dict)
    format: str = "csv"
    peer_ties_from_file: bool = False


# ------------------------------------------------------------------ the checks and the build
_LAST_FIRST = r"^\s*([^,]+?)\s*,\s*(.+?)\s*$"  # "Keller, Maria" -> groups (Keller, Maria)


def _name_forms(names: np.ndarray) -> tuple[pd.Index, pd.Index]:
    """Names as matched (case and runs of spaces aside), as written and with "Last, First" turned round."""
    written = pd.Index(names, dtype=object).astype(str)
    turned = written.str.replace(_LAST_FIRST, r"\2 \1", regex=True)
    return tuple(i.str.lower().str.replace(r"\s+", " ", regex=True).str.strip() for i in (written, turned))


def _managers_by_name(chart: Chart, manager: np.ndarray, lost: np.ndarray, notes: list[str]) -> np.ndarray:
    """Resolve managers given by name (``Maria Keller``, or ``Keller, Maria``) where no id matches.

    A name two people share is refused when someone reports to it, naming their rows; a name nobody
    has is left to the caller's "not in the file".
    """
    names = chart.attributes.columns.get("name") if chart.attributes is not None else None
    if names is None or not lost.size:
        return manager
    people: dict[str, set[int]] = {}
    for forms in _name_forms(names):
        for person, form in enumerate(forms):
            if form:
                people.setdefault(form, set()).add(person)
    resolved = manager.copy()
    for row, *forms in zip(lost, *_name_forms(chart.managers[lost]), strict=True):
        match = next((people[f] for f in forms if f in people), None)
        if match is None:
            continue
        if len(match) > 1:
            where = ", ".join(str(int(chart.lines[r])) for r in sorted(match))
            raise OrgFileError(
                f"{chart.where(row)}: id {chart.ids[row]!r} reports to {chart.managers[row]!r}, the name of "
                f"{len(match)} people ({chart.unit}s {where}): give that manager by id, or make the names unique"
            )
        resolved[row] = next(iter(match))
    by_name = int((resolved[lost] >= 0).sum())
    if by_name:
        notes.append(f"managers: {by_name} given by name, matched to the one person of that name")
    return resolved


def _check_structure(chart: Chart, virtual_root: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Seats' managers as an index array, with every reports-to problem refused by name.

    A manager is a person's id, else (with a name column) their unique name. Returns ``(ids, lines,
    manager, notes)``; with ``virtual_root`` several roots get one executive above them, added as the
    last seat.
    """
    ids, managers = chart.ids, chart.managers
    empty = np.flatnonzero(ids == "")
    if empty.size:
        raise OrgFileError(f"{chart.where(empty[0])}: a person without an id{more(empty)}")
    refuse_twice(ids, chart.rows)
    index = pd.Index(ids)
    has_manager = managers != ""
    manager = np.full(ids.size, -1, dtype=np.int64)
    manager[has_manager] = index.get_indexer(managers[has_manager])
    notes: list[str] = []
    manager = _managers_by_name(chart, manager, np.flatnonzero(has_manager & (manager < 0)), notes)
    own = np.flatnonzero(manager == np.arange(ids.size))
    if own.size:
        raise OrgFileError(f"{chart.where(own[0])}: id {ids[own[0]]!r} reports to itself{more(own)}")
    lost = np.flatnonzero(has_manager & (manager < 0))
    if lost.size:
        row = int(lost[0])
        by_name = (
            ""
            if chart.attributes is not None and "name" in chart.attributes.columns
            else (" (managers given by name need a name column: set org.columns.name)")
        )
        raise OrgFileError(
            f"{chart.where(row)}: id {ids[row]!r} reports to {managers[row]!r}, who is not in the file"
            f"{more(lost)}{by_name}"
        )
    roots = np.flatnonzero(~has_manager)
    lines = chart.lines
    if roots.size > 1:
        named = [f"{ids[r]!r} (line {int(lines[r])})" for r in roots]
        if not virtual_root:
            raise OrgFileError(
                f"{chart.path}: {roots.size} people have no manager: {some(named)}; a run needs one top "
                "executive: give them a manager, or set org.virtual_root=true to add a virtual executive above them"
            )
        top = VIRTUAL_ROOT
        while top in index:
            top += "_"
        manager = np.append(manager, -1)
        manager[roots] = ids.size
        ids, lines = np.append(ids, top).astype(object), np.append(lines, 0)
        notes.append(
            f"added a virtual executive {top!r} (seat {ids.size - 1}) above the {roots.size} people without "
            f"a manager: {some(named)}; it is filled and takes leadership.executive's style"
        )
    try:
        levels_from_managers(manager)
    except CycleError as cycle:
        path = " -> ".join(repr(ids[s]) for s in [*cycle.seats, cycle.seats[0]])
        where = ", ".join(str(int(lines[s])) for s in cycle.seats)
        raise OrgFileError(f"{chart.path} lines {where}: reporting lines go round in a cycle: {path}") from None
    except ValueError as exc:  # deeper than the levels' int16
        raise OrgFileError(f"{chart.path}: {exc}") from None
    return ids, lines, manager, notes


def _team_kinds(
    manager: np.ndarray, explicit: np.ndarray, inferred: np.ndarray, unlabelled: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Whether the team each seat leads serves customers (the ``frontline_leaders`` of ``assemble``), and why.

    ``explicit`` is a seat's mark from its role or frontline column, ``inferred`` from its job title or
    department (``sim.org.job_roles``): 1 frontline, 0 back office, -1 none. Order of evidence: the
    leader's explicit mark; the majority of the team's staff, each by explicit mark else inferred one;
    the leader's inferred mark; ``unlabelled``. A team of leaders only serves colleagues.

    Returns ``(front, reason, notes)``: ``front`` and ``reason`` per seat (meaningful for leaders).
    """
    n = manager.size
    has_reports = np.bincount(manager[manager >= 0], minlength=n) > 0
    staff = (manager >= 0) & ~has_reports
    boss = manager[staff]
    staff_count = np.bincount(boss, minlength=n)
    mark = np.where(explicit >= 0, explicit, inferred)
    marked = mark[staff] >= 0
    votes = np.bincount(boss[marked], minlength=n)
    front_votes = np.bincount(boss[marked], weights=(mark[staff][marked] == 1), minlength=n).astype(np.int64)
    default = unlabelled == "frontline"
    by_leader, by_staff, by_title = explicit >= 0, votes > 0, inferred >= 0
    team_front = np.where(
        by_leader,
        explicit == 1,
        np.where(by_staff, front_votes * 2 >= votes, np.where(by_title, inferred == 1, default)),
    )
    team_front &= staff_count > 0  # a team of leaders only has nobody to serve customers
    agree = np.where(team_front, front_votes, votes - front_votes)
    reason = np.where(
        staff_count == 0,
        "leaders only",
        np.where(
            by_leader,
            "the leader's role",
            np.where(
                by_staff,
                agree.astype(str).astype(object) + " of " + votes.astype(str).astype(object) + " staff",
                np.where(
                    by_title, "the leader's title or department", f"nothing said: org.unlabelled_staff={unlabelled}"
                ),
            ),
        ),
    ).astype(object)
    notes = []
    given, read = int((staff & (explicit >= 0)).sum()), int((staff & (explicit < 0) & (inferred >= 0)).sum())
    unmarked = int(staff.sum()) - given - read
    if read:
        notes.append(
            f"roles: {read} of {int(staff.sum())} staff read as frontline or back office from their job title or "
            "department (configs/job_roles.yaml, org.job_roles)"
        )
    if unmarked:
        notes.append(
            f"roles: {unmarked} of {int(staff.sum())} staff have no role, and no title or department the phrase "
            f"table knows; they take their team's kind; teams with nothing said are "
            f"{'frontline' if default else 'back office'} (org.unlabelled_staff)"
        )
    odd = staff & (mark >= 0) & ((mark == 1) != team_front[np.maximum(manager, 0)])
    if odd.any():
        notes.append(
            f"roles: {int(odd.sum())} staff marked differently from most of their team are modelled as their "
            "team (the model's teams are all frontline or all back office)"
        )
    return team_front, reason, notes


def _team_names(
    leader_seats: np.ndarray, manager: np.ndarray, column: Callable[[str], np.ndarray], ids: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Each team's name, never blank: the team column of its leader's row, else the most common among its
    members', else the leader's department, else the members' most common department, else the leader's
    name (``Maria Keller's team``), else title (``Head Chef's team``), else id (``team of E004``). A name
    two teams share gets the leader's name or id after it."""
    members = pd.Series(manager)

    def common(values: np.ndarray) -> np.ndarray:
        """Per team, the most common non-blank value among its members (first seen on a tie)."""
        frame = pd.DataFrame({"team": members, "value": values})
        frame = frame[(frame["team"] >= 0) & (frame["value"] != "")]
        if frame.empty:
            return np.full(leader_seats.size, "", dtype=object)
        counts = frame.groupby(["team", "value"], sort=False).size().reset_index(name="n")
        top = counts.sort_values(["team", "n"], ascending=[True, False], kind="stable").drop_duplicates("team")
        return top.set_index("team")["value"].reindex(leader_seats).fillna("").to_numpy(dtype=object)

    team, department, person, title = column("team"), column("department"), column("name"), column("title")
    names = team[leader_seats].copy()
    for source in (common(team), department[leader_seats], common(department)):
        names = np.where(names == "", source, names)
    who, what = person[leader_seats], title[leader_seats]
    leader = np.where(who != "", who, ids[leader_seats]).astype(str).astype(object)
    label = np.where(
        who != "",
        leader + "'s team",
        np.where(what != "", what.astype(str).astype(object) + "'s team", "team of " + leader),
    )
    notes = []
    blank = names == ""
    if blank.any():
        notes.append(
            f"team names: {int(blank.sum())} teams have no team or department given and are named after their leader"
        )
    names = np.where(blank, label, names).astype(object)
    shared = pd.Index(names).duplicated(keep=False)
    names = np.where(shared, names.astype(str).astype(object) + " (" + leader + ")", names)
    return names.astype(object), notes


def import_org(cfg: FileOrgConfig, rng: np.random.Generator, fits: SizeCheck | None = None) -> ImportedOrg:
    """Read, check and build an organisation from the files ``cfg`` names.

    Parameters
    ----------
    cfg
        The typed ``org`` node of an ``org=from_file`` config (``sim.config.typed_org``).
    rng
        The org's own generator: it draws the generated peer and cross ties and the internal-service
        links, so the same files and seed give the same org.
    fits
        Called with the org's size once the files are read and checked, before anything is built;
        raises to refuse the org (e.g. ``sim.org.footprint.require_memory``).

    Raises
    ------
    OrgFileError
        The first problem found, naming file, line and id. Nothing is built before every check passed.
    """
    fmt = chart_format(cfg.path, cfg.format)
    chart = READERS[fmt](cfg.path, cfg)
    if cfg.roles:
        chart = roles_onto(chart, cfg.roles, cfg)
    ids, lines, manager, structure_notes = _check_structure(chart, bool(cfg.virtual_root))
    n, n_people = ids.size, chart.ids.size
    attrs = chart.attributes or Rows(chart.path, {}, chart.lines)

    def column(name: str) -> np.ndarray:
        values = attrs.columns.get(name)
        values = np.full(n_people, "", dtype=object) if values is None else values
        return np.append(values, [""] * (n - n_people)).astype(object)

    attrs = Rows(attrs.path, attrs.columns, np.append(attrs.lines, [0] * (n - n_people)))
    role = role_names(column("role"), attrs, ids)
    frontline = flag_values(column("frontline"), "frontline", attrs, ids)
    vacant = flag_values(column("vacant"), "vacant", attrs, ids)
    clash = np.flatnonzero(((role == "frontline") & (frontline == 0)) | ((role == "back office") & (frontline == 1)))
    if clash.size:
        row = int(clash[0])
        raise OrgFileError(
            f"{attrs.where(row)}: id {ids[row]!r} has role {role[row]!r} but frontline={column('frontline')[row]!r}"
        )
    explicit = np.where(role == "frontline", 1, np.where(role == "back office", 0, frontline)).astype(np.int8)
    inferred = infer_marks(column("title"), column("department"), phrase_table(cfg.job_roles))
    front_leaders, kind_reason, role_notes = _team_kinds(manager, explicit, inferred, cfg.unlabelled_staff)
    if "role" not in attrs.columns and "frontline" not in attrs.columns:
        role_notes.insert(0, "roles: none given; inferred: whoever has reports is a leader")
    has_reports = np.bincount(manager[manager >= 0], minlength=n) > 0
    lone = np.flatnonzero((role == "leader") & ~has_reports)
    if lone.size:
        role_notes.append(f"roles: {lone.size} people marked leader have no reports and are modelled as staff")

    ties = [chart.ties] if chart.ties is not None else []
    if cfg.ties:
        ties.append(read_pairs(cfg.ties, cfg.encoding, cfg.max_file_mb))
    tie_pairs = [tie_seats(t, pd.Index(ids), chart.path) for t in ties]
    survey, survey_notes = read_survey(cfg, pd.Index(ids)) if cfg.survey else ({}, [])
    if fits is not None:
        given = sum(len(pairs) for pairs in tie_pairs) if tie_pairs else None
        size = reports_size(manager, given, float(cfg.peer_tie_prob), float(cfg.cross_ties_per_person))
        fits(size, f"org.path={cfg.path}")

    # every check has passed: build
    level = levels_from_managers(manager)
    if tie_pairs:
        peer = np.concatenate(tie_pairs)
        cross = np.empty((0, 2), dtype=np.int64)
        tie_note = f"peer ties: {len(peer)} from {', '.join(t.path for t in ties)}"
    else:
        peer = within_group_pairs(manager, float(cfg.peer_tie_prob), rng)
        staff = np.flatnonzero(~has_reports)
        cross = cross_team_pairs(staff, manager, float(cfg.cross_ties_per_person), rng)
        tie_note = (
            f"peer ties: none in the files; generated inside teams (org.peer_tie_prob={cfg.peer_tie_prob:g}) "
            f"and across teams (org.cross_ties_per_person={cfg.cross_ties_per_person:g})"
        )
    staffed = np.bincount(manager[(manager >= 0) & ~has_reports], minlength=n) > 0
    work_teams = np.flatnonzero(has_reports & staffed)
    serves = internal_service_links(
        work_teams, front_leaders, departments_from_managers(manager, level), int(cfg.served_teams), rng
    )
    filled = vacant != 1
    files = [cfg.path, *(p for p in (cfg.roles, cfg.ties, cfg.survey) if p)]
    notes = [
        f"imported {cfg.path} ({fmt}): {n} seats, {int(has_reports.sum())} leaders, {int((~filled).sum())} vacant",
        "files (sha256): " + ", ".join(f"{p} {digest(p)}" for p in files),
        *chart.notes,
        *structure_notes,
        *role_notes,
        tie_note,
        f"internal service: each back-office team serves up to {cfg.served_teams} frontline teams of its "
        f"own department (any department if its own has none): {len(serves)} links",
        *survey_notes,
    ]
    leader_seats = np.flatnonzero(has_reports | (manager < 0))
    team_names, name_notes = _team_names(leader_seats, manager, column, ids)
    notes += name_notes
    org = assemble(
        manager, front_leaders, peer, cross, serves, np.ones(n, dtype=bool), filled, notes, team_names=team_names
    )
    return ImportedOrg(
        org=org,
        ids=ids,
        team_names=org.team_names,
        team_kinds=kind_reason[org.team_leader],
        initial_state=survey,
        format=fmt,
        peer_ties_from_file=bool(tie_pairs),
    )


# ------------------------------------------------------------------ dispatch
def org_from_config(
    cfg_org: DictConfig, rng: np.random.Generator, fits: SizeCheck | None = None
) -> tuple[Org, dict[str, np.ndarray]]:
    """The run's organisation from its ``org`` config node: generated or imported (``org.source``).

    Returns ``(org, initial_state)``; ``initial_state`` is the surveyed state of an imported org
    (see :class:`ImportedOrg`), empty otherwise. ``fits`` is called with the org's size before it is
    built (see :func:`import_org`). Raises ``ConfigError`` (``OrgFileError`` for a file).
    """
    typed = typed_org(cfg_org)
    if typed.source == "generated":
        if fits is not None:
            keys = ("departments", "teams_per_department", "team_size")
            fits(generated_size(typed), ", ".join(f"org.{key}={typed[key]}" for key in keys))
        return build_org(typed, rng), {}
    imported = import_org(OmegaConf.to_object(typed), rng, fits)
    return imported.org, imported.initial_state


def read_org(cfg: DictConfig, seed: int = 0) -> ImportedOrg:
    """The organisation an ``org=from_file`` config imports, with each seat's id and each team's name.

    Seat and team numbers follow the reporting lines only, so they are those of every run of
    ``cfg`` (the ``team`` column of ``teams.parquet``) whatever its seed; ``team_names[t]`` is the
    ``team`` label on the row of team ``t``'s leader. Generated ties are drawn with ``seed``.

    Parameters
    ----------
    cfg : DictConfig
        A composed config (``load_config(["org=from_file", "org.path=..."])``) or its ``org`` node.
    seed : int
        Seed of the generator for generated peer ties and internal-service links.

    Raises
    ------
    ConfigError
        When the config does not import a file (``org.source`` is not ``file``); ``OrgFileError``
        for a problem in the files.
    """
    node = cfg.org if "org" in cfg else cfg
    typed = typed_org(node)
    if typed.source != "file":
        raise ConfigError(f"org={node.get('name', typed.source)} is generated, not imported: use org=from_file")
    return import_org(OmegaConf.to_object(typed), np.random.default_rng(seed))


# ------------------------------------------------------------------ writing an org (templates, round trips)
def org_table(org: Org, ids: np.ndarray | None = None) -> pd.DataFrame:
    """An org as the CSV reports-to list: ``id, manager_id, role, team, frontline, vacant``.

    ``ids`` names the seats (default: the seat numbers). ``frontline`` on a leader's row says whether
    the team they lead serves customers. Seats closed at the start are written as vacant: an imported
    org has every seat open.
    """
    ids = np.arange(org.n).astype(str).astype(object) if ids is None else np.asarray(ids, dtype=object)
    leaders = org.is_leader
    leads_front = np.zeros(org.n, dtype=bool)
    leads_front[leaders] = org.frontline_team[org.leads[leaders]]
    return pd.DataFrame(
        {
            "id": ids,
            "manager_id": np.where(org.manager >= 0, ids[np.maximum(org.manager, 0)], ""),
            "role": np.where(leaders, "leader", np.where(org.frontline, "frontline", "back office")),
            "team": org.team,
            "frontline": np.where(leaders, leads_front, org.frontline),
            "vacant": ~(org.initially_filled & org.initially_open),
        }
    )


def _peer_table(org: Org, ids: np.ndarray) -> pd.DataFrame:
    upper = sp.triu(org.peer_ties, k=1).tocoo()
    return pd.DataFrame({"a": ids[upper.row], "b": ids[upper.col]})


def write_org(
    org: Org,
    path: str | Path,
    fmt: str,
    *,
    ids: np.ndarray | None = None,
    roles: str | Path | None = None,
    ties: str | Path | None = None,
) -> None:
    """Write ``org`` in one of the import formats (``csv``, ``graphml``, ``edgelist``), e.g. as a template.

    ``roles`` (the edge list's roles file, required for ``edgelist``) and ``ties`` (the peer ties as
    an edge list; GraphML also carries them as ``kind=peer`` edges) are written alongside.

    The text files (the CSV chart, the edge list, the roles, the ties) are escaped for spreadsheets
    (``sim.tables``): an id beginning with ``=``, ``+``, ``-`` or ``@`` is written with a leading
    apostrophe (``'=A1``) in each of them, so the files still agree on every id; GraphML, which
    spreadsheets do not open, as it is.
    """
    from sim.results import atomic_write_bytes, atomic_write_text
    from sim.tables import csv_bytes

    table = org_table(org, ids)
    ids = table["id"].to_numpy(dtype=object)
    reports = table[table["manager_id"] != ""]
    if fmt == "csv":
        atomic_write_bytes(Path(path), csv_bytes(table))
    elif fmt == "edgelist":
        if roles is None:
            raise ValueError("an edge list needs a roles file: give roles=")
        atomic_write_bytes(Path(path), csv_bytes(reports[["id", "manager_id"]], header=False, sep=" "))
        atomic_write_bytes(Path(roles), csv_bytes(table.drop(columns="manager_id")))
    elif fmt == "graphml":
        graph = nx.DiGraph()
        for row in table.drop(columns="manager_id").itertuples(index=False):
            graph.add_node(
                row.id, role=row.role, team=int(row.team), frontline=bool(row.frontline), vacant=bool(row.vacant)
            )
        graph.add_edges_from(zip(reports["id"], reports["manager_id"], strict=True), kind="reports_to")
        peers = _peer_table(org, ids)
        graph.add_edges_from(zip(peers["a"], peers["b"], strict=True), kind="peer")
        buffer = io.BytesIO()
        nx.write_graphml(graph, buffer)
        atomic_write_text(Path(path), buffer.getvalue().decode("utf-8"))
    else:
        raise ValueError(f"unknown format {fmt!r}: csv, graphml or edgelist")
    if ties is not None:
        atomic_write_bytes(Path(ties), csv_bytes(_peer_table(org, ids), header=False))
