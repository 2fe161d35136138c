"""``python -m sim.app``: serve the workshop dashboard (:mod:`sim.viz.dashboard`).

Solara serves this module's ``Page`` (``solara run sim.app``).
"""

import os

from sim.viz.dashboard import Page, main

__all__ = ["Page", "main"]

# ``solara run sim/app.py`` executes this file as __main__ too, with SOLARA_APP set: serve, don't start again.
if __name__ == "__main__" and "SOLARA_APP" not in os.environ:
    main()
