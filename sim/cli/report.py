"""``python -m sim.report``: a client report, one self-contained HTML file.

    python -m sim.report org=from_file org.path=examples/org/harbour_hotel.csv     # the default interventions
    python -m sim.report org=from_file org.path=chart.csv org.survey=survey.csv \\
        --intervention "training: events=training_wave" \\
        --intervention "coaching: +style@leadership.styles.manager_b=manager_b scenario=replace_manager_a" \\
        --seeds 8 --weeks 104 --out client.html

The positional arguments are Hydra overrides of the baseline (as for ``python -m sim``); each
``--intervention "LABEL: OVERRIDES"`` adds its overrides to them (without ``LABEL:`` the overrides
label it); without any, those of ``configs/research/report.yaml`` run. Every arm runs seeds
``seed .. seed+N-1`` (``seed`` of the base, 0 by default), so the same command gives the same numbers.
Bad input ends in one line ``error: ...`` and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from omegaconf.errors import OmegaConfBaseException

from sim.cli.overrides import check_overrides, fail
from sim.config import ConfigError, one_line
from sim.metrics import MODEL_METRICS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        fail(message)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.report``: returns the exit code (2 for bad input, after one line on stderr)."""
    parser = _Parser(prog="python -m sim.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the baseline, e.g. org=from_file org.path=F")
    parser.add_argument(
        "--intervention",
        action="append",
        default=[],
        metavar='"LABEL: OVERRIDES"',
        help="an intervention: overrides added to the baseline's (repeat for several)",
    )
    parser.add_argument("--seeds", type=int, help="runs per arm (default: configs/research/report.yaml)")
    parser.add_argument("--weeks", type=int, help="weeks per run (default: the config's steps)")
    parser.add_argument("--outcome", help="the headline's model-level metric (default: service_quality)")
    parser.add_argument("--weakest", type=int, help="how many of the weakest teams to name")
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file (default: report.html)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="runs at once in worker processes (default 1: each takes seconds to start)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_intermixed_args(argv)

    for flag in ("seeds", "weeks", "weakest", "jobs"):
        value = getattr(args, flag)
        if value is not None and value < (2 if flag == "seeds" else 1):
            fail(f"--{flag} must be at least {2 if flag == 'seeds' else 1}, got {value}")
    if args.outcome is not None and args.outcome not in MODEL_METRICS:
        fail(f"--outcome {args.outcome} is not a model-level metric: choose from {', '.join(MODEL_METRICS)}")
    if not args.out.parent.is_dir():
        fail(f"--out {args.out}: the folder {args.out.parent} does not exist")

    logging.getLogger("MESA").setLevel(logging.WARNING)
    # the page's modules import matplotlib and the research wing: seconds a bad flag need not wait for
    from sim.research.report import default_interventions, load_settings, parse_intervention
    from sim.viz.report import headline, make_report

    given = {"seeds": args.seeds, "outcome": args.outcome, "weakest": args.weakest}
    try:
        settings = load_settings([f"{key}={value}" for key, value in given.items() if value is not None])
        arms = [parse_intervention(text) for text in args.intervention] or default_interventions(settings)
        for arm in arms:
            check_overrides([*args.overrides, *arm.overrides], multirun=False)
        report = make_report(
            args.overrides,
            arms,
            args.out,
            settings=settings,
            weeks=args.weeks,
            jobs=args.jobs,
            progress=not args.quiet,
        )
    except (ConfigError, OmegaConfBaseException) as exc:
        fail(one_line(exc))
    except OSError as exc:
        fail(f"{exc.filename or args.out}: {exc.strerror or exc}")
    print(headline(report))
    print(f"wrote {args.out}")
    return 0
