"""The naive per-agent Mesa version (experiments/naive_reference.py) is the same model as ours.

Without random draws both must give the same time series and team table to 1e-9; with draws, each model drawing
its own numbers, the same means within sampling error. That is what makes the benchmark's ratio
(experiments/benchmark.py) a comparison of two ways of computing one model.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sim import ServiceCultureModel, load_config
from sim.metrics import MODEL_METRICS

_spec = importlib.util.spec_from_file_location(
    "naive_reference", Path(__file__).resolve().parent.parent / "experiments" / "naive_reference.py"
)
naive_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive_reference)

MEAN_FIELD = ["mechanisms.stochastic=false", "mechanisms.turnover=false", "mechanisms.hiring=false"]


def _run(model, steps: int):
    for _ in range(steps):
        model.step()
    return model.timeseries()


@pytest.mark.parametrize(
    "overrides",
    [
        ["org=small_team"],
        ["org=small_team", "scenario=c03_frontline_programme"],  # training waves
        ["org=small_team", "scenario=c08_opaque_change"],  # a shock
        ["org=small_team", "scenario=c15_on_off"],  # a recognition programme switched on and off
        ["org=small_team", "+events.d={kind: demand_spike, week: 3, duration: 8, intensity: 0.5, target: frontline}"],
        # a change of every leader's style (without per-leader noise, the one draw it makes) and other policies
        [
            "org=small_team",
            "scenario=replace_manager_a",
            "events.to_manager_b.week=10",
            "leadership.spread=0",
            "policies=learning_culture",
        ],
    ],
    ids=["baseline", "training", "shock", "recognition_on_off", "demand_spike", "leadership_change"],
)
def test_without_draws_the_naive_model_gives_the_same_time_series(overrides):
    cfg = load_config([*overrides, *MEAN_FIELD])
    ours, naive = ServiceCultureModel(cfg, seed=4, space=False), naive_reference.NaiveModel(cfg, seed=4)
    series, naive_series = _run(ours, 30), _run(naive, 30)
    teams, naive_teams = ours.team_table(), naive.team_table()
    assert list(naive_series.columns) == list(series.columns) and list(naive_teams.columns) == list(teams.columns)
    labels = ["step", "team", "team_name", "level", "frontline", "style"]
    assert naive_teams[labels].equals(teams[labels])
    for table, naive_table in ((series, naive_series), (teams.drop(columns=labels), naive_teams.drop(columns=labels))):
        a, b = table.to_numpy(float), naive_table.to_numpy(float)
        assert (np.isnan(a) == np.isnan(b)).all()
        both = ~np.isnan(a)
        assert np.abs(a - b)[both].max() <= 1e-9 * max(1.0, np.abs(a[both]).max())
    assert series["culture_mean"].std() > 1e-3  # the run moves: it compares something


def test_with_draws_the_naive_model_has_the_same_means():
    """30 seeds each, every mechanism drawing (quits, hires, mistakes, ideas, recognition, customers,
    growth): every metric's run average agrees within sampling error (Welch |t| < 4)."""
    cfg = load_config(
        ["org=small_team", "steps=40", "org.reserve_share=0.2", "+events.g={kind: growth, week: 5, value: 0.01}"]
    )
    metrics = list(MODEL_METRICS)
    ours = np.array([_run(ServiceCultureModel(cfg, seed=s, space=False), 40)[metrics].mean() for s in range(30)])
    naive = np.array([_run(naive_reference.NaiveModel(cfg, seed=s), 40)[metrics].mean() for s in range(30)])
    se = np.sqrt(ours.var(axis=0, ddof=1) / len(ours) + naive.var(axis=0, ddof=1) / len(naive))
    t = (ours.mean(axis=0) - naive.mean(axis=0)) / se
    assert (se > 0).all()  # draws on both sides
    assert np.all(np.abs(t) < 4.0), dict(zip(metrics, t.round(2), strict=True))


def test_who_is_around_each_person_stays_current_as_people_come_and_go():
    """Each person's ties, boss and reports, each team's members and the vacancies are lists the naive model
    builds once and updates only when people come and go: after weeks of quits, misfits let go, hires, growth
    and lay-offs they must still be what the seats say (Mesa's space and the org's tie weights)."""
    cfg = load_config(
        [
            "org=small_team",
            "org.reserve_share=0.2",
            "policies=learning_culture",
            "policies.remove_misfits=true",
            "+events.grow={kind: growth, week: 2, duration: 4, value: 0.1}",
            "+events.shrink={kind: growth, week: 8, duration: 4, value: -0.1}",
        ]
    )
    model = naive_reference.NaiveModel(cfg, seed=2)
    weights = ServiceCultureModel(cfg, seed=2, space=False).tie_weights
    _run(model, 14)
    series = model.timeseries()
    assert series["turnover_rate"].sum() > 0 and series["headcount"].diff().max() > 0  # people came and went

    def there(seat):
        return model.space[seat].agents[0] if model.space[seat].agents else None

    people = list(model.agents)
    for person in people:
        row = weights[[person.seat]]
        ties = {(seat, w, there(seat)) for seat, w in zip(row.indices.tolist(), row.data.tolist(), strict=True)}
        assert sorted((p.seat, w, p) for w, p in person.ties) == sorted(t for t in ties if t[2] is not None)
        boss = int(model.org.manager[person.seat])
        assert person.boss is (person if boss < 0 else model.in_seat[boss])
        if person.is_leader:
            below = np.flatnonzero(model.org.manager == person.seat).tolist()
            assert person.reports == [there(seat) for seat in below if there(seat) is not None]
    for team in model.teams:
        assert sorted(team.members, key=id) == sorted((p for p in people if p.team is team), key=id)
    assert model.vacant == {s for s in range(model.org.n) if model.seat_open[s] and there(s) is None}
