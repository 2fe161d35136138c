"""``python -m sim.org check FILE ...``: validate an org chart file, summarise it and draw it (:mod:`sim.cli.org`)."""

from sim.cli.org import main

if __name__ == "__main__":
    raise SystemExit(main())
