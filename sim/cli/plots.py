"""``python -m sim.plots PATH``: draw the standard figures of a run folder, or of every run of a sweep.

    python -m sim.plots outputs/default/2026-12-03_10-00-00        # one run
    python -m sim.plots multirun/default/2026-12-03_10-00-00       # every complete run of a sweep
    python -m sim.plots SWEEP_DIR --jobs 2 --force --no-network

Sweeps write no figures by default; this draws them into each run's ``figures/`` afterwards
(:mod:`sim.viz.folder_figures`). A run folder is one holding ``summary.json``; runs that already have
every figure are left alone unless ``--force``; runs that are not complete are listed, not drawn.
Exit status: 0, 1 when some run could not be drawn, 2 when PATH holds no run.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm.auto import tqdm

from sim.results import SUMMARY, run_status
from sim.viz.folder_figures import Drawn, draw_run_folder


def run_folders(root: Path) -> list[Path]:
    """Every folder under ``root`` (``root`` included) that holds a ``summary.json``, sorted."""
    root = Path(root)
    return sorted({p.parent for p in root.rglob(SUMMARY)})


def _attempt(run_dir: Path, force: bool, network: bool) -> Drawn | str:
    """The run's figures drawn, or why they could not be (a file changed under the run since its status was read)."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        return draw_run_folder(run_dir, force=force, network=network)
    except (OSError, ValueError) as exc:
        return str(exc).splitlines()[0]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.plots``: returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m sim.plots", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a run folder, a sweep folder, or a folder holding several")
    parser.add_argument("--force", action="store_true", help="draw again where every figure is there already")
    parser.add_argument(
        "--no-network", dest="network", action="store_false", help="leave out the network figure (no re-run)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs drawn at once (default: cores)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not args.path.is_dir():
        print(f"error: {args.path} is not a folder", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"error: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    found = run_folders(args.path)
    if not found:
        print(f"error: {args.path} holds no run (no {SUMMARY} under it)", file=sys.stderr)
        return 2
    status = {run_dir: run_status(run_dir) for run_dir in found}
    todo = [run_dir for run_dir, (state, _, _) in status.items() if state == "complete"]
    problems = [f"{path}: {state}, {detail}" for path, (state, detail, _) in status.items() if state != "complete"]
    done: list[Drawn] = []
    bar = tqdm(total=len(todo), desc="figures", unit="run", disable=args.quiet)
    workers = min(args.jobs, len(todo))
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        if pool is None:
            outcomes = ((run_dir, _attempt(run_dir, args.force, args.network)) for run_dir in todo)
        else:
            futures = {pool.submit(_attempt, run_dir, args.force, args.network): run_dir for run_dir in todo}
            outcomes = ((futures[f], f.result()) for f in as_completed(futures))
        for run_dir, outcome in outcomes:
            if isinstance(outcome, Drawn):
                done.append(outcome)
            else:
                problems.append(f"{run_dir}: {outcome}")
            bar.update()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    bar.close()
    drawn = [d for d in done if not d.skipped]
    print(
        f"drew {sum(len(d.written) for d in drawn)} figures in {len(drawn)} runs"
        f" ({len(done) - len(drawn)} had every figure already; --force draws them again)"
    )
    for d in done:
        if d.note:
            print(f"  {d.run_dir}: {d.note}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} runs not drawn:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0
