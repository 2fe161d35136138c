"""``python -m sim.org check FILE ...``: validate an org chart file, summarise it and draw it."""

from sim.org.check import main

if __name__ == "__main__":
    raise SystemExit(main())
