import logging

import pytest

from sim.config import load_config

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture
def small_cfg():
    """The small org, 30 weeks: quick enough for many tests."""
    return load_config(["org=small_team", "steps=30"])
