"""``python -m sim``: one run of the model, or a sweep with ``-m`` (the Hydra app, :mod:`sim.cli.run`)."""

from sim.cli.run import main

if __name__ == "__main__":
    main()
