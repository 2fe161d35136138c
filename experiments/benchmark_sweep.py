"""Sweep throughput against the model in-process, and the per-run overhead of each Hydra launcher.

    python experiments/benchmark_sweep.py            # -> docs/performance.md (sections "sweeps", "launchers")
    python experiments/benchmark_sweep.py --quick    # fewer runs, joblib and basic only: printed, docs/ left alone
    python experiments/benchmark_sweep.py --quick --out perf.md   # ... and written to perf.md
    python experiments/benchmark_sweep.py --json     # last line: the results as one JSON object

Everything is measured in this one process run, so the ratios compare like with like.

**Throughput** (section "sweeps"): the default config swept over seeds on the joblib launcher with
as many workers as the machine has cores, in four ways: figures on (``output.figures=true``, what
every sweep run drew before figures were left out of sweeps), the default (figures off in a
sweep, one run a Hydra job), and 8 and 16 runs a job (``replications``), 64 runs each (32 with
``--quick``). Each is timed whole, from the command's start to its end: the whole-sweep rate is the
runs over that time; the sustained rate, what a long sweep settles at, is the runs over that time
less the sweep's fixed cost (Python, Hydra, the workers' start and imports), measured as a sweep of
one tiny run a worker. The reference is :func:`sim.run.run_seeds`, the same runs in-process with
nothing written: in one process, and in as many processes at once as the sweep has workers (runs
sharing the cores and caches as a sweep's do).

**Launchers** (section "launchers"; ``--quick``: basic and joblib only): for each launcher, two sweeps over seeds; the
marginal CPU per run of the sweep's process tree, ``(cpu_large - cpu_small) / (n_large - n_small)``,
minus the in-process CPU time of the same run written to disk (``sim.run.run_and_write``), as a
share of it, is the launcher's **per-run overhead**. Ray's worker processes are not children of the
sweep's process, so their CPU time is not seen: for Ray only the wall-clock figures are reported.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm.auto import tqdm

from experiments._docs import WRITE_DOCS, WRITE_DOCS_HELP, may_write
from sim.config import load_config
from sim.results import replace_doc_section
from sim.run import run_and_write, run_seeds
from sim.sweeps.jobs import count_finished

ROOT = Path(__file__).resolve().parent.parent
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
WORKERS = os.cpu_count() or 1
#: name -> (overrides, workers)
LAUNCHERS = {
    "basic": (["hydra/launcher=basic"], 1),
    "joblib, 1 worker": (["hydra.launcher.n_jobs=1"], 1),
    "joblib, 2 workers": (["hydra.launcher.n_jobs=2"], 2),
    "submitit local": (["hydra/launcher=submitit_local"], 2),
    "ray (local)": (["hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2"], 2),
}
#: launchers whose workers are not children of the sweep's process: their CPU time is not counted
CPU_UNSEEN = ("ray (local)",)
QUICK_LAUNCHERS = ("basic", "joblib, 1 worker", "joblib, 2 workers")
#: the throughput cases: name -> (runs a job, overrides); figures on is the reference the others are
#: compared with, as every sweep run drew its figures before
FIGURES_ON = "figures on (before)"
SWEEPS = {
    FIGURES_ON: (1, ["output.figures=true"]),
    "default: 1 run a job": (1, []),
    "8 runs a job": (8, []),
    "16 runs a job": (16, []),
}


def seeds_rate(runs: int, workers: int = 1) -> float:
    """Runs per minute of :func:`sim.run.run_seeds` on the default config, after a warm-up run, in
    ``workers`` processes at once (each ``runs // workers`` runs; rates summed)."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            return sum(pool.map(seeds_rate, [runs // workers] * workers))
    logging.getLogger("MESA").setLevel(logging.WARNING)
    cfg = load_config()
    run_seeds(cfg, [10**6], teams=True)
    start = time.perf_counter()
    run_seeds(cfg, range(runs), teams=True)
    return 60.0 * runs / (time.perf_counter() - start)


def in_process(overrides: list[str], repeats: int, workers: int = 1) -> tuple[list[float], list[float]]:
    """(CPU, wall) seconds of each of ``repeats`` default runs written to disk in-process (after a
    warm-up), as a sweep's run writes them (no figures); with ``workers`` > 1, that many processes do
    so at once (each its own samples), so that the baseline of a parallel launcher shares the
    machine's cores and caches as its runs do."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(in_process, [overrides] * workers, [repeats] * workers))
        return [c for cpu, _ in parts for c in cpu], [w for _, wall in parts for w in wall]
    logging.getLogger("MESA").setLevel(logging.WARNING)
    cfg = load_config(overrides)
    cpu, wall = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats + 1):
            c0, w0 = time.process_time(), time.perf_counter()
            run_and_write(cfg, Path(tmp) / str(i), progress=False)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    return cpu[1:], wall[1:]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sweep_cost(overrides: list[str], runs: int, extra: list[str], per_job: int = 1) -> tuple[float, float]:
    """(CPU, wall) seconds of ``python -m sim -m`` making ``runs`` runs over seeds, ``per_job`` runs
    a Hydra job (``replications``), with the given launcher overrides; checks every run finished."""
    if runs % per_job:
        raise ValueError(f"{runs} runs do not split into jobs of {per_job}")
    jobs = [f"seed=range({runs // per_job})", f"replications={per_job}"]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "sim", "-m", *jobs, f"hydra.sweep.dir={tmp}/sweep"]
        cpu0, start = _children_cpu(), time.perf_counter()
        done = subprocess.run(
            cmd + extra + overrides,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=3600,
            env={**os.environ, **RAY_ENV},
        )
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(overrides + extra)} failed:\n{done.stderr[-2000:]}")
        finished = count_finished(Path(tmp, "sweep"))
        if finished != runs:
            raise RuntimeError(f"{' '.join(overrides + extra)}: {finished} of {runs} runs finished")
    return cpu, wall


def throughput(runs: int, workers: int) -> dict:
    """The throughput cases of :data:`SWEEPS` on joblib with ``workers`` workers, and run_seeds."""
    launcher = [f"hydra.launcher.n_jobs={workers}"]
    # the fixed cost of a sweep (Python, Hydra, the workers' start and imports): a sweep of one tiny run
    # a worker, the smaller of two tries
    tiny = ["org=small_team", "steps=1"]
    startup = min(sweep_cost(launcher, workers, tiny)[1] for _ in range(2))
    rows = []
    for name, (per_job, extra) in tqdm(SWEEPS.items(), desc="throughput", unit="case"):
        _, wall = sweep_cost(launcher, runs, extra, per_job)
        rows.append(
            {
                "case": name,
                "runs_per_job": per_job,
                "wall_s": wall,
                "whole_per_min": 60.0 * runs / wall,
                "sustained_per_min": 60.0 * runs / (wall - startup),
            }
        )
    seeds_one = seeds_rate(runs // 2)
    seeds_parallel = seeds_rate(runs // 2, workers) if workers > 1 else seeds_one
    before = next(r for r in rows if r["case"] == FIGURES_ON)
    for r in rows:
        for kind in ("whole", "sustained"):
            r[f"{kind}_vs_figures_on"] = r[f"{kind}_per_min"] / before[f"{kind}_per_min"]
            r[f"{kind}_vs_run_seeds"] = r[f"{kind}_per_min"] / seeds_one
            r[f"{kind}_vs_run_seeds_parallel"] = r[f"{kind}_per_min"] / seeds_parallel
    return {
        "workers": workers,
        "runs": runs,
        "startup_s": startup,
        "run_seeds_per_min": seeds_one,
        "run_seeds_parallel_per_min": seeds_parallel,
        "cases": rows,
    }


def launchers(names: list[str], n_small: int, n_large: int, repeats: int) -> dict:
    """The per-run overhead of each launcher in ``names`` (see the module's docstring)."""
    cpu_runs: dict[int, list[float]] = {}  # in-process samples by the number of runs at once
    wall_runs: dict[int, list[float]] = {}
    rows = []
    for name in tqdm(names, desc="launchers", unit="launcher"):
        overrides, workers = LAUNCHERS[name]
        # in-process samples are taken beside each launcher, as many runs at once as it has workers,
        # so that a slow drift of the machine's load reaches both sides; they are pooled by the number
        # of workers into one median baseline below, less noisy than any launcher's own few samples
        cpu_run, wall_run = in_process([], repeats, workers)
        cpu_runs.setdefault(workers, []).extend(cpu_run)
        wall_runs.setdefault(workers, []).extend(wall_run)
        cpu_small, wall_small = sweep_cost(overrides, n_small, [])
        cpu_large, wall_large = sweep_cost(overrides, n_large, [])
        wall_per_run = (wall_large - wall_small) / (n_large - n_small)
        rows.append(
            {
                "launcher": name,
                "workers": workers,
                "runs_per_min": 60.0 / wall_per_run,
                "cpu_per_run_s": (cpu_large - cpu_small) / (n_large - n_small),
                "startup_s": wall_small - n_small * wall_per_run,
            }
        )
    baseline = {w: statistics.median(samples) for w, samples in cpu_runs.items()}
    for row in rows:
        unseen = row["launcher"] in CPU_UNSEEN  # its CPU figure is not the run's cost: no ratio
        base = baseline[row["workers"]]
        row["in_process_cpu_s"] = base
        row["cpu_per_run_s"] = None if unseen else row["cpu_per_run_s"]
        row["overhead_share"] = None if unseen else (row["cpu_per_run_s"] - base) / base
    return {
        "in_process_cpu_s": baseline,
        "in_process_samples": {w: len(samples) for w, samples in cpu_runs.items()},
        "in_process_wall_s": {w: statistics.median(samples) for w, samples in wall_runs.items()},
        "n_small": n_small,
        "n_large": n_large,
        "launchers": rows,
    }


def measure(quick: bool) -> dict:
    """Both measurements of the module's docstring, with the machine's load before and after."""
    load_before = os.getloadavg()[0]
    result = {"throughput": throughput(32 if quick else 64, WORKERS)}  # a multiple of every case's runs a job
    names = list(QUICK_LAUNCHERS if quick else LAUNCHERS)
    result["launchers"] = launchers(names, *((2, 6) if quick else (4, 16)), repeats=2 if quick else 3)
    result["load_average"] = [load_before, os.getloadavg()[0]]
    return result


def throughput_markdown(t: dict, load: list[float]) -> str:
    lines = [
        "## Sweeps: throughput against the model in-process",
        "",
        f"Generated by `experiments/benchmark_sweep.py` on a {t['workers']}-core machine; all figures from one run"
        f" of it (1-minute load average {load[0]:.1f} before, {load[1]:.1f} after).",
        f"The default config swept over seeds with `python -m sim -m` on joblib with {t['workers']} workers,"
        f" {t['runs']} runs a sweep, timed whole from the command's start to its end. *Whole*: {t['runs']} runs"
        " over that time. *Sustained*: the same runs over that time less the fixed cost of a sweep (Python, Hydra,"
        f" the workers' start and imports: a sweep of one tiny run a worker, {t['startup_s']:.1f} s), the rate a"
        f" long sweep settles at. Reference: `sim.run.run_seeds`, the same runs in-process with nothing written:"
        f" **{t['run_seeds_per_min']:.0f} runs/min** in one process,"
        f" **{t['run_seeds_parallel_per_min']:.0f}** in {t['workers']} processes at once.",
        "",
        "| sweep | runs a job | whole (runs/min) | sustained (runs/min) | x figures on (whole / sustained) "
        "| share of run_seeds, 1 process (whole / sustained) "
        f"| share of run_seeds, {t['workers']} processes (whole / sustained) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in t["cases"]:
        lines.append(
            f"| {r['case']} | {r['runs_per_job']} | {r['whole_per_min']:.0f} | {r['sustained_per_min']:.0f} "
            f"| {r['whole_vs_figures_on']:.1f} / {r['sustained_vs_figures_on']:.1f} "
            f"| {100 * r['whole_vs_run_seeds']:.0f}% / {100 * r['sustained_vs_run_seeds']:.0f}% "
            f"| {100 * r['whole_vs_run_seeds_parallel']:.0f}% / {100 * r['sustained_vs_run_seeds_parallel']:.0f}% |"
        )
    return "\n".join(lines)


def launchers_markdown(result: dict, load: list[float]) -> str:
    base = ", ".join(
        f"**{cpu:.3f} CPU s** with {w} at once ({result['in_process_wall_s'][w]:.3f} s wall, "
        f"{result['in_process_samples'][w]} runs)"
        for w, cpu in sorted(result["in_process_cpu_s"].items())
    )
    lines = [
        "## Sweeps: per-run overhead of each launcher",
        "",
        "Generated by `experiments/benchmark_sweep.py` on a 2-core machine, in the same run as the section above"
        f" (1-minute load average {load[0]:.1f} before, {load[1]:.1f} after).",
        "One default run written to disk in-process as a sweep's run is (`sim.run.run_and_write`, no figures),"
        f" the median of the runs taken beside the launchers' sweeps, as many at once as the launcher has"
        f" workers: {base}.",
        f"Each launcher ran sweeps of {result['n_small']} and {result['n_large']} runs over seeds, one run a job."
        " A run's cost in a sweep is the marginal CPU time of the sweep's process tree per run; the overhead is"
        " that minus the in-process CPU time with as many runs at once, as a share of it (CPU time depends far"
        " less than wall time on what else the machine runs, though shared caches still inflate it under load)."
        " Runs per minute and start-up (Python, Hydra, Ray) are wall clock. joblib with 1 worker runs its"
        " jobs in the launching process (joblib does not start a worker for `n_jobs=1`).",
        "",
        "| launcher | workers | runs/min (sustained) | CPU per run in the sweep (s) | in-process (s) "
        "| overhead per run | start-up (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["launchers"]:
        if r["overhead_share"] is None:
            cpu, overhead = "not seen (Ray's workers)", "n/a"
        else:
            cpu, overhead = f"{r['cpu_per_run_s']:.3f}", f"{100 * r['overhead_share']:+.0f}%"
        # start-up is what remains of the small sweep's wall time after its runs: an estimate, which
        # reads as noise around zero when a launcher's fixed cost is within one run's variation
        startup = f"{r['startup_s']:.1f}" if r["startup_s"] >= 0.05 else "~0"
        lines.append(
            f"| {r['launcher']} | {r['workers']} | {r['runs_per_min']:.1f} | {cpu} | {r['in_process_cpu_s']:.3f} "
            f"| {overhead} | {startup} |"
        )
    lines += [
        "",
        "One run a job pays Hydra's work for each job (composing the job's config, copying it twice, writing"
        " `.hydra/`, logging); `replications=R` pays it once for R runs (section above).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs; basic and joblib only; docs/ left alone")
    parser.add_argument(WRITE_DOCS, action="store_true", help=WRITE_DOCS_HELP)
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object on the last line")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "performance.md", help="the report (default: docs/performance.md)"
    )
    args = parser.parse_args(argv)
    result = measure(args.quick)
    sections = {
        "sweeps": throughput_markdown(result["throughput"], result["load_average"]),
        "launchers": launchers_markdown(result["launchers"], result["load_average"]),
    }
    print("\n\n".join(sections.values()))
    if may_write(args.out, full=not args.quick, write_docs=args.write_docs):
        for name, text in sections.items():
            replace_doc_section(args.out, name, text, title="Performance")
        print(f"\nwrote {args.out}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
