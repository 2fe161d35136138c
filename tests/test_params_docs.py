"""Every field of the config schema made with ``param()`` or ``choice()`` says what it means and, for
``param()``, its unit (``sim.params.UNITS``): ``docs/parameters.md`` and ``--help`` read them from there.

The walk starts at ``sim.config.Config`` and follows every nested dataclass (``DynamicsConfig``'s mechanism
parameters included), the value type of a dict of dataclasses (``leadership.styles``), and the nodes the
schema types as ``Any`` or untyped dicts: ``org`` (one of ``ORG_SCHEMAS``) and ``events`` (``EventConfig``).
A field with neither a range nor choices (a name, a switch, a nested node) is not a parameter and is skipped.
"""

import dataclasses
import typing

import pytest

from sim.config import ORG_SCHEMAS, Config, EventConfig
from sim.params import UNITS, choice, param

# nodes the schema cannot type (``Any``, ``dict[str, Any]``): the schemas their entries are checked against
UNTYPED_NODES: dict[str, tuple[type, ...]] = {"org": tuple(ORG_SCHEMAS.values()), "events.<name>": (EventConfig,)}


def schema_fields(schema: type, prefix: str = "") -> list[tuple[str, dataclasses.Field]]:
    """``(dotted key, field)`` of every field of ``schema``, recursively through nested nodes; a dict's
    entries are keyed ``<name>``."""
    out = []
    hints = typing.get_type_hints(schema)
    for spec in dataclasses.fields(schema):
        key, hint = f"{prefix}{spec.name}", hints[spec.name]
        if typing.get_origin(hint) is dict:
            key, hint = f"{key}.<name>", typing.get_args(hint)[1]
        nested = (hint,) if dataclasses.is_dataclass(hint) else UNTYPED_NODES.get(key, ())
        if not nested:
            out.append((key, spec))
        for sub in nested:
            out += schema_fields(sub, f"{key}.")
    return out


def parameters(schema: type = Config) -> list[tuple[str, dataclasses.Field]]:
    """The fields of the walk that are parameters: those with range or choices metadata."""
    return [(key, spec) for key, spec in schema_fields(schema) if {"range", "choices"} & set(spec.metadata)]


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


PARAMETERS = parameters()


def test_the_walk_reaches_every_part_of_the_schema():
    keys = {key for key, _ in PARAMETERS}
    assert {"seed", "steps", "org.team_size", "org.max_file_mb", "org.format", "leadership.spread"} <= keys
    assert {"leadership.executive.vision", "leadership.styles.<name>.gossip", "policies.hire_rate"} <= keys
    assert {"customers.price", "events.<name>.kind", "events.<name>.intensity"} <= keys
    assert {"dynamics.influence.anchor", "dynamics.training.orientation_gain", "dynamics.turnover.quit_base"} <= keys
    assert len(PARAMETERS) > 120


def test_every_parameter_has_a_one_line_meaning_and_a_unit():
    assert problems(PARAMETERS) == []


def test_a_parameter_without_a_doc_or_with_an_unknown_unit_is_caught():
    @dataclasses.dataclass
    class Node:
        documented: float = param(0, 1, doc="a documented rate", unit="per week")
        undocumented: float = param(0, 1, unit="per week")
        bare_choice: str = choice("a", "b")
        unit_dropped: float = dataclasses.field(default=0.0, metadata={"range": (0, 1), "doc": "a level"})
        name: str = "not a parameter"

    @dataclasses.dataclass
    class Root:
        node: Node = dataclasses.field(default_factory=Node)

    found = problems(parameters(Root))
    assert found == [
        "node.undocumented: no doc",
        "node.bare_choice: no doc",
        "node.unit_dropped: unit None is not one of UNITS",
    ]


def test_param_refuses_a_unit_not_in_units():
    with pytest.raises(ValueError, match="is not one of"):
        param(0, 1, doc="a rate", unit="per month")
