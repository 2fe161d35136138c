"""``python -m sim.collect SWEEP_DIR``: one table of a sweep's runs (:mod:`sim.sweeps.collect`)."""

from sim.sweeps.collect import main

if __name__ == "__main__":
    raise SystemExit(main())
