"""``python -m sim.app``: serve the workshop dashboard (:mod:`sim.cli.dashboard`, :mod:`sim.viz.dashboard`).

Solara serves this module's ``Page`` (``solara run sim.app``).
"""

import os

# ``python -m sim.app`` runs this file as __main__; ``solara run sim/app.py`` does too, with SOLARA_APP
# set, and then wants the page, not another server.
if __name__ == "__main__" and "SOLARA_APP" not in os.environ:
    from sim.cli.dashboard import main

    raise SystemExit(main())

from sim.viz.dashboard import Page  # noqa: E402 (only once we know the page is wanted)

__all__ = ["Page"]
