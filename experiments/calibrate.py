"""Calibrate the model to observed time series, and check that the fit can recover known values.

    python experiments/calibrate.py                          # configs/research/calibrate.yaml
    python experiments/calibrate.py trials=40 seeds=2        # smaller
    python experiments/calibrate.py 'parameters={style.support: [0.2, 0.9]}' identifiability.run=false
    python experiments/calibrate.py --make-example           # rewrite the synthetic example data
    python experiments/calibrate.py trials=40 --write-docs   # a reduced run into docs/ all the same

1. **Fit**: Optuna minimises the loss of ``sim.research.calibration`` (mean squared standardised residuals,
   summed over series, averaged over the same seeds in every trial) over the parameters' bounds; every
   trial's config is composed with the Hydra compose API (``sim.config.load_config``), so the schema's
   checks apply. Reported: the best values, an interval per parameter (chi-square region projected),
   the spread of the per-seed best values, and which parameters the data cannot identify.
2. **Identifiability check**: data made by the model from known values (``identifiability.truth``,
   another seed, Gaussian measurement noise of each series' ``sd``) at the same weeks are fitted back;
   each known value should lie inside its interval.

Writes ``<out>/fit.csv``, ``<out>/identifiability.csv`` and the report ``docs/calibration.md``
with ``docs/calibration.png`` (observed vs fitted).

The report goes into docs/ only from a full run: every setting that shapes the fit as
configs/research/calibrate.yaml has it (``workers``, ``out``, ``docs`` and ``example`` aside). A reduced
run leaves docs/ alone and puts the report beside its tables in ``<out>``; ``--write-docs`` writes it into
docs/ all the same, and ``docs=FILE`` outside docs/ puts it there.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import DictConfig

from experiments._docs import WRITE_DOCS, full_study, may_write
from sim.config import ConfigError, load_config
from sim.research.calibration import (
    Problem,
    Series,
    fit,
    read_series,
    startup_trials,
    summarise,
    synthesize,
    trial_runs,
    write_series,
)
from sim.research.levers import resolve
from sim.research.study import run_cli
from sim.results import atomic_write_text, save_figure

ROOT = Path(__file__).resolve().parent.parent
#: Mappings an override replaces whole (``parameters={style.support: [0, 1]}`` fits that one alone).
REPLACED = ["parameters", "observed", "identifiability.truth", "example.truth", "example.weeks"]
#: Settings that change where and how the fit runs (or only --make-example), not what it finds.
HOW_IT_RUNS = ("workers", "out", "docs", "example")


def observed(cfg: DictConfig) -> list[Series]:
    """The observed series the config names (paths from the folder the script is started in)."""
    return [
        read_series(name, o.path, o.column, o.metric, o.sd, o.window, o.get("time", "week"))
        for name, o in cfg.observed.items()
    ]


def problem_of(cfg: DictConfig, series: list[Series]) -> Problem:
    """The fitted levers (bounds checked against the schema) over the base config."""
    base = [*cfg.base, f"steps={cfg.steps}", "output.progress=false"]
    composed = load_config(base)
    levers = [resolve(name, composed, bounds) for name, bounds in cfg.parameters.items()]
    seeds = list(range(cfg.first_seed, cfg.first_seed + cfg.seeds))
    return Problem(levers=levers, base=base, series=series, seeds=seeds, workers=cfg.workers)


def values_of(problem: Problem, given: DictConfig, what: str) -> list[float]:
    """``given`` (name -> value) in the order of the fitted levers; every lever needs one, inside its bounds."""
    missing = [lv.name for lv in problem.levers if lv.name not in given]
    if missing:
        raise ConfigError(f"{what} has no value for {missing[0]}")
    out = [float(given[lv.name]) for lv in problem.levers]
    for lv, v in zip(problem.levers, out, strict=True):
        if not lv.low <= v <= lv.high:
            raise ConfigError(f"{what}.{lv.name}={v} is outside the fitted bounds [{lv.low}, {lv.high}]")
    return out


def calibrate(cfg: DictConfig, problem: Problem) -> tuple[pd.DataFrame, object, float]:
    """Fit; the summary table, the study and the seconds taken."""
    tic = time.perf_counter()
    study = fit(problem, cfg.trials, sampler_seed=cfg.sampler_seed)
    return summarise(study, problem, cfg.level, cfg.identifiable_share), study, time.perf_counter() - tic


def identifiability(cfg: DictConfig, problem: Problem) -> tuple[pd.DataFrame, float]:
    """Fit data the model made from ``identifiability.truth``; the summary with ``truth`` and ``inside``."""
    spec = cfg.identifiability
    truth = values_of(problem, spec.truth, "identifiability.truth")
    rng = np.random.default_rng(spec.noise_seed)
    data = synthesize(problem, truth, spec.data_seed, rng)
    twin = Problem(problem.levers, problem.base, data, problem.seeds, problem.workers)
    table, _, seconds = calibrate(cfg, twin)
    table.insert(1, "truth", truth)
    table["inside"] = (table.low <= table.truth) & (table.truth <= table.high)
    return table, seconds


def make_example(cfg: DictConfig) -> list[Path]:
    """Write the synthetic example series (``example`` section) to the observed paths."""
    spec = cfg.example
    shells = []
    for name, o in cfg.observed.items():
        every = float(spec.weeks[name])
        weeks = np.unique(np.round(every * np.arange(1, int(cfg.steps / every) + 1)).astype(int))
        shells.append(Series(name, o.metric, weeks[weeks <= cfg.steps], np.zeros(0), float(o.sd), int(o.window)))
    problem = problem_of(cfg, shells)
    truth = values_of(problem, spec.truth, "example.truth")
    data = synthesize(problem, truth, spec.data_seed, np.random.default_rng(spec.noise_seed))
    note = (
        "SYNTHETIC example data, not real observations: made by the model with experiments/calibrate.py "
        "--make-example\n(configs/research/calibrate.yaml, section example: "
        + ", ".join(f"{lv.name}={v}" for lv, v in zip(problem.levers, truth, strict=True))
        + f", run seed {spec.data_seed},\nGaussian noise sd {{sd}}, noise seed {spec.noise_seed})."
    )
    return [
        write_series(s, Path(o.path), o.column, note.replace("{sd}", f"{s.sd:g}"))
        for s, o in zip(data, cfg.observed.values(), strict=True)
    ]


def fit_figure(study, problem: Problem) -> Figure:
    """Observed points and the model at the best fit (mean over seeds, +/- 2 sd across seeds)."""
    best = study.best_trial
    fig = Figure(figsize=(5 * len(problem.series), 3.2), layout="constrained")
    axes = fig.subplots(1, len(problem.series), squeeze=False)[0]
    for ax, s in zip(axes, problem.series, strict=True):
        runs = trial_runs(best, s)
        mean, sd = runs.mean(axis=0), runs.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros(runs.shape[1])
        ax.fill_between(s.weeks, mean - 2 * sd, mean + 2 * sd, color="tab:orange", alpha=0.3, lw=0)
        ax.plot(s.weeks, mean, color="tab:orange", label="model at the best fit (mean, ±2 sd over seeds)")
        ax.errorbar(s.weeks, s.values, yerr=s.sd, fmt="o", ms=3, color="black", label="observed (± sd)")
        ax.set_title(f"{s.name} ({s.metric})", fontsize=10)
        ax.set_xlabel("week")
    axes[0].legend(fontsize=8)
    return fig


def _table(t: pd.DataFrame, truth: bool) -> list[str]:
    head = "| parameter | " + ("truth | " if truth else "") + "best | interval | share of range | verdict |"
    head += " per-seed best: mean ± sd [min, max] |" + (" truth inside |" if truth else "")
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for r in t.itertuples():
        verdict = "identifiable" if r.identifiable else "**not identifiable**"
        cells = [f"`{r.parameter}`"] + ([f"{r.truth:.3f}"] if truth else [])
        cells += [f"{r.best:.3f}", f"[{r.low:.3f}, {r.high:.3f}]", f"{r.share_of_range:.0%}", verdict]
        cells.append(f"{r.seed_mean:.3f} ± {r.seed_sd:.3f} [{r.seed_min:.3f}, {r.seed_max:.3f}]")
        cells += ["yes" if r.inside else "**no**"] if truth else []
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(cfg: DictConfig, problem: Problem, fitted: pd.DataFrame, seconds: float, ident, chart: str) -> str:
    lines = [
        "# Calibration to observed data",
        "",
        "Generated by `experiments/calibrate.py` from `configs/research/calibrate.yaml` (do not edit by hand).",
        "",
        "## Set-up",
        "",
        f"- Model: `{' '.join(cfg.base)}`, {cfg.steps} weeks. Fitted: "
        + ", ".join(f"`{lv.name}` in [{lv.low:g}, {lv.high:g}]" for lv in problem.levers)
        + " (`style.*`: the style every leader leads with).",
        "- Observed (the files in `examples/calibration/` are **synthetic**, made by the model: see its README):",
    ]
    lines += [
        f"  - `{s.name}` (`{cfg.observed[s.name].path}`): {len(s.weeks)} points, weeks"
        f" {s.weeks.min()}..{s.weeks.max()}, metric `{s.metric}`, measurement sd {s.sd:g},"
        f" each point the mean of {s.window} week(s)"
        for s in problem.series
    ]
    lines += [
        f"- Optuna {cfg.trials} trials (TPE, the first {startup_trials(cfg.trials)} random), {cfg.seeds} seeds per"
        f" trial ({problem.seeds[0]}..{problem.seeds[-1]}, the same in every trial): {cfg.trials * cfg.seeds} runs,"
        f" {seconds / 60:.1f} min on 2 cores. Bigger fits (more trials, seeds) belong on a cluster.",
        "",
        "**Loss** (minimised), with `m_jt(θ, s)` the model's value of series j at week t with seed s:",
        "",
        "    L(θ) = (1/S) Σ_s Σ_j (1/n_j) Σ_t ((y_jt − m_jt(θ, s)) / sd_j)²",
        "",
        "**Interval** per parameter: the trials whose `χ²(θ) = Σ_j r_jᵀ S_j⁻¹ r_j`, `r_j = y_j − m̄_j(θ)` (`m̄` the mean",
        "over seeds), lies within the 95% chi-square quantile (k = number of parameters) of its minimum,",
        "projected on the parameter. `S_j = (sd_j² + (1 − ρ_j) v_j) I + ρ_j v_j 11ᵀ` counts the measurement",
        "error and the model's own noise: its variance across seeds `v_j` and, since a run's deviation from the",
        "mean persists over the run (its organisation and people differ throughout), the mean correlation",
        "`ρ_j` of that deviation between weeks, both at the best fit. Projection over the trials evaluated",
        "gives an inner estimate of the region. A parameter whose interval covers at least"
        f" {cfg.identifiable_share:.0%} of its range is **not identifiable** from these data. **Per-seed best**: each"
        " seed's own lowest-loss trial, i.e. how far the fit moves with the model's randomness.",
        "",
        "## Fit to the observed data",
        "",
        *_table(fitted, truth=False),
        "",
        f"![observed vs fitted]({chart})",
        "",
    ]
    if ident is not None:
        table, secs = ident
        spec = cfg.identifiability
        covered = int(table.inside.sum())
        lines += [
            "## Identifiability check",
            "",
            f"Data made by the model at the known values below (run seed {spec.data_seed}, not a fitting seed), at the",
            f"same weeks, plus Gaussian noise of each series' sd (noise seed {spec.noise_seed}), fitted back the same"
            f" way ({secs / 60:.1f} min). {covered} of {len(table)} known values lie inside their intervals.",
            "",
            *_table(table, truth=True),
            "",
        ]
        weak = table[~table.identifiable].parameter.tolist()
        if weak:
            lines.append(
                "Not identifiable from these series: "
                + ", ".join(f"`{w}`" for w in weak)
                + ". A best value there is no evidence about it: fix it from other sources, or add data that"
                " reacts to it."
            )
    return "\n".join(lines) + "\n"


def report(cfg: DictConfig, flags: set[str]) -> int:
    """Fit, check identifiability and write the tables and the report (or, with ``--make-example``,
    only rewrite the example data)."""
    if "--make-example" in flags:
        for path in make_example(cfg):
            print(f"wrote {path}")
        return 0
    problem = problem_of(cfg, observed(cfg))
    fitted, study, seconds = calibrate(cfg, problem)
    ident = identifiability(cfg, problem) if cfg.identifiability.run else None
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    fitted.to_csv(out / "fit.csv", index=False)
    print(fitted.to_string(index=False))
    if ident is not None:
        ident[0].to_csv(out / "identifiability.csv", index=False)
        print(ident[0].to_string(index=False))
    if not cfg.docs:
        return 0
    doc = Path(cfg.docs) if Path(cfg.docs).is_absolute() else ROOT / cfg.docs
    if not may_write(doc, full=full_study("calibrate", cfg, HOW_IT_RUNS), write_docs=WRITE_DOCS in flags):
        doc = out / doc.name  # a reduced run's report stays with its tables
    save_figure(doc.with_suffix(".png"), fit_figure(study, problem))
    atomic_write_text(doc, markdown(cfg, problem, fitted, seconds, ident, doc.with_suffix(".png").name))
    print(f"report: {doc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_cli("calibrate", argv, __doc__, report, flags=["--make-example", WRITE_DOCS], replace=REPLACED)


if __name__ == "__main__":
    sys.exit(main())
