"""Lever responses: each leadership lever and policy moved alone, against what the model brief expects.

    python experiments/lever_responses.py                       # every lever, 4 orgs, 8 seeds -> docs/levers.md, .png
    python experiments/lever_responses.py --quick               # small_team, 3 seeds, 2 levers: the table only
    python experiments/lever_responses.py --seeds 3 --orgs company,small_team --workers 2
    python experiments/lever_responses.py --levers style.vision,policies.onboarding --out multirun/levers-try
    python experiments/lever_responses.py --json                # the same, last line JSON

Settings, the expected directions and the brief's reasons: configs/research/levers.yaml. Every lever
runs at five levels of its range (a switch: off and on) on each org, over seeds 0..N-1 at every level,
in parallel (joblib). Per lever x org x metric: the slope of the long-run value (mean over weeks
105-156) on the level with a 95% t interval over per-seed slopes, the level means, and a verdict (as
expected, flat, reversed, non-monotone); statistics in sim/research/responses.py.

Only a full run (every lever, every org of the spec, the spec's seeds or more) rewrites docs/levers.md
and docs/levers.png; a reduced one (--quick, --seeds below the spec's, --levers, --orgs) prints its
table and leaves docs/ alone unless given --write-docs. Exit status: 0 when every lever run passes, 1
when one fails, 2 on bad input (one line).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from matplotlib.figure import Figure

from experiments._docs import WRITE_DOCS, WRITE_DOCS_HELP, may_write
from sim.config import ConfigError
from sim.research.analysis import mean_interval
from sim.research.responses import NO_VERDICT, Study, as_json, load_spec, markdown, study
from sim.results import atomic_write_bytes, atomic_write_text

ROOT = Path(__file__).resolve().parent.parent
QUICK = {"orgs": ["small_team"], "seeds": 3, "levers": ["style.vision", "style.recognition_rate"]}


def figure(result: Study) -> Figure:
    """One panel per lever: the change of its primary metric's long-run value from the lowest level,
    paired over seeds (common random numbers), against the level; a line per org with the change's 95%
    t interval shaded. A red title: the lever fails somewhere."""
    n = len(result.levers)
    cols = min(5, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(3.0 * cols, 2.5 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    colours = dict(zip(result.orgs, ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown"), strict=False))
    passes = result.passes["all"]
    for ax, lv in zip(axes, result.levers, strict=False):
        for org in result.orgs:
            runs = result.runs[(result.runs.lever == lv.name) & (result.runs.org == org)]
            y = runs.pivot(index="seed", columns="x", values=lv.primary).sort_index(axis=1)
            x = y.columns.to_numpy(dtype=float)
            change = y.to_numpy() - y.to_numpy()[:, :1]
            bands = [mean_interval(change[:, j], result.level) for j in range(change.shape[1])]
            colour = colours.get(org)
            ax.plot(x, [b.estimate for b in bands], "o-", ms=3, color=colour, label=org)
            ax.fill_between(x, [b.low for b in bands], [b.high for b in bands], color=colour, alpha=0.2, lw=0)
        ax.axhline(0.0, color="black", lw=0.6)
        arrow = "up" if lv.expect[lv.primary] > 0 else "down"
        ax.set_title(
            f"{lv.name}\n{lv.primary}, expected {arrow}",
            fontsize="small",
            color="black" if passes.get(lv.name, False) else "tab:red",
        )
        ax.tick_params(labelsize="x-small")
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(fontsize="x-small")
    fig.suptitle(
        f"Lever responses: change of the long-run mean (weeks {result.window[0]}-{result.window[1]}) from the lowest"
        f" level,\npaired over {result.seeds} seeds, 95% interval; x: the lever's level; red title: it fails somewhere",
        fontsize="medium",
    )
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, help="seeds per level (default: the spec's, 8)")
    parser.add_argument("--orgs", help="comma-separated org names of the spec (default: all)")
    parser.add_argument("--levers", help="comma-separated lever names, e.g. style.vision,policies.onboarding")
    parser.add_argument("--quick", action="store_true", help="small_team, 3 seeds, 2 levers; writes no docs")
    parser.add_argument("--workers", type=int, default=-1, help="parallel workers (default: all cores)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for levers.md and levers.png")
    parser.add_argument(WRITE_DOCS, action="store_true", help=WRITE_DOCS_HELP)
    parser.add_argument("--json", action="store_true", help="print the results as JSON on the last line")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    spec = load_spec()
    levers = args.levers.split(",") if args.levers else (QUICK["levers"] if args.quick else None)
    orgs = args.orgs.split(",") if args.orgs else (QUICK["orgs"] if args.quick else None)
    seeds = args.seeds or (QUICK["seeds"] if args.quick else int(spec.seeds))
    try:
        result = study(spec, levers=levers, orgs=orgs, seeds=seeds, workers=args.workers, progress=not args.no_progress)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    cells = result.cells[result.cells.expected != NO_VERDICT]
    shown = cells[["lever", "org", "metric", "expected", "slope", "low", "high", "verdict"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    full = not args.quick and levers is None and orgs is None and seeds >= int(spec.seeds)
    written = may_write(args.out / "levers.md", full=full, write_docs=args.write_docs)
    if written:
        args.out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.out / "levers.md", markdown(result, spec, figure="levers.png", full=full))
        buffer = io.BytesIO()
        figure(result).savefig(buffer, format="png", dpi=110)
        atomic_write_bytes(args.out / "levers.png", buffer.getvalue())
    passes = result.passes["all"]
    runs = len(result.runs)
    where = f" -> {args.out / 'levers.md'}" if written else ""
    print(
        f"{int(passes.sum())}/{len(passes)} levers pass on every org; {runs} runs in {result.seconds / 60:.1f} min "
        f"({runs / result.seconds:.2f} runs/s){where}"
    )
    failing = ", ".join(passes[~passes].index)
    if failing:
        print(f"failing: {failing}")
    if args.json:
        print(json.dumps(as_json(result)))
    return 0 if passes.all() else 1


if __name__ == "__main__":
    sys.exit(main())
