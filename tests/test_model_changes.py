"""The model owns its changes: levers, policies and events on a running model go through its methods,
validated like a config; no code outside the core writes the model's styles, policies or time line."""

import ast
from pathlib import Path

import numpy as np
import pytest

from sim import ServiceCultureModel, load_config
from sim.config import ConfigError, style_lever_overrides
from sim.research.levers import resolve
from sim.state import STYLE_LEVERS

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["org=small_team", "leadership=a_vs_b", "steps=40"]


@pytest.fixture
def model():
    return ServiceCultureModel(load_config(SMALL), seed=2, space=False)


def test_set_lever_gives_every_leader_and_every_later_hire_the_value(model):
    model.run_for(3)
    model.set_lever("vision", 0.2)
    leaders = model.org.is_leader
    assert (model.styles.vision[leaders] == 0.2).all() and (model.own_styles.vision[leaders] == 0.2).all()
    presets = [model.leadership.executive, *model.leadership.styles.values()]
    assert [p.vision for p in presets] == [0.2] * len(presets)
    others = [lever for lever in STYLE_LEVERS if lever != "vision"]
    before = {lever: getattr(model.styles, lever).copy() for lever in others}
    model.set_lever("gossip", 0.0)
    assert all(np.array_equal(getattr(model.styles, lever), before[lever]) for lever in others if lever != "gossip")
    # a leader hired later draws around the new preset (noise sd leadership.spread, 0.05 here)
    model._hire(np.flatnonzero(leaders)[:3])
    assert np.abs(model.styles.vision[np.flatnonzero(leaders)[:3]] - 0.2).max() < 0.25


def test_a_lever_set_at_the_start_gives_the_run_a_config_with_that_lever_gives_without_noise():
    """Mean field, no per-leader noise: setting a lever on a new model is the config route, week for week."""
    base = [*SMALL, "mechanisms.stochastic=false", "leadership.spread=0"]
    cfg = load_config(base)
    by_config = ServiceCultureModel(load_config(base + style_lever_overrides(cfg, "support", 0.9)), seed=0, space=False)
    by_method = ServiceCultureModel(cfg, seed=0, space=False)
    by_method.set_lever("support", 0.9)
    by_config.run_for(20)
    by_method.run_for(20)
    assert by_method.timeseries().equals(by_config.timeseries())


def test_set_policy_changes_what_happens_next(model):
    twin = ServiceCultureModel(load_config(SMALL), seed=2, space=False)
    model.run_for(5)
    twin.run_for(5)
    model.set_policy("negative_talk_curb", 1.0)
    model.set_policy("remove_misfits", True)
    model.set_policy("misfit_weeks", 4)
    assert model.policies["negative_talk_curb"] == 1.0 and model.policies["misfit_weeks"] == 4.0
    model.run_for(15)
    twin.run_for(15)
    assert model.flows["cynicism"] < twin.flows["cynicism"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.set_lever("charisma", 0.5), "style.charisma is not a known key"),
        (lambda m: m.set_lever("vision", 1.5), "style.vision=1.5 is out of range: allowed [0.0, 1.0]"),
        (lambda m: m.set_lever("vision", "high"), "style.vision='high' is not a number"),
        (lambda m: m.set_policy("onboarding", -0.1), "policies.onboarding=-0.1 is out of range"),
        (lambda m: m.set_policy("misfit_weeks", 2.5), "policies.misfit_weeks=2.5 is not a whole number"),
        (lambda m: m.set_policy("remove_misfits", 1), "policies.remove_misfits=1 is not allowed: give true or false"),
        (lambda m: m.set_policy("name", 1.0), "policies.name is not a known key"),
        (lambda m: m.schedule("x", {"kind": "party", "week": 9}), "events.x"),
        (lambda m: m.schedule("x", {"kind": "leadership_change", "week": 9, "style": "tyrant"}), "names no style"),
        (lambda m: m.schedule("x", {"kind": "shock", "week": 9, "target": "floor:2"}), "events.x.target"),
        (lambda m: m.schedule("x", {"kind": "shock", "week": 2}), "events.x.week=2 has passed: the model is at week 3"),
    ],
)
def test_bad_changes_are_refused_with_one_line_and_change_nothing(model, call, message):
    model.run_for(3)
    styles, policies, events = model.styles.matrix.copy(), dict(model.policies), len(model.timeline.events)
    with pytest.raises(ConfigError) as caught:
        call(model)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert np.array_equal(model.styles.matrix, styles) and model.policies == policies
    assert len(model.timeline.events) == events


def test_an_event_scheduled_mid_run_acts_as_the_same_event_in_the_config():
    event = "{kind: training_wave, week: 8, target: frontline, intensity: 0.6}"
    in_config = ServiceCultureModel(load_config([*SMALL, f"+events.wave={event}"]), seed=4, space=False)
    scheduled = ServiceCultureModel(load_config(SMALL), seed=4, space=False)
    in_config.run_for(5)
    scheduled.run_for(5)
    scheduled.schedule("wave", {"kind": "training_wave", "week": 8, "target": "frontline", "intensity": 0.6})
    with pytest.raises(ConfigError, match="events.wave is already on the time line"):
        scheduled.schedule("wave", {"kind": "shock", "week": 9})
    in_config.run_for(15)
    scheduled.run_for(15)
    assert scheduled.timeline.starts() == in_config.timeline.starts() == [(8, "wave")]
    ours, theirs = vars(scheduled.timeline.events[0]), vars(in_config.timeline.events[0])
    assert np.array_equal(ours.pop("mask"), theirs.pop("mask")) and ours == theirs
    assert scheduled.timeseries().equals(in_config.timeseries())


def test_schedule_narrows_an_event_to_the_seats_given(model):
    model.run_for(2)
    seats = np.zeros(model.org.n, dtype=bool)
    seats[np.flatnonzero(model.org.is_leader & ~model.is_root)[:2]] = True
    model.schedule("two", {"kind": "leadership_change", "week": 3, "target": "leaders", "style": "manager_b"}, seats)
    model.step()
    b = model.style_names.index("manager_b")
    assert (model.styles.style_id[seats] == b).all()
    with pytest.raises(ValueError, match="booleans, one per seat"):
        model.schedule("bad", {"kind": "shock", "week": 9}, seats=np.ones(3, dtype=bool))


def test_the_dashboard_and_the_research_levers_set_the_same_keys():
    """One rule for "this lever for every leader": every preset, those with no share in the mix included."""
    cfg = load_config(["scenario=c06_manager_a", "+style@leadership.styles.manager_b=manager_b"])
    assert dict(cfg.leadership.mix) == {"manager_a": 1.0}
    expected = [
        "leadership.executive.gossip",
        "leadership.styles.manager_a.gossip",
        "leadership.styles.manager_b.gossip",
    ]
    assert [o.split("=")[0] for o in style_lever_overrides(cfg, "gossip", 0.3)] == expected
    assert list(resolve("style.gossip", cfg).keys) == expected


WRITABLE = {"styles", "own_styles", "policies", "timeline", "leadership"}
CORE = {"model.py", "state.py", "agents.py", "events.py"}


def _writes_into_model_state(tree: ast.AST) -> list[int]:
    """Lines assigning into ``<not self>.styles/.own_styles/.policies/.timeline/.leadership`` or calling
    ``.timeline.add``: the model's state changed from outside."""

    def chain(node: ast.AST) -> tuple[list[str], ast.AST]:
        names = []
        while isinstance(node, ast.Attribute | ast.Subscript):
            if isinstance(node, ast.Attribute):
                names.append(node.attr)
            node = node.value
        return names, node

    def outside(target: ast.AST) -> bool:
        names, root = chain(target)
        return bool(WRITABLE & set(names)) and not (isinstance(root, ast.Name) and root.id == "self")

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lines += [node.lineno for t in targets if outside(t)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add":
            names, _ = chain(node.func.value)
            lines += [node.lineno] if names[:1] == ["timeline"] else []
    return lines


def test_no_code_outside_the_core_writes_the_models_styles_policies_or_time_line():
    files = [*(ROOT / "sim").rglob("*.py"), *(ROOT / "experiments").glob("*.py")]
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if path.name not in CORE or path.parent.name != "sim"
        if (lines := _writes_into_model_state(ast.parse(path.read_text())))
    }
    assert offenders == {}


def test_the_write_detector_sees_a_write_from_outside():
    code = "model.styles.vision[0] = 1\nm.policies['x'] += 1\nmodel.timeline.add('e', ev)\nself.policies = {}\n"
    assert _writes_into_model_state(ast.parse(code)) == [1, 2, 3]
