"""What ``python -m sim.org check`` (:mod:`sim.cli.org`) says of an imported org chart.

Everything it prints may hold a client's text (ids, names, team names, file names), which could carry
terminal control sequences: :func:`printable` shows those escaped, so a file cannot drive the terminal.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from sim.org.files import ImportedOrg

TEAMS_LISTED = 40  # list every team when there are at most this many


def printable(text: object) -> str:
    """``text`` with every control or format character (ESC, BEL, bidi overrides, zero-width...) shown as
    a ``\\x1b``/``\\u202e`` escape; tabs and ordinary letters of any script pass."""
    out = []
    for char in str(text):
        if char != "\t" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


def describe(imported: ImportedOrg, path: str) -> list[str]:
    """The summary ``check`` prints: seats, levels, spans of control, teams, frontline share, notes."""
    org = imported.org
    leaders = org.is_leader
    reports = np.bincount(org.manager[org.manager >= 0], minlength=org.n)
    reports = reports[reports > 0]  # span of control of every leader who has reports
    staff = ~leaders
    staffed = np.bincount(org.team[staff], minlength=org.n_teams) > 0
    front, back = org.frontline_team & staffed, ~org.frontline_team & staffed
    levels = np.bincount(org.level)
    vacant = int((~org.initially_filled).sum())
    lines = [
        f"{path}: a valid org chart ({imported.format})",
        f"seats: {org.n} ({org.n - vacant} filled, {vacant} vacant); {int(leaders.sum())} leaders, "
        f"{int(staff.sum())} staff",
        f"levels: {org.depth} ({', '.join(f'level {k}: {c}' for k, c in enumerate(levels))})",
    ]
    if reports.size:
        lines.append(
            f"span of control (direct reports per leader): min {reports.min()}, median {np.median(reports):g}, "
            f"max {reports.max()}"
        )
    lines += [
        f"teams: {org.n_teams} ({int(front.sum())} frontline, {int(back.sum())} back office, "
        f"{int((~staffed).sum())} of leaders only)",
        f"frontline share: {int(org.frontline.sum())} of {int(staff.sum())} staff seats "
        f"({org.frontline.sum() / max(int(staff.sum()), 1):.0%})",
        f"ties: {org.peer_ties.nnz // 2} peer ({'from the files' if imported.peer_ties_from_file else 'generated'}), "
        f"{org.cross_ties.nnz // 2} cross-team, {org.serves.nnz} internal-service links",
    ]
    if org.n_teams <= TEAMS_LISTED:
        lines.append("team  level  leader  kind          size  name  (kind from)")
        for t in range(org.n_teams):
            kind = "frontline" if front[t] else "back office" if back[t] else "leaders"
            why = f"  ({imported.team_kinds[t]})" if staffed[t] else ""
            lines.append(
                f"{t:>4}  {int(org.team_level[t]):>5}  {imported.ids[org.team_leader[t]]!s:>6}  {kind:<12}"
                f"{int(org.team_size[t]):>5}  {imported.team_names[t]}{why}"
            )
    lines.append("notes:")
    lines += [f"  - {note}" for note in org.notes]
    return [printable(line) for line in lines]
