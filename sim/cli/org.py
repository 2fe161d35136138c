"""``python -m sim.org check FILE``: validate an org chart before a run, summarise it and draw it.

    python -m sim.org check examples/org/harbour_hotel.csv
    python -m sim.org check chart.txt --roles roles.csv --ties advice.csv --out chart.png
    python -m sim.org check export.xlsx --sheet Staff --column "id=Personnel No" --column manager=Supervisor

Every option maps to a key of ``configs/org/from_file.yaml`` (``--virtual-root`` is
``org.virtual_root=true``, ``--column FIELD=HEADER`` is ``org.columns.FIELD=HEADER``); what is not
given keeps that file's value, so ``check`` accepts a file
exactly when ``python -m sim org=from_file org.path=FILE`` would. Exit status: 0 valid, 2 invalid
(one line ``error: ...`` on stderr).
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from sim.config import ConfigError, config_dir, typed_org
from sim.org.check import describe, printable
from sim.org.columns import FIELDS
from sim.org.files import ImportedOrg, import_org
from sim.org.footprint import require_memory
from sim.results import save_figure
from sim.viz.plots import network_figure

# option -> config key; each option's default is None, meaning "as configs/org/from_file.yaml says"
OPTIONS = {
    "format": "format",
    "sheet": "sheet",
    "job_roles": "job_roles",
    "roles": "roles",
    "ties": "ties",
    "survey": "survey",
    "survey_scale": "survey_scale",
    "encoding": "encoding",
    "edge_direction": "edge_direction",
    "unlabelled_staff": "unlabelled_staff",
    "max_file_mb": "max_file_mb",
}


def draw(imported: ImportedOrg, out: Path, title: str) -> Path:
    """The chart as a PNG (``sim.viz.plots.network_figure``): coloured by surveyed orientation, if any."""
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
    check.add_argument("--format", choices=("auto", "csv", "xlsx", "graphml", "edgelist"))
    check.add_argument("--sheet", help="the workbook's sheet: its name or number from 0 (default the first)")
    check.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help=f"the column holding a field ({', '.join(FIELDS)}), e.g. --column 'id=Personnel No'",
    )
    check.add_argument("--job-roles", help="a YAML of job-title phrases added to configs/job_roles.yaml")
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
    for pair in args.column:
        field, sep, header = pair.partition("=")
        if not sep or field.strip() not in FIELDS:
            print(
                f"error: --column {printable(pair)!r}: write FIELD=HEADER with FIELD one of {', '.join(FIELDS)}",
                file=sys.stderr,
            )
            return 2
        cfg.columns[field.strip()] = header.strip()
    try:
        # the picture draws the org's networkx graph, as big as the dashboard's Network space
        fits = functools.partial(require_memory, steps=0, space=not args.no_picture)
        imported = import_org(OmegaConf.to_object(typed_org(cfg)), np.random.default_rng(args.seed), fits)
    except ConfigError as exc:
        print(f"error: {printable(exc)}", file=sys.stderr)
        return 2
    print("\n".join(describe(imported, args.file)))
    if args.no_picture:
        return 0
    out = args.out if args.out is not None else Path(f"{Path(args.file).stem}_chart.png")
    org = imported.org
    print(printable(f"picture: {draw(imported, out, f'{Path(args.file).name}: {org.n} seats in {org.depth} levels')}"))
    return 0
