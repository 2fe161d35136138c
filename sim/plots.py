"""``python -m sim.plots PATH``: the figures of a run folder or of every run of a sweep (:mod:`sim.cli.plots`)."""

from sim.cli.plots import main

if __name__ == "__main__":
    raise SystemExit(main())
