"""Fields of the config schema: a required value with its allowed range, or one (or several) of a set of choices.

The schema's dataclasses (``sim.config``, and each mechanism's parameters beside its mechanism in
``sim.mechanisms``) hold no defaults: every field is ``MISSING`` and its value comes from ``configs/``.
The ``range`` metadata is what :func:`sim.config.validate` checks and what ``sim.research.levers``
samples within; ``doc`` (what the field means, one line) and ``unit`` are what ``docs/parameters.md``
and ``--help`` show (every leaf of the schema says what it holds, through one of the helpers below).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from omegaconf import MISSING

UNIT = (0.0, 1.0)

#: The units a field may declare: a rate is per week (the model's step); a level is a state on [0, 1].
UNITS = (
    "per week",  # a rate: the share of a gap closed, or a probability, each week
    "share",  # a fraction of a whole (of teams, seats, people)
    "level",  # a state or a leader's trait on the 0..1 scale
    "weight",  # a relative weight, meaningful against the other weights it is combined with
    "factor",  # a dimensionless multiplier or exponent
    "weeks",
    "count",
    "customers per seat",
    "money per customer per week",
    "sd",  # a standard deviation on the scale of the quantity it spreads
    "MB",
    "",  # a name or a choice
)


def param(lo: float, hi: float, doc: str = "", unit: str = "", default: Any = MISSING) -> Any:
    """A field with an allowed closed range ``[lo, hi]``, what it means and its unit (one of ``UNITS``);
    required unless given a ``default`` (only an event's optional fields have one)."""
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not one of {UNITS}")
    return field(default=default, metadata={"range": (lo, hi), "doc": doc, "unit": unit})


def choice(*options: str, doc: str = "") -> Any:
    """A required field that takes one of ``options``."""
    return field(default=MISSING, metadata={"choices": options, "doc": doc, "unit": ""})


def any_of(*options: str, doc: str = "") -> Any:
    """A required field that takes one of ``options`` or a list of them (``[a,b]`` on the command line);
    :func:`sim.config.listed` reads it as a tuple either way."""
    return field(default=MISSING, metadata={"choices": options, "many": True, "doc": doc, "unit": ""})


def flag(doc: str) -> Any:
    """A required on/off field and what it switches."""
    return field(default=MISSING, metadata={"doc": doc, "unit": ""})


def described(doc: str, default: Any = MISSING) -> Any:
    """A field without a range or choices (a name, a path, a node of keys) and what it holds; required
    unless given a ``default``."""
    return field(default=default, metadata={"doc": doc, "unit": ""})
