"""Sweep throughput and the per-run overhead of each Hydra launcher, against the model in-process.

    python experiments/benchmark_sweep.py            # default scenario -> docs/performance.md (section "sweeps")
    python experiments/benchmark_sweep.py --quick    # fewer runs, joblib and basic only: printed, docs/ left alone
    python experiments/benchmark_sweep.py --quick --out perf.md   # ... and written to perf.md
    python experiments/benchmark_sweep.py --json     # last line: the results as one JSON object

Everything is measured in this one process run, so the ratios compare like with like:

- ``in-process``: median CPU and wall time of ``sim.run.run_and_write`` on the default config
  (figures and all, as a sweep's run writes them), after one warm-up run, sampled again just
  before each launcher (so a drift of the machine's load reaches both sides) with as many runs at
  once as the launcher has workers (two runs on two cores share caches and slow each other, which
  is not the launcher's doing), and pooled into one median per number of workers;
- for each launcher, two sweeps over seeds (``n_small`` and ``n_large`` runs) through
  ``python -m sim -m``, timing the wall clock and the CPU seconds of the whole process tree. The
  marginal CPU per run, ``(cpu_large - cpu_small) / (n_large - n_small)``, is what one run costs
  inside a sweep; minus the in-process CPU time it is the launcher's **per-run overhead** (as a
  share of a run). CPU seconds depend far less than wall time on what else the machine runs; the
  load average before and after is printed beside the table.
- runs per minute are ``60 / marginal wall time``: the sustained rate of a long sweep; start-up is
  ``wall_small - n_small x marginal wall``, the fixed rest (Python, Hydra, Ray's start).
- Ray's worker processes are not children of the sweep's process, so their CPU time is not seen:
  for Ray only the wall-clock figures are reported.
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
from sim.run import run_and_write
from sim.viz.plots import run_figures

ROOT = Path(__file__).resolve().parent.parent
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
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


def in_process(overrides: list[str], repeats: int, workers: int = 1) -> tuple[list[float], list[float]]:
    """(CPU, wall) seconds of each of ``repeats`` default runs written to disk in-process (after a
    warm-up); with ``workers`` > 1, that many processes do so at once (each its own samples), so
    that the baseline of a parallel launcher shares the machine's cores and caches as its runs do."""
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
            run_and_write(cfg, Path(tmp) / str(i), progress=False, figures=run_figures)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    return cpu[1:], wall[1:]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sweep_cost(overrides: list[str], runs: int, extra: list[str]) -> tuple[float, float]:
    """(CPU, wall) seconds of ``python -m sim -m seed=range(runs)`` with the given launcher overrides."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "sim", "-m", f"seed=range({runs})", f"hydra.sweep.dir={tmp}/sweep"]
        cpu0, start = _children_cpu(), time.perf_counter()
        done = subprocess.run(
            cmd + extra + overrides,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=1800,
            env={**os.environ, **RAY_ENV},
        )
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(overrides)} failed:\n{done.stderr[-2000:]}")
        finished = len(list(Path(tmp, "sweep").glob("*/summary.json")))
        if finished != runs:
            raise RuntimeError(f"{' '.join(overrides)}: {finished} of {runs} runs finished")
    return cpu, wall


def measure(names: list[str], n_small: int, n_large: int, extra: list[str], repeats: int) -> dict:
    load_before = os.getloadavg()[0]
    cpu_runs: dict[int, list[float]] = {}  # in-process samples by the number of runs at once
    wall_runs: dict[int, list[float]] = {}
    rows = []
    for name in tqdm(names, desc="launchers", unit="launcher"):
        overrides, workers = LAUNCHERS[name]
        # in-process samples are taken beside each launcher, as many runs at once as it has workers,
        # so that a slow drift of the machine's load reaches both sides; they are pooled by the number
        # of workers into one median baseline below, less noisy than any launcher's own few samples
        cpu_run, wall_run = in_process(extra, repeats, workers)
        cpu_runs.setdefault(workers, []).extend(cpu_run)
        wall_runs.setdefault(workers, []).extend(wall_run)
        cpu_small, wall_small = sweep_cost(overrides, n_small, extra)
        cpu_large, wall_large = sweep_cost(overrides, n_large, extra)
        cpu_per_run = (cpu_large - cpu_small) / (n_large - n_small)
        wall_per_run = (wall_large - wall_small) / (n_large - n_small)
        rows.append(
            {
                "launcher": name,
                "workers": workers,
                f"wall_{n_small}": wall_small,
                f"wall_{n_large}": wall_large,
                "runs_per_min": 60.0 / wall_per_run,
                "cpu_per_run_s": cpu_per_run,
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
        "overrides": extra,
        "load_average": [load_before, os.getloadavg()[0]],
        "launchers": rows,
    }


def markdown(result: dict) -> str:
    base = ", ".join(
        f"**{cpu:.3f} CPU s** with {w} at once ({result['in_process_wall_s'][w]:.3f} s wall, "
        f"{result['in_process_samples'][w]} runs)"
        for w, cpu in sorted(result["in_process_cpu_s"].items())
    )
    lines = [
        "## Sweeps: launchers against the model in-process",
        "",
        "Generated by `experiments/benchmark_sweep.py` on a 2-core machine; all figures from one run of it"
        f" (1-minute load average {result['load_average'][0]:.1f} before, {result['load_average'][1]:.1f} after).",
        f"One default run written to disk in-process (`sim.run.run_and_write`, overrides "
        f"`{' '.join(result['overrides']) or 'none'}`), the median of the runs taken beside the launchers' sweeps,"
        f" as many at once as the launcher has workers: {base}.",
        f"Each launcher ran sweeps of {result['n_small']} and {result['n_large']} runs over seeds. A run's cost in"
        " a sweep is the marginal CPU time of the sweep's process tree per run; the overhead is that minus the"
        " in-process CPU time with as many runs at once, as a share of it (CPU time depends far less than"
        " wall time on what else the machine runs, though shared caches still inflate it under load)."
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
    joblib = [r for r in result["launchers"] if r["launcher"].startswith("joblib")]
    if joblib:
        worst = max(r["overhead_share"] for r in joblib)
        verdict = "within" if worst < 0.20 else "**over**"
        lines += ["", f"joblib's overhead per run is at most {100 * worst:.0f}% of a run: {verdict} the 20% target."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs; basic and joblib only; docs/ left alone")
    parser.add_argument(WRITE_DOCS, action="store_true", help=WRITE_DOCS_HELP)
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object on the last line")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "performance.md", help="the report (default: docs/performance.md)"
    )
    parser.add_argument(
        "--figures",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="runs write their figures, as the default config does (default: yes)",
    )
    args = parser.parse_args(argv)
    extra = [] if args.figures else ["output.figures=false"]
    names = list(QUICK_LAUNCHERS if args.quick else LAUNCHERS)
    n_small, n_large = (2, 6) if args.quick else (4, 16)
    result = measure(names, n_small, n_large, extra, repeats=2 if args.quick else 3)
    text = markdown(result)
    print(text)
    if may_write(args.out, full=not args.quick, write_docs=args.write_docs):
        replace_doc_section(args.out, "sweeps" if args.figures else "sweeps-no-figures", text, title="Performance")
        print(f"\nwrote {args.out}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
