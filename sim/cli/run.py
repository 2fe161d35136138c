"""``python -m sim``: the Hydra app. One run, or a sweep with ``-m``.

    python -m sim                                   # the default scenario
    python -m sim scenario=c06_manager_b seed=3 org=small_team
    python -m sim -m seed=1,2,3                     # a sweep on the local parallel launcher
    python -m sim -m seed=range(8) hydra.sweep.dir=multirun/s1   # run again to resume
    python -m sim -m seed=range(100) replications=10             # 1,000 runs, ten a job (seeds 0..999)

Each run writes ``timeseries.parquet``, ``teams.parquet`` and ``summary.json`` into its Hydra output
folder (docs/outputs.md) and prints where they went; a single run draws ``figures/*.png`` too, a sweep
only with ``output.figures=true`` (``python -m sim.plots`` draws them later). A job of
``replications`` > 1 runs seeds ``seed*R .. seed*R+R-1``, each into its own ``seed<s>/`` subfolder, so
Hydra's work for a job is paid once for R runs. A run whose folder already holds a complete run of
the same configuration and seed (``run_key``, sim.sweeps.jobs) is skipped, so re-running a sweep into
the same folder resumes it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.config import ConfigError, check_override, config_dir, register_configs


def _task(cfg: DictConfig) -> float:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from sim.results import SUMMARY, run_key
    from sim.run import run_and_write
    from sim.sweeps.jobs import finished_with_key, record_finished, remove_leftovers, replicate_dir, replicate_seeds
    from sim.viz.plots import run_figures

    hydra_cfg = HydraConfig.get()
    out = Path(hydra_cfg.runtime.output_dir)
    sweeping = hydra_cfg.mode == RunMode.MULTIRUN
    draw = (not sweeping) if cfg.output.figures is None else bool(cfg.output.figures)
    seeds = replicate_seeds(cfg.seed, cfg.replications)
    value = float("nan")
    try:
        for seed in seeds:
            folder = replicate_dir(out, seed, len(seeds))
            if finished_with_key(folder, run_key(cfg, seed=seed)):
                print(f"skipped: {folder} already holds this run (same config and seed)")
                value = _report(folder / SUMMARY)
                continue
            remove_leftovers(folder)
            # The model validates the config (and what only building it finds, e.g. a bad org chart
            # file with org=from_file) before anything is written. A sweep shows one progress bar for
            # all its runs (sim.sweeps.jobs.SweepProgress), not one per run.
            written = run_and_write(
                cfg, folder, seed=seed, progress=False if sweeping else None, figures=run_figures if draw else None
            )
            if sweeping:
                record_finished(Path(hydra_cfg.sweep.dir), folder)
            print(f"wrote {len(written)} files to {folder}")
            value = _report(written["summary"])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    return value


def _report(summary: Path) -> float:
    import json

    final = json.loads(Path(summary).read_text())["final"]
    print(
        "final week: "
        + ", ".join(f"{k}={final[k]:.3f}" for k in ("culture_mean", "service_quality", "customer_satisfaction"))
    )
    return float(final["service_quality"])


def main() -> None:
    """Entry point of ``python -m sim`` and of the ``service-culture`` script."""
    # plain `group.key=value` overrides only: Hydra's own (hydra.*), appends (+), deletions (~), flags and
    # package overrides (key@package) are left to Hydra
    overrides = [arg for arg in sys.argv[1:] if "=" in arg and not arg.startswith(("+", "~", "-", "hydra."))]
    try:
        for override in overrides:
            key = override.partition("=")[0]
            if "." in key and "@" not in key:
                check_override(override)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    register_configs()
    app = hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(_task)
    app()


if __name__ == "__main__":
    main()
