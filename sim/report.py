"""``python -m sim.report [OVERRIDES] --intervention "LABEL: OVERRIDES"``: a client report in one HTML file
(:mod:`sim.cli.report`)."""

from sim.cli.report import main

if __name__ == "__main__":
    raise SystemExit(main())
