import logging

import pytest

from sim.config import load_config

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture
def small_cfg():
    """The small org, 30 weeks: quick enough for many tests."""
    return load_config(["org=small_team", "steps=30"])


def only(mechanism_names: list[str]) -> list[str]:
    """Overrides that switch every mechanism off but the named ones (and random draws off)."""
    from dataclasses import fields

    from sim.config import MechanismSwitches

    return [
        f"mechanisms.{f.name}={'true' if f.name in mechanism_names else 'false'}" for f in fields(MechanismSwitches)
    ]
