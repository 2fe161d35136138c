"""Calibrate the model by simulated moments: fit the parameters the calibration moments of
configs/research/moments.yaml inform, so that the model's moments match the published ones.

    python experiments/fit_moments.py                   # configs/research/fit_moments.yaml -> docs/fit.md, .png
    python experiments/fit_moments.py trials=30 seeds=2 storage=/tmp/fit.db out=/tmp/fit   # a reduced fit
    python experiments/fit_moments.py --apply           # the full fit, then its best values become the defaults

The loss, the intervals and the identifiability verdict are those of ``sim.research.moment_fit`` (module
docstring; repeated in the report). Every trial is stored in the SQLite file ``storage``: a fit that was
stopped (Ctrl-C, a lost job) continues from its last completed trial when run again with the same
settings, up to ``trials``; a study made with other moments, parameters or seeds is refused.

``--apply`` writes each fitted parameter's best value into the defaults under configs/ (the file the
default config composes for its group, e.g. configs/dynamics/default.yaml), with a comment naming the
report; only a full fit (the committed settings, ``workers``, ``out``, ``storage`` and ``docs`` aside)
may. The held-out moments are then checked once at the new defaults by experiments/held_out.py.

The report goes into docs/ only from a full fit, or with ``--write-docs``; a reduced fit puts it
beside its tables in ``out``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import DictConfig, OmegaConf

from experiments._docs import WRITE_DOCS, full_study, may_write
from sim.config import ConfigError, config_dir, load_config
from sim.research.calibration import completed
from sim.research.levers import resolve
from sim.research.moment_fit import BOUND_SHARE, MomentProblem, fit, moments_table, summarise
from sim.research.moment_measures import TRAINING
from sim.research.moments import load_moments
from sim.research.study import run_cli
from sim.results import atomic_write_text, save_figure

ROOT = Path(__file__).resolve().parent.parent
REPLACED = ["parameters"]
HOW_IT_RUNS = ("workers", "out", "storage", "docs")
APPLY = "--apply"


def problem_of(cfg: DictConfig) -> MomentProblem:
    """The calibration moments and the fitted parameters; each fitted parameter must be one a
    calibration moment informs."""
    moments = [m for m in load_moments() if m.set == "calibration"]
    informed = {p for m in moments for p in m.informs}
    composed = load_config([*cfg.base, "output.progress=false"])
    levers = [resolve(name, composed, bounds) for name, bounds in cfg.parameters.items()]
    stray = [lv.name for lv in levers if lv.name not in informed]
    if stray:
        raise ConfigError(f"parameters.{stray[0]} is informed by no calibration moment (configs/research/moments.yaml)")
    seeds = list(range(cfg.first_seed, cfg.first_seed + cfg.seeds))
    return MomentProblem(levers, [*cfg.base, "output.progress=false"], moments, seeds, cfg.workers)


def defaults_file(key: str) -> tuple[Path, list[str]]:
    """The file under configs/ that holds the default of ``key`` (the option the default config picks
    for its group) and the key's path inside it."""
    group, *rest = key.split(".")
    chosen = {}
    for entry in OmegaConf.load(config_dir() / "config.yaml").defaults:
        if isinstance(entry, DictConfig | dict):
            chosen.update({k: v for k, v in dict(entry).items() if "/" not in k and " " not in k})
    if group not in chosen or not rest:
        raise ConfigError(f"{key}: not a key of a config group the default config composes")
    return config_dir() / group / f"{chosen[group]}.yaml", rest


def set_default(key: str, value: float, comment: str) -> Path:
    """Rewrite the line of ``key`` in its defaults file to ``value``, its comment to ``comment``."""
    path, parts = defaults_file(key)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    depth, indent = 0, 0
    for i, line in enumerate(lines):
        match = re.match(r"^( *)([A-Za-z_]\w*):", line)
        if not match:
            continue
        here = len(match.group(1))
        if depth and here <= indent:  # left the section of parts[depth - 1] without finding the key
            break
        if match.group(2) != parts[depth] or (depth == 0 and here > 0):
            continue
        if depth == len(parts) - 1:
            lines[i] = f"{match.group(1)}{parts[depth]}: {value:.4g}    # {comment}\n"
            atomic_write_text(path, "".join(lines))
            return path
        depth, indent = depth + 1, here
    raise ConfigError(f"{path.name} has no key {'.'.join(parts)}")


def fit_figure(table: pd.DataFrame) -> Figure:
    """Each calibration moment: published (± sigma), the model at the old defaults and at the fit
    (mean ± sd over seeds)."""
    cols = min(3, len(table))
    rows = -(-len(table) // cols)
    fig = Figure(figsize=(3.6 * cols, 2.8 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(table) :]:
        ax.set_visible(False)
    for ax, r in zip(axes, table.itertuples(), strict=False):
        ax.errorbar([0], [r.published], yerr=[r.sigma], fmt="s", color="black", capsize=4)
        ax.errorbar([1], [r.at_defaults], yerr=[r.at_defaults_sd], fmt="o", color="tab:grey", capsize=4)
        ax.errorbar([2], [r.at_fit], yerr=[r.at_fit_sd], fmt="o", color="tab:orange", capsize=4)
        ax.set_xticks([0, 1, 2], ["published", "before", "fitted"], fontsize=8)
        ax.set_xlim(-0.5, 2.5)
        ax.set_title(r.moment.replace("_", " "), fontsize=9)
    return fig


def markdown(cfg: DictConfig, problem: MomentProblem, fitted: pd.DataFrame, moments: pd.DataFrame, info: dict) -> str:
    by_id = {m.id: m for m in problem.moments}
    lines = [
        "# Calibration by simulated moments",
        "",
        "Generated by `experiments/fit_moments.py` from `configs/research/fit_moments.yaml` and the calibration",
        "set of `configs/research/moments.yaml` (do not edit by hand). The held-out moments are checked at the",
        "fitted defaults in [held_out.md](held_out.md); the moments themselves, with sources, in",
        "[evidence.md](evidence.md).",
        "",
        "## Set-up",
        "",
        f"- Model: `{' '.join(cfg.base)}`, every other key at its default; {len(problem.seeds)} seeds per trial"
        f" ({problem.seeds[0]}..{problem.seeds[-1]}, the same in every trial: common random numbers).",
        "- Runs per seed: the configuration over its 156 weeks (the panels of its people recorded), and the same"
        f" with a training wave (dose {TRAINING.dose:g}) in week {TRAINING.week} for a random"
        f" {TRAINING.share:.0%} of the frontline staff, read {TRAINING.after} weeks later"
        " (`sim/research/moment_measures.py`).",
        f"- Optuna: {info['trials']} trials (multivariate TPE, the first {cfg.startup} at random), stored in an"
        f" SQLite file (a stopped fit resumes); {info['minutes']:.1f} min of trials on 2 cores.",
        "",
        "**Loss** (chi-square units), `m̄_j(θ)` the mean over seeds of moment j, `v_j` its published value:",
        "",
        "    L(θ) = Σ_j ((m̄_j(θ) − v_j) / σ_j)²,   σ_j² = w_j² + var_s(m_sj(θ₀)) / S",
        "",
        "`w_j` is the published value's uncertainty: a range the source gives (across years, samples or tasks)"
        " read as a 95% range, `w_j = (high − low) / 3.92`, else 0 (the sources give no standard error the"
        " model could use); the second term is the Monte Carlo error of the model's mean over S seeds, at the"
        " defaults before the fit θ₀, fixed for the fit.",
        "**Interval**: the trials with `L ≤ min L + χ²₀.₉₅(k)` (k fitted parameters), projected on each"
        " parameter (an inner estimate over the trials evaluated). An interval covering at least"
        f" {cfg.identifiable_share:.0%} of the searched range: **not identifiable** from these moments; one"
        f" that reaches a bound of the searched range (within {BOUND_SHARE:.0%} of it): **at the searched bound**,"
        " the moments would take the parameter beyond it."
        " **Per-seed best**: each seed's own lowest-loss trial.",
        "",
        "## Fitted parameters",
        "",
        "| parameter | searched | before | best | 95% interval | share of range | verdict |"
        " per-seed best: mean ± sd [min, max] | informed by |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    informs = {p: [m.id for m in problem.moments if p in m.informs] for p in fitted.parameter}
    for r in fitted.itertuples():
        verdict = "identifiable" if r.identifiable else "**not identifiable**"
        verdict += ", **at the searched bound**" if r.at_bound else ""
        lines.append(
            f"| `{r.parameter}` | [{r.range_low:g}, {r.range_high:g}] | {info['before'][r.parameter]:.4g}"
            f" | {r.best:.4g} | [{r.low:.4g}, {r.high:.4g}] | {r.share_of_range:.0%} | {verdict}"
            f" | {r.seed_mean:.4g} ± {r.seed_sd:.3g} [{r.seed_min:.4g}, {r.seed_max:.4g}]"
            f" | {', '.join(informs[r.parameter])} |"
        )
    unfitted = sorted({p for m in problem.moments for p in m.informs} - set(fitted.parameter))
    if unfitted:
        lines += [
            "",
            "Informed by a calibration moment but kept at its default (one moment, one parameter: a second"
            " parameter on the same moment could not be identified): " + ", ".join(f"`{p}`" for p in unfitted) + ".",
        ]
    lines += [
        "",
        "## Calibration moments: published and model",
        "",
        f"Best loss {info['best_loss']:.2f} over {len(problem.moments)} moments (before the fit:"
        f" {info['start_loss']:.2f}).",
        "",
        "| moment | published | σ | model before (mean ± sd over seeds) | model at the fit | loss term |",
        "|---|---|---|---|---|---|",
    ]
    for r in moments.itertuples():
        m = by_id[r.moment]
        lines.append(
            f"| `{r.moment}` ({m.statistic}) | {m.published} | {r.sigma:.3g} | {r.at_defaults:.3g} ± "
            f"{r.at_defaults_sd:.2g} | {r.at_fit:.3g} ± {r.at_fit_sd:.2g} | {r.loss_term:.2f} |"
        )
    lines += ["", f"![published and model moments]({info['chart']})", ""]
    return "\n".join(lines)


def apply(fitted: pd.DataFrame, report: str) -> list[Path]:
    """Write the best values into the defaults under configs/."""
    return [set_default(r.parameter, r.best, f"fitted to published moments ({report})") for r in fitted.itertuples()]


def run(cfg: DictConfig, flags: set[str]) -> int:
    problem = problem_of(cfg)
    full = full_study("fit_moments", cfg, HOW_IT_RUNS)
    if APPLY in flags and not full:
        raise ConfigError(f"{APPLY} needs the full fit (configs/research/fit_moments.yaml as committed)")
    study = fit(
        problem, cfg.trials, cfg.storage, cfg.study, sampler_seed=cfg.sampler_seed, startup=cfg.startup, progress=True
    )
    fitted = summarise(study, problem, cfg.level, cfg.identifiable_share)
    moments = moments_table(study, problem)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    fitted.to_csv(out / "fit.csv", index=False)
    moments.to_csv(out / "moments.csv", index=False)
    print(fitted.to_string(index=False))
    print(moments.to_string(index=False))
    if cfg.docs:
        doc = Path(cfg.docs) if Path(cfg.docs).is_absolute() else ROOT / cfg.docs
        if not may_write(doc, full=full, write_docs=WRITE_DOCS in flags):
            doc = out / doc.name
        sigma = np.array(study.user_attrs["sigma"])
        start = problem.loss(np.array(study.user_attrs["start"]), sigma)
        info = {
            "trials": len(completed(study)),
            "minutes": sum((t.datetime_complete - t.datetime_start).total_seconds() for t in completed(study)) / 60,
            "before": study.user_attrs["before"],
            "best_loss": study.best_value,
            "start_loss": start,
            "chart": doc.with_suffix(".png").name,
        }
        save_figure(doc.with_suffix(".png"), fit_figure(moments))
        atomic_write_text(doc, markdown(cfg, problem, fitted, moments, info))
        print(f"report: {doc}")
    if APPLY in flags:
        for path in apply(fitted, "docs/fit.md"):
            print(f"defaults written: {path.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_cli("fit_moments", argv, __doc__, run, flags=[APPLY, WRITE_DOCS], replace=REPLACED)


if __name__ == "__main__":
    sys.exit(main())
