"""Every leaf of the config schema says what it means (``doc``, one short line) and, for a ``param()``, its
unit (``sim.params.UNITS``): ``docs/parameters.md``, ``docs/config.md`` and ``--help`` read them from there.

The walk is the schema's own (``sim.config.schema_keys``): it starts at ``sim.config.Config`` and follows
every nested dataclass (``DynamicsConfig``'s mechanism parameters included), the value type of a dict of
dataclasses (``leadership.styles``), and the nodes the schema types as ``Any`` or untyped dicts: ``org``
(one of ``ORG_SCHEMAS``) and ``events`` (``EventConfig``).
"""

import dataclasses

import pytest

from sim.config import Config, schema_keys
from sim.params import UNITS, choice, described, param


def leaves(schema: type = Config) -> list[tuple[str, dataclasses.Field]]:
    """``(dotted key, field)`` of every leaf of ``schema``."""
    return [(leaf.key, leaf.spec) for leaf in schema_keys(schema)]


def problems(fields: list[tuple[str, dataclasses.Field]]) -> list[str]:
    out = []
    for key, spec in fields:
        doc = spec.metadata.get("doc", "")
        if not doc.strip():
            out.append(f"{key}: no doc")
        elif len(doc) > 100 or "\n" in doc or doc.endswith("."):
            out.append(f"{key}: doc is not one short line without a trailing period: {doc!r}")
        if "range" in spec.metadata and spec.metadata.get("unit") not in UNITS:
            out.append(f"{key}: unit {spec.metadata.get('unit')!r} is not one of UNITS")
    return out


LEAVES = leaves()


def test_the_walk_reaches_every_part_of_the_schema():
    keys = {key for key, _ in LEAVES}
    assert {"seed", "steps", "org.team_size", "org.max_file_mb", "org.format", "leadership.spread"} <= keys
    assert {"leadership.executive.vision", "leadership.styles.<name>.gossip", "policies.hire_rate"} <= keys
    assert {"customers.price", "events.<name>.kind", "events.<name>.intensity"} <= keys
    assert {"dynamics.influence.anchor", "dynamics.training.orientation_gain", "dynamics.turnover.quit_base"} <= keys
    assert {
        "name",
        "style.recognition_rate",
        "mechanisms.stochastic",
        "output.figures",
        "leadership.mix.<name>",
    } <= keys
    assert len(LEAVES) > 180


def test_every_key_has_a_one_line_meaning_and_every_parameter_a_unit():
    assert problems(LEAVES) == []


def test_a_key_without_a_doc_or_a_parameter_with_an_unknown_unit_is_caught():
    @dataclasses.dataclass
    class Node:
        documented: float = param(0, 1, doc="a documented rate", unit="per week")
        undocumented: float = param(0, 1, unit="per week")
        bare_choice: str = choice("a", "b")
        unit_dropped: float = dataclasses.field(default=0.0, metadata={"range": (0, 1), "doc": "a level"})
        name: str = described("a name")
        bare_name: str = "undescribed"

    @dataclasses.dataclass
    class Root:
        node: Node = dataclasses.field(default_factory=Node)

    found = problems(leaves(Root))
    assert found == [
        "node.undocumented: no doc",
        "node.bare_choice: no doc",
        "node.unit_dropped: unit None is not one of UNITS",
        "node.bare_name: no doc",
    ]


def test_param_refuses_a_unit_not_in_units():
    with pytest.raises(ValueError, match="is not one of"):
        param(0, 1, doc="a rate", unit="per month")
