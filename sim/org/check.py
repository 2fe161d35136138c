"""``python -m sim.org check FILE``: validate an org chart before a run, summarise it and draw it.

    python -m sim.org check examples/org/harbour_hotel.csv
    python -m sim.org check chart.txt --roles roles.csv --ties advice.csv --out chart.png

Every option maps to a key of ``configs/org/from_file.yaml`` (``--virtual-root`` is
``org.virtual_root=true``); what is not given keeps that file's value, so ``check`` accepts a file
exactly when ``python -m sim org=from_file org.path=FILE`` would. Exit status: 0 valid, 2 invalid
(one line ``error: ...`` on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from sim.config import ConfigError, config_dir, typed_org
from sim.org.files import ImportedOrg, import_org

# option -> config key; each option's default is None, meaning "as configs/org/from_file.yaml says"
OPTIONS = {
    "format": "format",
    "roles": "roles",
    "ties": "ties",
    "survey": "survey",
    "survey_scale": "survey_scale",
    "encoding": "encoding",
    "edge_direction": "edge_direction",
    "unlabelled_staff": "unlabelled_staff",
    "max_file_mb": "max_file_mb",
}
TEAMS_LISTED = 40  # list every team when there are at most this many


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
        lines.append("team  level  leader  kind          size  name")
        for t in range(org.n_teams):
            kind = "frontline" if front[t] else "back office" if back[t] else "leaders"
            lines.append(
                f"{t:>4}  {int(org.team_level[t]):>5}  {imported.ids[org.team_leader[t]]!s:>6}  {kind:<12}"
                f"{int(org.team_size[t]):>5}  {imported.team_names[t]}"
            )
    lines.append("notes:")
    lines += [f"  - {note}" for note in org.notes]
    return lines


def draw(imported: ImportedOrg, out: Path, title: str) -> Path:
    """The chart as a PNG (``sim.plots.network_figure``): coloured by surveyed orientation, if any."""
    from sim.plots import network_figure
    from sim.results import save_figure

    org = imported.org
    surveyed = imported.initial_state.get("orientation")
    if surveyed is not None:
        colour, title = np.where(np.isfinite(surveyed), surveyed, 0.5), title + ", colour: surveyed orientation"
    else:
        colour, title = np.full(org.n, 0.5), title + " (no survey: neutral colour)"
    fig = network_figure(
        org.graph(), org.positions, colour, org.is_leader, org.frontline, org.initially_filled, title=title
    )
    return save_figure(out, fig)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim.org", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate an org chart file, print a summary, save a picture")
    check.add_argument("file", help="the org chart: .csv, .graphml or an edge list")
    check.add_argument("--format", choices=("auto", "csv", "graphml", "edgelist"))
    check.add_argument("--roles", help="roles file: id,role[,team][,frontline][,vacant]")
    check.add_argument("--ties", help="peer/advice ties: two ids a line")
    check.add_argument("--survey", help="survey export: id,engagement,trust,orientation")
    check.add_argument("--survey-scale", choices=("auto", "1-5", "0-100", "0-1"))
    check.add_argument("--encoding")
    check.add_argument("--edge-direction", choices=("report_to_manager", "manager_to_report"))
    check.add_argument("--unlabelled-staff", choices=("frontline", "back_office"))
    check.add_argument("--max-file-mb", type=float)
    check.add_argument("--virtual-root", action="store_true", help="add a virtual executive above several roots")
    check.add_argument("--seed", type=int, default=0, help="seed for generated ties (default 0)")
    check.add_argument("--out", type=Path, help="the picture (default: <file stem>_chart.png here)")
    check.add_argument("--no-picture", action="store_true", help="only check and summarise (big orgs draw slowly)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``check``; returns the exit status (0 valid, 2 invalid)."""
    args = _parser().parse_args(argv)
    cfg = OmegaConf.load(config_dir() / "org" / "from_file.yaml")
    cfg.path = args.file
    for option, key in OPTIONS.items():
        if getattr(args, option) is not None:
            cfg[key] = getattr(args, option)
    if args.virtual_root:
        cfg.virtual_root = True
    try:
        imported = import_org(OmegaConf.to_object(typed_org(cfg)), np.random.default_rng(args.seed))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(describe(imported, args.file)))
    if args.no_picture:
        return 0
    out = args.out if args.out is not None else Path(f"{Path(args.file).stem}_chart.png")
    org = imported.org
    print(f"picture: {draw(imported, out, f'{Path(args.file).name}: {org.n} seats in {org.depth} levels')}")
    return 0
