"""``python -m sim.app`` and ``service-culture-dashboard``: serve the workshop dashboard (:mod:`sim.viz.dashboard`).

The dashboard needs the ``dashboard`` extra (Solara); a base install (``make run``) has none, so this
says what to install instead of failing on an import.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

INSTALL = "make dashboard (or: pip install -e '.[dashboard]')"


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the dashboard; returns 2 with one line on stderr when its extra is not installed."""
    if importlib.util.find_spec("solara") is None:
        print(f"error: the dashboard needs the dashboard extra, which is not installed: {INSTALL}", file=sys.stderr)
        return 2
    from sim.viz.dashboard import main as serve

    return serve(argv)
