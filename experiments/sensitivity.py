"""Global sensitivity analysis of the model: which leadership and policy levers matter, for what.

    python experiments/sensitivity.py                                   # configs/research/sensitivity.yaml
    python experiments/sensitivity.py morris.trajectories=4 sobol.n=32 # smaller
    python experiments/sensitivity.py launcher=slurm 'launcher_overrides=[hydra.launcher.partition=cpu]'
    python experiments/sensitivity.py steps=52 --write-docs             # a reduced run into docs/ all the same

1. Morris screening over every lever (``sim.research.levers.leadership_and_policy_levers``, bounds from the
   schema) for each output's long-run value (its mean over the last ``long_run_weeks`` weeks).
2. Sobol first- and total-order indices, with bootstrap intervals, over the ``sobol.top`` levers
   that rank highest in (1) across the outputs (``sim.research.sensitivity.top_inputs``).

Each phase writes its design (``<out>/<phase>/design.csv``: a row per run, seed ``seed + row``) and
runs it as one Hydra multirun through the launcher the config names (``sim.sweeps.design.launch_design``),
then collects it with ``sim.sweeps.collect``. Running the same command again resumes both sweeps. Results:
``<out>/morris.csv``, ``<out>/sobol.csv``, and the report ``docs/sensitivity.md`` with its bar chart.

The report goes into docs/ only from a full run: every setting that shapes the results as
configs/research/sensitivity.yaml has it (``launcher``, ``launcher_overrides``, ``out`` and ``docs`` aside).
A reduced run leaves docs/ alone and puts the report beside its tables in ``<out>``; ``--write-docs``
writes it into docs/ all the same, and ``docs=FILE`` outside docs/ puts it there.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import DictConfig

from experiments._docs import DOCS, WRITE_DOCS, full_study, may_write, write_or_check
from sim.config import ConfigError, load_config
from sim.research.levers import Lever, leadership_and_policy_levers
from sim.research.parameters import markdown as parameters_markdown
from sim.research.parameters import parameters, sensitivity_ranks
from sim.research.sensitivity import (
    ISHIGAMI,
    Problem,
    design_table,
    ishigami,
    ishigami_indices,
    long_run,
    morris_design,
    morris_indices,
    outputs_by_row,
    sobol_design,
    sobol_indices,
    sobol_of,
    top_inputs,
)
from sim.research.study import run_cli
from sim.results import atomic_write_text, save_figure
from sim.sweeps.design import LOG_FILE, launch_design

ROOT = Path(__file__).resolve().parent.parent
RUN_OVERRIDES = ["output.figures=false", "output.teams=false", "output.progress=false"]
ISHIGAMI_N = 1024
#: Settings that change where and how the study runs, not what it finds.
HOW_IT_RUNS = ("launcher", "launcher_overrides", "out", "docs")


def select_levers(cfg: DictConfig) -> tuple[list[str], list[Lever]]:
    """The overrides every run shares and the levers varied (all but ``cfg.exclude``)."""
    shared = [*cfg.base, f"steps={cfg.steps}"]
    levers = leadership_and_policy_levers(load_config(shared), cfg.bounds)
    unknown = sorted(set(cfg.exclude) - {lv.name for lv in levers})
    if unknown:
        raise ConfigError(f"exclude names {unknown[0]!r}, which is not a lever: choose from the levers listed")
    return shared + RUN_OVERRIDES, [lv for lv in levers if lv.name not in set(cfg.exclude)]


def run_phase(
    name: str, cfg: DictConfig, shared: list[str], levers: list[Lever], x: np.ndarray
) -> tuple[pd.DataFrame, int]:
    """Run the design ``x`` over ``levers``; the long-run outputs (one row per design row) and the
    number of runs resumed from an earlier session."""
    print(f"{name}: {len(x)} runs over {len(levers)} levers", file=sys.stderr)
    got = launch_design(
        design_table(levers, x, cfg.seed),
        Path(cfg.out) / name,
        shared,
        launcher=cfg.launcher,
        launcher_overrides=list(cfg.launcher_overrides),
    )
    if len(got.problems):
        first = got.problems.iloc[0]
        raise RuntimeError(f"{len(got.problems)} runs of {name} are not complete, e.g. {first.run}: {first.detail}")
    values = long_run(got.timeseries, list(cfg.outputs), cfg.long_run_weeks)
    return outputs_by_row(values, cfg.seed, len(x)), resumed(Path(cfg.out) / name)


def resumed(folder: Path) -> int:
    """How many runs of the last sweep in ``folder`` were found complete and skipped (resume)."""
    return (folder / LOG_FILE).read_text(encoding="utf-8").count("skipped:")


def sensitivity(cfg: DictConfig) -> dict:
    """Both phases; returns the tables (``morris``, ``sobol``: tidy, an ``output`` column), the
    levers, the Sobol levers, run counts and times."""
    shared, levers = select_levers(cfg)
    problem = Problem.of(levers)
    tic = time.perf_counter()
    x = morris_design(problem, cfg.morris.trajectories, cfg.morris.levels, seed=cfg.seed)
    y, morris_resumed = run_phase("morris", cfg, shared, levers, x)
    morris = {
        out: morris_indices(problem, x, y[out].to_numpy(), cfg.morris.levels, cfg.level, seed=cfg.seed)
        for out in cfg.outputs
    }
    morris_seconds, morris_runs = time.perf_counter() - tic, len(x)

    tic = time.perf_counter()
    top = top_inputs(morris, cfg.sobol.top)
    kept = [lv for lv in levers if lv.name in top]
    sub = Problem.of(kept)
    x = sobol_design(sub, cfg.sobol.n, seed=cfg.seed)
    y, sobol_resumed = run_phase("sobol", cfg, shared, kept, x)
    sobol = {out: sobol_indices(sub, y[out].to_numpy(), cfg.level, cfg.resamples, seed=cfg.seed) for out in cfg.outputs}
    return {
        "levers": levers,
        "top": [lv.name for lv in kept],
        "morris": _tidy(morris),
        "sobol": _tidy(sobol),
        "runs": {"morris": morris_runs, "sobol": len(x)},
        "resumed": {"morris": morris_resumed, "sobol": sobol_resumed},
        "seconds": {"morris": morris_seconds, "sobol": time.perf_counter() - tic},
    }


def _tidy(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([t.assign(output=out) for out, t in tables.items()], ignore_index=True)


def chart(sobol: pd.DataFrame, outputs: list[str], level: float) -> Figure:
    """One panel per output: S1 and ST per lever, bars with their bootstrap intervals."""
    fig = Figure(figsize=(3.2 * len(outputs), 3.6), layout="constrained")
    axes = fig.subplots(1, len(outputs), sharey=True, squeeze=False)[0]
    for ax, out in zip(axes, outputs, strict=True):
        t = sobol[sobol.output == out]
        pos = np.arange(len(t))
        ax.barh(pos - 0.2, t.S1, 0.4, xerr=t.S1_conf, label="first order S1", color="tab:blue", capsize=2)
        ax.barh(pos + 0.2, t.ST, 0.4, xerr=t.ST_conf, label="total order ST", color="tab:orange", capsize=2)
        ax.set_yticks(pos, t.input)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(out, fontsize=10)
        ax.set_xlabel("Sobol index")
    axes[0].invert_yaxis()  # once: the panels share the axis; the first lever on top
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle(f"Sobol indices of the long-run outputs, {level:.0%} bootstrap intervals", fontsize=10)
    return fig


def _resumed(res: dict, phase: str) -> str:
    n = res["resumed"][phase]
    return f" ({n} of them complete from an earlier session, so not timed)" if n else ""


def _pm(value: float, half: float) -> str:
    return f"{value:.3f} ± {half:.3f}"


def ishigami_check(level: float, resamples: int, seed: int) -> pd.DataFrame:
    """The Sobol pipeline on the Ishigami function (a=7, b=0.1) beside the analytic indices."""
    got = sobol_of(ishigami, ISHIGAMI, ISHIGAMI_N, level=level, resamples=resamples, seed=seed)
    truth = ishigami_indices()
    for k in ("S1", "ST"):
        got[f"{k}_true"] = truth[k]
        got[f"{k}_inside"] = (got[k] - truth[k]).abs() <= got[f"{k}_conf"]
    return got


def markdown(cfg: DictConfig, res: dict, ish: pd.DataFrame, chart_name: str) -> str:
    outputs, level = list(cfg.outputs), cfg.level
    morris, sobol = res["morris"], res["sobol"]
    ranking = top_inputs({o: morris[morris.output == o] for o in outputs}, len(res["levers"]))
    lines = [
        "# Sensitivity analysis: which levers matter",
        "",
        "Generated by `experiments/sensitivity.py` from `configs/research/sensitivity.yaml` (do not edit by hand).",
        "",
        f"- Base: `{' '.join(cfg.base)}`, {cfg.steps} weeks a run. Outputs: the mean of each metric over the",
        f"  last {cfg.long_run_weeks} weeks (long run): {', '.join(f'`{o}`' for o in outputs)}.",
        f"- Levers: {len(res['levers'])} (below), bounds from the schema's ranges (`sim/config.py`)"
        + "".join(f", `{k}` narrowed to {list(v)}" for k, v in cfg.bounds.items())
        + ". `style.*` sets the style every leader leads with (executive included); `policies.remove_misfits`"
        " is a 0/1 switch (on from 0.5).",
        f"- Morris: r = {cfg.morris.trajectories} trajectories, {cfg.morris.levels} levels: "
        f"{res['runs']['morris']} runs in {res['seconds']['morris'] / 60:.1f} min{_resumed(res, 'morris')}.",
        f"- Sobol (Saltelli, first and total order): N = {cfg.sobol.n} over the top {len(res['top'])} levers, the"
        f" others at the base values: {res['runs']['sobol']} runs in {res['seconds']['sobol'] / 60:.1f} min"
        f"{_resumed(res, 'sobol')}.",
        f"- Launcher `{cfg.launcher}`, 2 cores. Each design row runs with its own seed (`seed = {cfg.seed} + row`),",
        "  so run-to-run noise is part of the variance: it shows as 1 - sum S1 and lifts every ST a little.",
        "  These sizes fit a laptop; for tighter intervals raise `sobol.n` and `morris.trajectories` and run",
        "  on a cluster (`launcher=ray_cluster`, or `launcher=slurm`).",
        f"- Intervals: {level:.0%} bootstrap ({cfg.resamples} resamples), shown as estimate ± half-width.",
        "",
        "## Morris screening (mu*, the mean absolute elementary effect)",
        "",
        "Levers in the order the outputs pick them in turns (each output its highest mu* not yet picked); the",
        f"first {len(res['top'])} go on to the Sobol phase.",
        "",
        "| lever | bounds | " + " | ".join(f"mu* {o}" for o in outputs) + " |",
        "|---|---|" + "---|" * len(outputs),
    ]
    bounds = {lv.name: (lv.low, lv.high) for lv in res["levers"]}
    for name in ranking:
        cells = []
        for o in outputs:
            row = morris[(morris.output == o) & (morris.input == name)].iloc[0]
            cells.append(f"{row.mu_star:.3g} ± {row.mu_star_conf:.2g}")
        mark = " **(Sobol)**" if name in res["top"] else ""
        lines.append(f"| `{name}`{mark} | [{bounds[name][0]:g}, {bounds[name][1]:g}] | " + " | ".join(cells) + " |")
    lines += ["", "## Sobol indices of the top levers", "", f"![Sobol indices]({chart_name})", ""]
    for o in outputs:
        t = sobol[sobol.output == o]
        lines += [f"**{o}** (sum of S1 = {t.S1.sum():.2f})", "", "| lever | S1 | ST |", "|---|---|---|"]
        lines += [f"| `{r.input}` | {_pm(r.S1, r.S1_conf)} | {_pm(r.ST, r.ST_conf)} |" for r in t.itertuples()]
        lines.append("")
    inside = int(ish.S1_inside.sum() + ish.ST_inside.sum())
    lines += [
        "## Check: the pipeline recovers the Ishigami function's known indices",
        "",
        "The same sampling and analysis (`sim.research.sensitivity.sobol_design`, `sobol_indices`) on",
        f"f = sin x1 + 7 sin² x2 + 0.1 x3⁴ sin x1, N = {ISHIGAMI_N}: {inside} of 6 analytic values lie inside the"
        f" {level:.0%} intervals (`tests/test_sensitivity.py` asserts all do).",
        "",
        "| input | S1 | S1 analytic | ST | ST analytic |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.input} | {_pm(r.S1, r.S1_conf)} | {r.S1_true:.4f} | {_pm(r.ST, r.ST_conf)} | {r.ST_true:.4f} |"
        for r in ish.itertuples()
    ]
    return "\n".join(lines) + "\n"


def report(cfg: DictConfig, flags: set[str]) -> int:
    """Run both phases and write the tables and the report (into docs/ from a full run or with ``--write-docs``)."""
    res = sensitivity(cfg)
    out = Path(cfg.out)
    res["morris"].to_csv(out / "morris.csv", index=False)
    res["sobol"].to_csv(out / "sobol.csv", index=False)
    print(f"tables: {out / 'morris.csv'}, {out / 'sobol.csv'}")
    if not cfg.docs:
        return 0
    doc = Path(cfg.docs) if Path(cfg.docs).is_absolute() else ROOT / cfg.docs
    if not may_write(doc, full=full_study("sensitivity", cfg, HOW_IT_RUNS), write_docs=WRITE_DOCS in flags):
        doc = out / doc.name  # a reduced run's report stays with its tables
    figure = doc.with_suffix(".png")
    save_figure(figure, chart(res["sobol"], list(cfg.outputs), cfg.level))
    ish = ishigami_check(cfg.level, cfg.resamples, cfg.seed)
    atomic_write_text(doc, markdown(cfg, res, ish, figure.name))
    print(f"report: {doc}")
    if doc.resolve() == (DOCS / "sensitivity.md").resolve():
        # the parameter table shows these ranks: remade with them, so the two never disagree
        rows = parameters(ranks=sensitivity_ranks(doc))
        write_or_check(DOCS / "parameters.md", parameters_markdown(rows), check=False, command="")
        print(f"ranks: {DOCS / 'parameters.md'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_cli("sensitivity", argv, __doc__, report, flags=[WRITE_DOCS], replace=["bounds"])


if __name__ == "__main__":
    sys.exit(main())
