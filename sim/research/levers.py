"""Levers: the numeric parameters a research workflow varies, with bounds read from the schema.

A lever is named by a config key (``policies.onboarding``, ``dynamics.engagement.rate``,
``leadership.spread``) or by ``style.<field>`` for a field of ``StyleConfig``: the style *every*
leader gets, i.e. the executive's and that of every preset in ``leadership.styles``
(``sim.config.style_lever_keys``; with ``leadership=typical`` that is one style). Its bounds are
the field's ``range`` metadata in ``sim/config.py``, optionally narrowed; integer fields take the
rounded value and boolean fields are numbers in [0, 1] switched on at 0.5 (``value >= 0.5`` ->
true), so samplers that need numbers can use them.

    >>> from sim.config import load_config
    >>> base = load_config(["leadership=typical"])
    >>> resolve("style.vision", base).overrides(0.7)
    ['leadership.executive.vision=0.7', 'leadership.styles.typical.vision=0.7']
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omegaconf import DictConfig

from sim.config import (
    Config,
    ConfigError,
    LeadershipConfig,
    PoliciesConfig,
    StyleConfig,
    override_text,
    style_lever_keys,
)

STYLE_PREFIX = "style."


@dataclass(frozen=True)
class Lever:
    """One varied parameter.

    Attributes
    ----------
    name : str
        ``style.<field>`` or a dotted config key.
    keys : tuple of str
        The config keys it sets (several for a style lever: one per leader style).
    low, high : float
        The bounds sampled (inside the schema's range).
    kind : str
        ``float``, ``int`` (rounded) or ``bool`` (true when the sampled value is >= 0.5).
    """

    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    kind: str = "float"

    def value(self, x: float) -> float | int | bool:
        """The config value for a sampled number ``x``."""
        if self.kind == "bool":
            return bool(x >= 0.5)
        if self.kind == "int":
            return round(x)
        return float(x)

    def overrides(self, x: float) -> list[str]:
        """Hydra overrides setting every key of the lever to the value of ``x``."""
        text = override_text(self.value(x))
        return [f"{key}={text}" for key in self.keys]


def _field(schema: type, name: str, key: str) -> dataclasses.Field:
    fields = {f.name: f for f in dataclasses.fields(schema)}
    if name not in fields:
        raise ConfigError(f"unknown parameter {key!r}: {schema.__name__} has no field {name!r}")
    return fields[name]


def schema_field(key: str) -> tuple[dataclasses.Field, type]:
    """The schema field of a dotted config key and its Python type, walking ``Config``'s dataclasses
    (``leadership.styles.<name>.<field>`` steps through the dict's value type).

    Raises ``ConfigError`` naming the key when the schema has no such field.
    """
    schema: type = Config
    parts, i = key.split("."), 0
    while True:
        spec = _field(schema, parts[i], key)
        hint = typing.get_type_hints(schema)[parts[i]]
        i += 1
        if typing.get_origin(hint) is dict:  # the next part is the dict's key (a style name), not a field
            hint, i = typing.get_args(hint)[1], i + 1
        if i >= len(parts) or not dataclasses.is_dataclass(hint):
            break
        schema = hint
    if i >= len(parts) and not dataclasses.is_dataclass(hint):
        return spec, hint
    raise ConfigError(f"unknown parameter {key!r}: not a numeric field of the schema (sim/config.py)")


def _kind(hint: type) -> str:
    return {bool: "bool", int: "int", float: "float"}.get(hint, "")


def _bounds(name: str, spec: dataclasses.Field, hint: type, narrowed: Sequence[float] | None) -> tuple[float, float]:
    if hint is bool:
        lo, hi = 0.0, 1.0
    elif "range" in spec.metadata:
        lo, hi = (float(v) for v in spec.metadata["range"])
    else:
        raise ConfigError(f"parameter {name!r} has no range in the schema (sim/config.py): it cannot be varied")
    if narrowed is None:
        return lo, hi
    a, b = (float(v) for v in narrowed)
    if not (lo <= a < b <= hi):
        raise ConfigError(f"bounds of {name} [{a}, {b}] are outside the schema's range [{lo}, {hi}] or empty")
    return a, b


def resolve(name: str, base: DictConfig, bounds: Sequence[float] | None = None) -> Lever:
    """The :class:`Lever` called ``name`` in the composed config ``base``.

    Parameters
    ----------
    name : str
        ``style.<field>`` (every leader's style) or a dotted config key of a numeric or boolean field.
    base : omegaconf.DictConfig
        The composed config the lever varies (gives the leader styles in use).
    bounds : pair of float, optional
        Narrower bounds; they must lie inside the schema's range.

    Raises
    ------
    ConfigError
        Unknown parameter, a field without a range, or bounds outside the schema's range.
    """
    if name.startswith(STYLE_PREFIX):
        field_name = name[len(STYLE_PREFIX) :]
        spec = _field(StyleConfig, field_name, name)
        hint = typing.get_type_hints(StyleConfig)[field_name]
        keys = tuple(style_lever_keys(base, field_name))
    else:
        spec, hint = schema_field(name)
        keys = (name,)
    kind = _kind(hint)
    if not kind:
        raise ConfigError(f"parameter {name!r} is not numeric ({hint}): it cannot be varied")
    lo, hi = _bounds(name, spec, hint, bounds)
    return Lever(name=name, keys=keys, low=lo, high=hi, kind=kind)


def leadership_and_policy_levers(base: DictConfig, bounds: Mapping[str, Sequence[float]] | None = None) -> list[Lever]:
    """Every lever of the leadership styles (``style.*``), ``leadership.spread`` and every policy
    (``policies.*``, ``remove_misfits`` as a 0/1 switch), in schema order."""
    bounds = dict(bounds or {})
    names = [STYLE_PREFIX + f.name for f in dataclasses.fields(StyleConfig)]
    names += [f"leadership.{f.name}" for f in dataclasses.fields(LeadershipConfig) if "range" in f.metadata]
    names += [f"policies.{f.name}" for f in dataclasses.fields(PoliciesConfig) if f.name != "name"]
    unknown = sorted(set(bounds) - set(names))
    if unknown:
        raise ConfigError(f"bounds given for {unknown[0]!r}, which is not a lever: choose from {', '.join(names)}")
    return [resolve(n, base, bounds.get(n)) for n in names]


def overrides(levers: Sequence[Lever], x: Sequence[float]) -> list[str]:
    """The Hydra overrides of one sample ``x`` (one number per lever)."""
    if len(levers) != len(x):
        raise ValueError(f"{len(x)} values for {len(levers)} levers")
    return [o for lever, v in zip(levers, x, strict=True) for o in lever.overrides(float(v))]
