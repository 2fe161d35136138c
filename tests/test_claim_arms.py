"""Each claim's arms differ in the claim's lever only, every other key at its default (configs/research/claims.yaml)."""

import dataclasses
from fnmatch import fnmatch

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config import MechanismSwitches, load_config
from sim.research.claims import arms_of, load_spec

SPEC = load_spec()
CLAIMS = list(SPEC.claims)


def flat(node, prefix: str = "") -> dict:
    """Every leaf of a config as ``dotted.key -> value``."""
    out = {}
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat(value, name + "."))
        else:
            out[name] = value
    return out


def composed(scenario: str | None) -> dict:
    cfg = load_config([f"scenario={scenario}"] if scenario else [])
    leaves = flat(OmegaConf.to_container(cfg, resolve=True))
    return {k: v for k, v in leaves.items() if k != "name" and not k.startswith("hydra.")}


def differing(a: dict, b: dict) -> set[str]:
    return {k for k in a.keys() | b.keys() if a.get(k, "<absent>") != b.get(k, "<absent>")}


def matches(key: str, patterns) -> bool:
    """``key`` matches a glob of ``patterns`` or lies under one (``events.training`` holds ``events.training.week``)."""
    return any(fnmatch(key, p) or key.startswith(p + ".") for p in patterns)


@pytest.fixture(scope="module")
def default():
    return composed(None)


def test_the_spec_applies_no_overrides_to_every_arm():
    assert "overrides" not in SPEC, "a setting shared by every arm belongs to configs/, not to the claims spec"


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_arms_differ_in_the_lever_only_and_leave_the_rest_at_its_default(claim, default):
    lever, context = list(claim.lever), list(claim.get("context", []))
    arms = {arm: composed(arm) for arm in arms_of(claim)}
    for arm, cfg in arms.items():
        stray = sorted(k for k in differing(cfg, default) if not matches(k, lever + context))
        assert not stray, f"{claim.id} arm {arm} sets keys outside its lever and context: {stray}"
    names = list(arms)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            stray = sorted(k for k in differing(arms[a], arms[b]) if not matches(k, lever))
            assert not stray, f"{claim.id}: arms {a} and {b} differ outside the lever {lever}: {stray}"
    if len(arms) > 1:
        assert any(differing(arms[a], arms[b]) for a in names for b in names if a != b), f"{claim.id}: arms are equal"


def test_the_check_fails_on_a_shared_non_default_and_on_a_second_differing_key(default):
    claim = next(c for c in CLAIMS if c.id == "C10")
    control, treatment = (composed(arm) for arm in arms_of(claim))
    shared = {**treatment, "dynamics.negative_talk.bias": 2.5}
    assert not matches("dynamics.negative_talk.bias", list(claim.lever))
    assert "dynamics.negative_talk.bias" in differing(shared, default)
    second = {**treatment, "policies.onboarding": 0.9}
    assert "policies.onboarding" in differing(control, second)


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_a_claim_rests_on_mechanisms_that_can_be_switched_off(claim):
    switches = {f.name for f in dataclasses.fields(MechanismSwitches)}
    assert claim.rests_on and set(claim.rests_on) <= switches


def test_single_claim_terms_name_a_parameter_and_a_claim():
    ids = {c.id for c in CLAIMS}
    cfg = load_config([])
    for name, term in SPEC.terms.items():
        key, _, _ = term.set.partition("=")
        assert OmegaConf.select(cfg, key) is not None, name
        assert term.added_for in ids, name


@pytest.mark.parametrize("claim_id", ["C13", "C12c"])
def test_a_lever_on_hires_or_leavers_leaves_the_first_workforce_alone(claim_id):
    """Same seed, same first workforce: before the first week the arms' people are the same people in the same
    state, so the lever acts on those hired or let go after it."""
    from sim.model import ServiceCultureModel

    claim = next(c for c in CLAIMS if c.id == claim_id)
    people = [
        ServiceCultureModel(load_config([f"scenario={arm}", "org=small_team"]), seed=3, space=False).people
        for arm in arms_of(claim)
    ]
    for name in ("person_id", "orientation", "disposition", "engagement", "skill", "habit", "tenure"):
        assert np.array_equal(getattr(people[0], name), getattr(people[1], name)), name
