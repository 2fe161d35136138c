"""Property tests over every parameter of the schema: every field of every ``dynamics.<block>`` and of
``customers``, drawn within the range its schema metadata declares (read by ``sim.research.levers``, so
a new parameter is drawn without touching this file), with random org shapes, leadership and policy
levers and mechanism switches. A short run must keep every metric defined wherever its group has
members, and every state in its range.

A metric may be NaN only where it is NaN by definition: :data:`EMPTY_GROUP_NAN` (model level) and
:data:`TEAM_EMPTY_GROUP_NAN` (per team) name the group each such metric is taken over and why it is
NaN when that group is empty; the sizes of those groups are measured here from the model's state,
not read from its metrics.
"""

import dataclasses
import typing

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim import ServiceCultureModel, load_config
from sim.config import MECHANISM_PARAMS, ConfigError, CustomersConfig, MechanismSwitches, OrgConfig
from sim.metrics import MODEL_METRICS, TEAM_METRICS
from sim.numerics import binomial
from sim.research.levers import Lever, _bounds, _kind, leadership_and_policy_levers, resolve
from sim.state import PERSON_VARIABLES

WEEKS = 30
BASE = load_config(["org=small_team"])
# org sizes kept small so that a run stays quick and empty groups (vacant teams, no front line) happen
ORG_SIZES = {"org.departments": (1, 3), "org.teams_per_department": (1, 3), "org.team_size": (1, 8)}
NUMERIC = (int, float, bool)


def _numeric_keys(prefix: str, schema: type) -> list[str]:
    hints = typing.get_type_hints(schema)
    return [f"{prefix}.{spec.name}" for spec in dataclasses.fields(schema) if hints[spec.name] in NUMERIC]


def _org_lever(key: str) -> Lever:
    """``resolve`` for a field of ``OrgConfig``: the schema types ``org`` as Any (its schema follows
    ``org.source``), so the levers' schema walk stops there; the same bounds reader, on ``OrgConfig``."""
    name = key.split(".", 1)[1]
    spec, hint = OrgConfig.__dataclass_fields__[name], typing.get_type_hints(OrgConfig)[name]
    low, high = _bounds(key, spec, hint, ORG_SIZES.get(key))
    return Lever(name=key, keys=(key,), low=low, high=high, kind=_kind(hint))


DYNAMICS_KEYS = [
    key for block, schema in MECHANISM_PARAMS.items() for key in _numeric_keys(f"dynamics.{block}", schema)
]
CUSTOMER_KEYS = _numeric_keys("customers", CustomersConfig)
ORG_KEYS = _numeric_keys("org", OrgConfig)
LEADERSHIP = ["mixed", "a_vs_b", "manager_a", "manager_b", "typical"]
# every field of the schema's nodes varied here, with its bounds, for each leadership preset (whose style
# presets the style levers set); resolve() refuses a field without a range
LEVERS: dict[str, list[Lever]] = {
    preset: [
        *(_org_lever(key) for key in ORG_KEYS),
        *(resolve(key, BASE) for key in DYNAMICS_KEYS + CUSTOMER_KEYS),
        *leadership_and_policy_levers(load_config([f"leadership={preset}"])),
    ]
    for preset in LEADERSHIP
}
SWITCHES = [spec.name for spec in dataclasses.fields(MechanismSwitches)]
EVENTS = ["none", "training_wave", "recognition_programme", "restructuring", "demand_spike"]

# model-level metric -> why it is NaN when the group it is taken over (group_sizes) is empty
EMPTY_GROUP_NAN = {
    "culture_mean": "mean over the people in post: nobody is",
    "culture_spread": "standard deviation over the people in post: nobody is",
    "engagement": "mean over the people in post: nobody is",
    "trust": "mean over the people in post who have a leader (the executive left out): none",
    "psych_safety": "mean over the people in post: nobody is",
    "skill": "mean over the people in post: nobody is",
    "cynicism": "mean over the people in post: nobody is",
    "service_quality": "mean over the frontline seats filled when service was delivered: none",
    "internal_service_quality": "mean over the back-office seats filled when service was delivered: none",
    "customer_satisfaction": "weighted over frontline teams: the org has none",
    "customer_retention": "share of the customers at the week's start: there were none",
    "service_standard": "mean over teams weighted by headcount: nobody is in post",
    "newcomer_gap": "mean over people still in onboarding: nobody is new",
}
# team metric -> why it is NaN for a team with members in post (a team without any may be NaN anywhere)
TEAM_EMPTY_GROUP_NAN = {
    "service_quality": "mean over the team's staff who served this week: none in a team of leaders only, or "
    "whose staff were all hired after service was delivered",
    "customer_satisfaction": "the team's customers' satisfaction: a back-office team has no customers",
}
SHARES = set(EMPTY_GROUP_NAN) - {"culture_spread"} | {"turnover_rate"}


@st.composite
def all_parameters(draw) -> tuple[list[str], int]:
    """Overrides giving every lever a value in its bounds and every mechanism a switch, and a seed."""
    preset = draw(st.sampled_from(LEADERSHIP))
    over = ["org=small_team", f"leadership={preset}", f"steps={WEEKS}", f"events={draw(st.sampled_from(EVENTS))}"]
    for lever in LEVERS[preset]:
        if lever.kind == "int":
            x = draw(st.integers(int(lever.low), int(lever.high)))
        else:
            x = draw(st.floats(lever.low, lever.high, allow_nan=False))
        over += lever.overrides(x)
    over += [f"mechanisms.{name}={str(draw(st.booleans())).lower()}" for name in SWITCHES]
    if draw(st.booleans()):
        over.append(f"+events.g={{kind: growth, week: 1, value: {draw(st.floats(-0.1, 0.1)):.3f}}}")
    try:
        load_config(over)
    except ConfigError:  # each value in its range, refused together (all capability weights 0, say)
        assume(False)
    return over, draw(st.integers(0, 2**31))


def group_sizes(model: ServiceCultureModel, customers_before: float) -> dict[str, float]:
    """The size of the group each metric of :data:`EMPTY_GROUP_NAN` is taken over, this week, from state."""
    p, o = model.people, model.org
    in_post = float(p.filled.sum())
    served = np.isfinite(model.quality)  # the seats filled when service was delivered this week
    return {
        "culture_mean": in_post,
        "culture_spread": in_post,
        "engagement": in_post,
        "trust": float((p.filled & ~model.is_root).sum()),
        "psych_safety": in_post,
        "skill": in_post,
        "cynicism": in_post,
        "service_quality": float((served & o.frontline).sum()),
        "internal_service_quality": float((served & o.backoffice).sum()),
        "customer_satisfaction": float(o.frontline_team.sum()),
        "customer_retention": customers_before,
        "service_standard": in_post,
        "newcomer_gap": float((p.filled & (p.tenure < model.dyn.onboarding.weeks)).sum()),
    }


def team_group_sizes(model: ServiceCultureModel) -> dict[str, np.ndarray]:
    """Per team this week: ``headcount`` (members in post) and the group of each of :data:`TEAM_EMPTY_GROUP_NAN`."""
    p, o = model.people, model.org
    return {
        "headcount": np.bincount(o.team, weights=p.filled, minlength=o.n_teams),
        "service_quality": np.bincount(
            o.team, weights=p.filled & ~o.is_leader & np.isfinite(model.quality), minlength=o.n_teams
        ),
        "customer_satisfaction": o.frontline_team.astype(float),
    }


def metric_problems(ts: pd.DataFrame, teams: pd.DataFrame, sizes: list[dict], team_sizes: list[dict]) -> list[str]:
    """What is wrong in the run's tables: an infinity anywhere, a NaN in a metric whose group had members
    (``sizes`` and ``team_sizes``: one entry per week), a share outside [0, 1], a negative count."""
    found = []
    for week, (row, size) in enumerate(zip(ts[list(MODEL_METRICS)].to_dict("records"), sizes, strict=True), 1):
        for name, value in row.items():
            if np.isinf(value):
                found.append(f"week {week}: {name} = {value}")
            elif np.isnan(value):
                if size.get(name, 1) > 0:
                    found.append(f"week {week}: {name} is NaN with {size.get(name, 'no group')} in its group")
            elif name in SHARES and not 0 <= value <= 1 or name not in SHARES and value < 0:
                found.append(f"week {week}: {name} = {value} out of range")
    nt = len(team_sizes[0]["headcount"]) if team_sizes else 0
    for name in TEAM_METRICS:
        if name == "style_id":
            continue
        values = teams[name].to_numpy().reshape(len(team_sizes), nt)
        for week, team in zip(*np.nonzero(np.isinf(values)), strict=True):
            found.append(f"week {week + 1}, team {team}: {name} = {values[week, team]}")
        for week, team in zip(*np.nonzero(np.isnan(values)), strict=True):
            size = team_sizes[week]
            if size["headcount"][team] > 0 and size.get(name, size["headcount"])[team] > 0:
                found.append(f"week {week + 1}, team {team}: {name} is NaN with {size['headcount'][team]:g} in post")
    return found


def state_problems(model: ServiceCultureModel) -> list[str]:
    """Person states of filled seats outside [0, 1] or NaN; customers negative or not finite; satisfaction
    or loyalty of a frontline team outside [0, 1] or NaN."""
    p, t, front = model.people, model.teams, model.org.frontline_team
    found = []
    for name in PERSON_VARIABLES:
        values = getattr(p, name)[p.filled]
        if not ((values >= 0) & (values <= 1)).all():  # False for NaN too
            found.append(f"{name}: {values[~((values >= 0) & (values <= 1))][:3]}")
    if not (np.isfinite(t.customers) & (t.customers >= 0)).all():
        found.append(f"customers: {t.customers}")
    for name in ("satisfaction", "loyalty"):
        values = getattr(t, name)[front]
        if not ((values >= 0) & (values <= 1)).all():
            found.append(f"{name} of frontline teams: {values}")
    return found


def run_checked(over: list[str], seed: int) -> tuple[ServiceCultureModel, list[str], list[dict], list[dict]]:
    """Run ``WEEKS`` weeks; the model, the state problems of every week and the group sizes of every week."""
    model = ServiceCultureModel(load_config(over), seed=seed, space=False)
    problems, sizes, team_sizes = [], [], []
    for week in range(1, WEEKS + 1):
        before = float(model.teams.customers.sum())
        model.step()
        problems += [f"week {week}: {text}" for text in state_problems(model)]
        sizes.append(group_sizes(model, before))
        team_sizes.append(team_group_sizes(model))
    return model, problems, sizes, team_sizes


def test_every_schema_parameter_is_drawn():
    """Every numeric field of every dynamics block and of customers is a lever drawn, in its schema range."""
    drawn = {lever.name: lever for lever in LEVERS["typical"]}
    for block, schema in MECHANISM_PARAMS.items():
        for spec in dataclasses.fields(schema):
            lever = drawn[f"dynamics.{block}.{spec.name}"]
            assert (lever.low, lever.high) == tuple(map(float, spec.metadata.get("range", (0, 1))))
    assert {f"customers.{spec.name}" for spec in dataclasses.fields(CustomersConfig)} - set(drawn) == {"customers.name"}
    assert set(EMPTY_GROUP_NAN) == set(group_sizes(ServiceCultureModel(BASE, space=False), 0.0))
    assert set(EMPTY_GROUP_NAN) <= set(MODEL_METRICS) and set(TEAM_EMPTY_GROUP_NAN) <= set(TEAM_METRICS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(all_parameters())
def test_all_parameters_keep_metrics_defined_and_states_bounded(case):
    over, seed = case
    model, problems, sizes, team_sizes = run_checked(over, seed)
    assert not problems, problems[:5]
    found = metric_problems(model.timeseries(), model.team_table(), sizes, team_sizes)
    assert not found, found[:5]


@pytest.fixture(scope="module")
def clean_run():
    """A run of the default small org with nothing wrong in it, and the week of its tables to corrupt."""
    model, problems, sizes, team_sizes = run_checked(["org=small_team", f"steps={WEEKS}"], seed=3)
    assert not problems
    ts, teams = model.timeseries(), model.team_table()
    assert not metric_problems(ts, teams, sizes, team_sizes)
    return model, ts, teams, sizes, team_sizes


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("model", "culture_mean", np.nan),
        ("model", "customers", np.inf),
        ("model", "trust", 1.5),
        ("model", "revenue", -1.0),
        ("team", "engagement", np.nan),
        ("team", "customers", -np.inf),
    ],
)
def test_checker_flags_a_synthetic_bad_value(clean_run, table, column, value):
    """The property test is not vacuous: one bad value put into a clean run's tables is reported."""
    model, ts, teams, sizes, team_sizes = clean_run
    ts, teams = ts.copy(), teams.copy()
    if table == "model":
        ts.loc[4, column] = value
    else:
        teams.loc[(teams.step == 5) & (teams.team == 0), column] = value
    found = metric_problems(ts, teams, sizes, team_sizes)
    assert len(found) == 1 and "week 5" in found[0] and column in found[0]


def test_checker_allows_nan_only_for_an_empty_group(clean_run):
    """A NaN newcomer gap is fine in a week nobody is new, and flagged in a week somebody is."""
    model, ts, teams, sizes, team_sizes = clean_run
    ts = ts.copy()
    ts.loc[4, "newcomer_gap"] = np.nan
    sizes = [dict(size) for size in sizes]
    sizes[4]["newcomer_gap"] = 1.0
    assert metric_problems(ts, teams, sizes, team_sizes) == ["week 5: newcomer_gap is NaN with 1.0 in its group"]
    sizes[4]["newcomer_gap"] = 0.0
    assert metric_problems(ts, teams, sizes, team_sizes) == []


def test_state_checker_flags_a_synthetic_nan(clean_run):
    model = clean_run[0]
    seat = int(np.flatnonzero(model.people.filled)[0])
    front = int(np.flatnonzero(model.org.frontline_team)[0])
    old = model.people.engagement[seat], model.teams.loyalty[front]
    try:
        model.people.engagement[seat] = np.nan
        model.teams.loyalty[front] = 1.2
        assert [text.split(":")[0] for text in state_problems(model)] == ["engagement", "loyalty of frontline teams"]
    finally:
        model.people.engagement[seat], model.teams.loyalty[front] = old


@pytest.mark.parametrize(
    "over",
    [
        # (every capability weight 0, which made capability 0 / 0 = NaN, is now refused by validation:
        # tests/test_feasibility.py)
        # 0.6 customers a team, all churn: 1 of 0.6 churned (binomial rounded its trials up), retention -2/3
        ["org.team_size=1", "customers.per_frontline_seat=0.6", "customers.base_churn=1"],
    ],
)
def test_found_by_the_property_test(over):
    """The smallest configs the property test found a NaN or a share out of range in, fixed."""
    model, problems, sizes, team_sizes = run_checked(["org=small_team", *over], seed=0)
    assert not problems
    assert not metric_problems(model.timeseries(), model.team_table(), sizes, team_sizes)


def test_binomial_never_draws_more_than_n():
    rng = np.random.default_rng(0)
    n = np.array([0.6, 2.6, 3.0, 0.4])
    assert binomial(n, np.ones(4), rng).tolist() == [0.6, 2.6, 3.0, 0.0]  # round(n) trials, at most n
    assert (binomial(n, np.full(4, 0.5), rng) <= n).all()
