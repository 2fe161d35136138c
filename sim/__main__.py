"""``python -m sim``: the Hydra app. One run, or a sweep with ``-m``.

    python -m sim                                   # the default scenario
    python -m sim scenario=c06_manager_b seed=3 org=small_team
    python -m sim -m seed=1,2,3                     # a sweep on the local parallel launcher

Each run writes ``timeseries.parquet``, ``teams.parquet``, ``figures/*.png`` and ``summary.json``
into its Hydra output folder (OUTPUTS.md) and prints where they went.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config import ConfigError, config_dir, register_configs, validate


def _task(cfg: DictConfig) -> float:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from sim.run import run_and_write

    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        validate(cfg)
        # also covers what only building the model finds, e.g. a bad org chart file (org=from_file)
        written = run_and_write(cfg, out)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"wrote {len(written)} files to {out}")
    summary = written.get("summary")
    if summary is not None:
        import json

        final = json.loads(Path(summary).read_text())["final"]
        print(
            "final week: "
            + ", ".join(f"{k}={final[k]:.3f}" for k in ("culture_mean", "service_quality", "customer_satisfaction"))
        )
        return float(final["service_quality"])
    return float("nan")


def main() -> None:
    """Entry point of ``python -m sim`` and of the ``service-culture`` script."""
    register_configs()
    app = hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(_task)
    app()


if __name__ == "__main__":
    main()
