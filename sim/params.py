"""Fields of the config schema: a required value with its allowed range, or one of a set of choices.

The schema's dataclasses (``sim.config``, and each mechanism's parameters beside its mechanism in
``sim.mechanisms``) hold no defaults: every field is ``MISSING`` and its value comes from ``configs/``.
The ``range`` metadata is what :func:`sim.config.validate` checks and what ``sim.research.levers``
samples within.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from omegaconf import MISSING

UNIT = (0.0, 1.0)


def param(lo: float, hi: float) -> Any:
    """A required field with an allowed closed range ``[lo, hi]``."""
    return field(default=MISSING, metadata={"range": (lo, hi)})


def choice(*options: str) -> Any:
    """A required field that takes one of ``options``."""
    return field(default=MISSING, metadata={"choices": options})
