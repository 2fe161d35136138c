"""The command line of ``python -m sim``, checked before Hydra starts so that every mistake is one line.

Hydra reports an unknown key, group option or a value of the wrong type over several lines (with advice
to append ``+key=`` or a list of every option) and exits 1. :func:`check_overrides` reads the overrides
with Hydra's own parser and checks them against the schema (``sim.config.schema_keys``) and the
config groups in ``configs/``: an unknown key or option is named with the closest valid ones
(``difflib``), a value is converted as OmegaConf would convert it and checked against its range.
What it cannot know before composing (an option's own contents, the org's schema chosen by
``org.source``, the leader styles a config has) is left to Hydra and ``sim.config.validate``, whose
errors the app also prints as one line.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, ValueType
from hydra.errors import OverrideParseException
from omegaconf import BooleanNode, FloatNode, IntegerNode, OmegaConf, ValidationError

from sim.config import (
    ConfigError,
    SchemaKey,
    check_listed,
    checked_value,
    config_dir,
    refuse_empty_merge,
    schema_keys,
    without_none,
)

#: Hydra's own flags that change where the config comes from: the checks here would read the wrong tree
_OTHER_TREE = ("config_path", "config_name", "config_dir", "experimental_rerun")
_NODE_TYPES = {int: IntegerNode, float: FloatNode, bool: BooleanNode}
_KINDS = {int: "an integer", float: "a number", bool: "true or false"}
NAME = "<name>"
#: how much less alike than the closest name another may be and still be suggested (difflib's ratio)
NEARLY = 0.05


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit 2: how every user error of the command line ends."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_command_line(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` read by Hydra's own argument parser (its flags and the overrides), with a wrong flag a
    one-line error instead of argparse's usage block."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()
    parser.error = fail  # type: ignore[method-assign]
    return parser.parse_args(list(argv))


def checks_apply(args: argparse.Namespace) -> bool:
    """Whether the overrides can be checked against ``configs/``: not when a flag points Hydra at
    another config tree or name."""
    return not any(getattr(args, name, None) for name in _OTHER_TREE)


def closest(word: str, choices: Iterable[str]) -> list[str]:
    """The names of ``choices`` closest to ``word`` (``difflib``): the best and any nearly as close."""
    close = difflib.get_close_matches(word, list(choices), n=5, cutoff=0.6)
    ratio = [difflib.SequenceMatcher(None, word, c).ratio() for c in close]
    return [c for c, r in zip(close, ratio, strict=True) if r >= ratio[0] - NEARLY][:3] if close else []


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean a or b?"`` with the :func:`closest` names of ``choices``, or ``""``."""
    close = closest(word, choices)
    return f"; did you mean {' or '.join(close)}?" if close else ""


@functools.cache
def group_options() -> dict[str, tuple[str, ...]]:
    """Every config group of ``configs/`` (its folders, ``hydra`` aside) -> its options (the YAML files)."""
    root = config_dir()
    return {
        folder.relative_to(root).as_posix(): tuple(sorted(p.stem for p in folder.glob("*.yaml")))
        for folder in sorted(root.rglob("*"))
        if folder.is_dir() and folder.relative_to(root).parts[0] != "hydra"
    }


@functools.cache
def run_groups() -> dict[str, str | None]:
    """The groups a run picks an option of (the primary config's defaults list) -> the default option."""
    out: dict[str, str | None] = {}
    for entry in OmegaConf.to_container(OmegaConf.load(config_dir() / "config.yaml"))["defaults"]:
        if isinstance(entry, dict):
            ((group, option),) = entry.items()
            if not group.startswith("override "):
                out[group] = option
    return out


@functools.cache
def _leaves() -> tuple[tuple[tuple[str, ...], SchemaKey], ...]:
    return tuple((tuple(leaf.key.split(".")), leaf) for leaf in schema_keys())


def _matches(parts: Sequence[str], pattern: Sequence[str]) -> bool:
    return len(parts) == len(pattern) and all(p == q or q == NAME for p, q in zip(parts, pattern, strict=True))


def schema_leaves(key: str) -> list[SchemaKey]:
    """The schema's leaves for a dotted config key (a dict's entries match ``<name>``): one, or one per org
    schema for an ``org`` key both have, or none."""
    parts = key.split(".")
    return [leaf for pattern, leaf in _leaves() if _matches(parts, pattern)]


def _node_fields(key: str) -> list[str] | None:
    """The names under ``key`` when it is a node of the schema (``dynamics.influence``; ``""`` the root),
    else None."""
    parts = key.split(".") if key else []
    below = [
        pattern[len(parts)]
        for pattern, _ in _leaves()
        if len(pattern) > len(parts) and _matches(parts, pattern[: len(parts)])
    ]
    return list(dict.fromkeys(below)) or None


def _unknown_key(key: str) -> ConfigError:
    """No such key: the closest name where the key first goes wrong (``dynamics.influence.anchr``), else
    the keys elsewhere with its last name (``dynamics.anchor``), else what the last good node holds."""
    parts = key.split(".")
    depth = max(d for d in range(len(parts)) if _node_fields(".".join(parts[:d])) is not None)
    here = ".".join(parts[:depth])
    names = _node_fields(here) or []
    if not here:
        names = list(dict.fromkeys([*run_groups(), *names]))
    fixed = [".".join([*parts[:depth], name, *parts[depth + 1 :]]) for name in closest(parts[depth], names)]
    close = [k for k in fixed if schema_leaves(k) or _node_fields(k) or k in run_groups()]
    if not close:
        close = [leaf.key for _, leaf in _leaves() if leaf.key.rsplit(".", 1)[-1] == parts[-1]][:3]
    if close:
        return ConfigError(f"no key {key!r}; did you mean {' or '.join(close)}?")
    return ConfigError(f"no key {key!r}: {here or 'the config'} holds {', '.join(names)}")


def _values(override: Override) -> list[Any]:
    """The values an override gives to check: every value of a list, the ends of a range; none for a glob
    or an interval sweep."""
    if override.is_delete():
        return []
    if override.value_type in (ValueType.GLOB_CHOICE_SWEEP, ValueType.INTERVAL_SWEEP):
        return []
    if override.value_type == ValueType.RANGE_SWEEP:  # all of one type, between its first and last value
        values = list(override.sweep_iterator())
        return values[:1] + values[-1:] if len(values) > 1 else values
    return list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]


def _check_value(leaves: list[SchemaKey], key: str, value: Any) -> None:
    """``value`` converted as OmegaConf would for the key's type, then checked against its range or choices
    (those of every org schema for ``org.source``)."""
    leaf = leaves[0]
    if isinstance(value, str) and "${" in value:  # an interpolation: OmegaConf resolves and checks it
        return
    hint = without_none(leaf.hint)
    text = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    if value is None:
        if hint is leaf.hint:
            raise ConfigError(f"{key}=null is not allowed: give a value")
        return
    if leaf.spec.metadata.get("many"):  # one of its choices or a list of them
        check_listed(key, value, leaf.spec)
        return
    if isinstance(value, dict | list):
        raise ConfigError(f"{key}={text} is not allowed: give one value")
    choices = [c for each in leaves for c in each.spec.metadata.get("choices", ())]
    if choices and str(value) not in choices:
        advice = did_you_mean(text, choices) or f": choose one of {', '.join(choices)}"
        raise ConfigError(f"{key}={text} is not allowed{advice}")
    node = _NODE_TYPES.get(hint)
    if node is None:
        return
    try:
        typed = node(value)._value()  # OmegaConf's own conversion ("3" -> 3), which composing applies
    except ValidationError:
        raise ConfigError(f"{key}={text} is not {_KINDS[hint]}") from None
    if "range" in leaf.spec.metadata:
        checked_value(leaf.node, leaf.spec.name, typed, key.rsplit(".", 1)[0] + "." if "." in key else "")


def _check_group(override: Override, group: str) -> None:
    options = group_options()[group]
    label = group if not override.package else f"{group}@{override.package}"
    for value in _values(override):
        if value is None and group in run_groups():  # scenario=null: no scenario
            continue
        if str(value) not in options:
            hint = did_you_mean(str(value), options) or f": choose from {', '.join(options)}"
            raise ConfigError(f"no {label} {str(value)!r}{hint}")


def check_overrides(overrides: Sequence[str], *, multirun: bool) -> list[Override]:
    """Check the command line's overrides; returns them parsed.

    Raises
    ------
    ConfigError
        One line: an override Hydra cannot read, a sweep without ``-m``, an unknown group, option or key
        (with the closest names), a node of keys given one value, a value of the wrong type or out of range.
    """
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except OverrideParseException as exc:
        # Hydra's message: "Error parsing override '...'", the grammar's complaint, a link to its docs
        why = [line for line in str(exc).splitlines() if not line.startswith(("Error parsing", "See https"))]
        raise ConfigError(f"cannot read {exc.override!r}: {why[0] if why else 'not an override'}") from None
    for override in parsed:
        key = override.key_or_group
        if override.is_hydra_override():
            continue
        refuse_empty_merge(override.input_line)
        if override.is_sweep_override() and not multirun:
            raise ConfigError(
                f"{override.input_line} gives several values: add -m to sweep them, or write a list as [a,b]"
            )
        is_node = _node_fields(key) is not None
        if key in group_options():
            if key in run_groups() or override.package or override.is_add():
                _check_group(override, key)
                continue
            if not is_node:  # a folder of configs/ that no run picks from (research studies' settings)
                raise ConfigError(f"{key} is not a group of a run's config: choose from {', '.join(run_groups())}")
        leaves = schema_leaves(key)
        if not leaves and not is_node:
            raise _unknown_key(key)
        if not leaves:  # a node of keys: only a mapping sets it whole
            given = _values(override)
            if given and not all(isinstance(v, dict) for v in given):
                fields = ", ".join(_node_fields(key) or [])
                raise ConfigError(f"{key} is a group of keys, not a value: set one of {key}.{{{fields}}}")
            continue
        for value in _values(override):
            _check_value(leaves, key, value)
    return parsed


def constant_keys(parsed: Iterable[Override]) -> list[str]:
    """The keys the command line sets to one value (not swept): a sweep's folders leave them out of their
    names (``sim.sweeps.folders``)."""
    return sorted({o.key_or_group for o in parsed if not o.is_hydra_override() and not o.is_sweep_override()})
