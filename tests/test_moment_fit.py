"""Calibration by simulated moments (sim/research/moment_fit.py, experiments/fit_moments.py): the loss and
its weights, a fit that resumes after being stopped, the defaults it writes, and the measures and verdicts
of the moments (sim/research/moment_measures.py, sim/research/held_out.py)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import optuna
import pytest
from omegaconf import OmegaConf

from sim.config import ConfigError, load_config
from sim.research import moment_measures as mm
from sim.research.held_out import judge, measure_ids, parts
from sim.research.levers import resolve
from sim.research.moment_fit import MomentProblem, fit, source_sd, summarise
from sim.research.moments import load_moments

ROOT = Path(__file__).resolve().parent.parent
MOMENTS = {m.id: m for m in load_moments()}


def quit_problem(seeds=(0, 1)) -> MomentProblem:
    """The cheapest real problem: the quit rate (a base run only) on a small team, fitted by quit_base."""
    base = ["org=small_team", "steps=60", "output.progress=false"]
    lever = resolve("dynamics.turnover.quit_base", load_config(base), [0.0, 0.02])
    return MomentProblem([lever], base, [MOMENTS["quit_rate_hospitality"]], list(seeds), workers=1)


def test_a_published_range_is_read_as_a_95_percent_range_and_no_range_adds_nothing():
    quits = MOMENTS["quit_rate_hospitality"]
    assert source_sd(quits) == pytest.approx((0.503 - 0.419) / 3.92)
    assert source_sd(MOMENTS["training_behaviour_d"]) == 0.0


def test_the_loss_is_the_sum_of_squared_standardised_distances_of_the_seed_means():
    problem = quit_problem()
    problem.moments = [MOMENTS["quit_rate_hospitality"], MOMENTS["training_behaviour_d"]]
    values = np.array([[0.40, 0.50], [0.50, 0.70]])  # seeds x moments
    sigma = np.array([0.05, 0.1])
    expected = ((0.45 - 0.465) / 0.05) ** 2 + ((0.60 - 0.62) / 0.1) ** 2
    assert problem.loss(values, sigma) == pytest.approx(expected)
    per_seed = problem.seed_losses(values, sigma)
    assert per_seed[0] == pytest.approx(((0.40 - 0.465) / 0.05) ** 2 + ((0.50 - 0.62) / 0.1) ** 2)
    # the weights: the source's range plus the Monte Carlo error of a mean over the seeds
    start = np.array([[0.40, 0.50], [0.50, 0.70]])
    w = source_sd(MOMENTS["quit_rate_hospitality"])
    assert problem.sigma(start) == pytest.approx([np.sqrt(w**2 + 0.005 / 2), np.sqrt(0.02 / 2)])


def test_a_fit_resumes_with_its_trials_and_weights_and_refuses_another_problem(tmp_path):
    storage = tmp_path / "fit.db"
    problem = quit_problem()
    first = fit(problem, 3, storage, "t", startup=2, progress=False)
    kept = [(t.number, t.params, t.value) for t in first.trials]
    sigma = first.user_attrs["sigma"]
    again = fit(problem, 5, storage, "t", startup=2, progress=False)
    done = [t for t in again.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 5 and [(t.number, t.params, t.value) for t in done[:3]] == kept
    assert again.user_attrs["sigma"] == sigma  # the weights were not measured again
    # a fit asked for no more trials than it has runs nothing
    assert len(fit(problem, 4, storage, "t", progress=False).trials) == 5
    with pytest.raises(ValueError, match="2 seeds or more"):
        fit(quit_problem(seeds=(0,)), 6, tmp_path / "one.db", "t", progress=False)
    with pytest.raises(ValueError, match="other seeds"):
        fit(quit_problem(seeds=(0, 2)), 6, storage, "t", progress=False)
    table = summarise(again, problem)
    assert table.low[0] <= table.best[0] <= table.high[0]
    # 46.5% a year takes a weekly quit chance well above 0.002 (about 10% a year): the fit finds one
    assert table.best[0] > 0.002


def test_a_stopped_fit_continues_from_its_last_completed_trial(tmp_path):
    """The script is killed mid-fit (as a lost cluster job would be) and run again with the same settings."""
    storage = tmp_path / "stopped.db"

    def args(trials: int) -> list[str]:
        return [
            sys.executable,
            "experiments/fit_moments.py",
            "parameters={dynamics.turnover.quit_base: [0.0, 0.02]}",
            "seeds=2",
            f"trials={trials}",
            "startup=5",
            "workers=1",
            f"storage={storage}",
            f"out={tmp_path}",
            "docs=null",
        ]

    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def completed() -> int:
        if not storage.is_file():
            return 0
        with sqlite3.connect(storage) as db:
            try:
                return db.execute("select count(*) from trials where state = 'COMPLETE'").fetchone()[0]
            except sqlite3.OperationalError:  # the tables are not made yet
                return 0

    proc = subprocess.Popen(args(40), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while completed() < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    stopped_at = completed()
    assert 3 <= stopped_at < 40
    before = optuna.load_study(study_name="fit_moments", storage=f"sqlite:///{storage}")
    kept = {t.number: t.params for t in before.trials if t.state == optuna.trial.TrialState.COMPLETE}
    finished = subprocess.run(args(stopped_at + 2), cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    after = optuna.load_study(study_name="fit_moments", storage=f"sqlite:///{storage}")
    done = {t.number: t.params for t in after.trials if t.state == optuna.trial.TrialState.COMPLETE}
    assert len(done) == stopped_at + 2 and all(done[k] == v for k, v in kept.items())
    assert (tmp_path / "fit.csv").is_file()


def test_apply_writes_the_best_values_into_the_default_files_and_nothing_else(experiment_module, tmp_path):
    module = experiment_module("fit_moments")
    copy = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", copy)
    module.config_dir = lambda: copy
    path, inside = module.defaults_file("dynamics.onboarding.pull")
    assert path == copy / "dynamics" / "default.yaml" and inside == ["onboarding", "pull"]
    assert module.defaults_file("leadership.spread")[0] == copy / "leadership" / "typical.yaml"
    before = OmegaConf.load(path)
    module.set_default("dynamics.onboarding.pull", 0.0421, "fitted")
    module.set_default("dynamics.influence.self_weight", 37.5, "fitted")
    module.set_default("leadership.spread", 0.11, "fitted")
    after = OmegaConf.load(path)
    assert after.onboarding.pull == pytest.approx(0.0421) and after.influence.self_weight == pytest.approx(37.5)
    after.onboarding.pull, after.influence.self_weight = before.onboarding.pull, before.influence.self_weight
    assert after == before  # every other key as it was
    assert OmegaConf.load(copy / "leadership" / "typical.yaml").spread == pytest.approx(0.11)
    with pytest.raises(ConfigError, match="no key"):
        module.set_default("dynamics.onboarding.nothing", 1.0, "fitted")
    with pytest.raises(ConfigError, match="config group"):
        module.defaults_file("steps")


def test_a_moment_the_org_cannot_show_stops_the_fit_with_one_line(tmp_path):
    problem = quit_problem(seeds=(0, 1, 2))
    problem.moments = [MOMENTS["linkage_engagement_satisfaction"]]  # small_team: too few frontline teams
    with pytest.raises(ValueError, match="linkage_engagement_satisfaction cannot be measured"):
        fit(problem, 2, tmp_path / "fit.db", "t", progress=False)


def test_apply_needs_the_full_fit(experiment):
    code, _, err = experiment("fit_moments", "trials=2", "--apply")
    assert code == 2 and "--apply needs the full fit" in err


# ------------------------------------------------------------------------------------------ measures
def test_cross_lag_coefficient_is_the_other_variables_regression_weight():
    rng = np.random.default_rng(0)
    own, other = rng.normal(size=500), rng.normal(size=500)
    assert mm._cross(0.5 * own + 0.3 * other + 1.0, own, other) == pytest.approx(0.3)


def test_training_half_the_frontline_raises_their_skill_over_the_untrained_half():
    run = mm.simulate([], 3, mm.TRAINING.week + mm.TRAINING.after, trained=True)
    o = run.model.org
    front = ~o.is_leader & o.frontline_team[o.team]
    assert not (run.trained & ~front).any()
    assert run.trained.sum() == pytest.approx(0.5 * front[run.panel.person[mm.TRAINING.week - 2] >= 0].sum(), abs=1)
    assert mm.measure_training_d(trained=run) > 0.2
    # the design's draws come from the seed: the same seed trains the same people
    again = mm.simulate([], 3, mm.TRAINING.week + mm.TRAINING.after, trained=True)
    assert np.array_equal(again.trained, run.trained)


def test_newcomers_take_longer_to_reach_the_norm_when_people_hold_to_their_own_view():
    fast = mm.simulate(["org=small_team", "dynamics.influence.self_weight=2"], 1)
    slow = mm.simulate(["org=small_team", "dynamics.influence.self_weight=60"], 1)
    assert mm.measure_time_to_norm(base=slow) > mm.measure_time_to_norm(base=fast)


def test_every_moment_has_a_measure_and_the_runs_it_needs_are_made_once():
    for m in MOMENTS.values():
        assert m.id == "bad_apple_team_output" or measure_ids(m)
    assert mm.runs_needed(["icc_engagement", "quit_rate_hospitality"]) == ["base"]
    assert mm.runs_needed(["training_behaviour_d", "skill_decay_half_life"]) == ["trained", "unpractised"]


# ------------------------------------------------------------------------------------------ verdicts
def test_verdict_rules_per_kind_of_published_value():
    held = replace(MOMENTS["skill_decay_half_life"], set="validation")  # range 6.5 to 13 months
    assert judge(held, {held.id: np.array([10.0, 11.0, 12.0])}).passed
    assert not judge(held, {held.id: np.array([14.0, 15.0, 16.0])}).passed
    r = MOMENTS["integrity_attitudes_r"]  # 0.48, no range: inside the model's interval?
    assert judge(r, {r.id: np.array([0.3, 0.5, 0.6, 0.45])}).passed
    assert not judge(r, {r.id: np.array([0.10, 0.12, 0.11, 0.09])}).passed
    two = MOMENTS["attitudes_lead_performance"]
    assert parts(two) == {"forward": 0.06, "reverse": 0.0}
    spread = np.array([-0.05, 0.05, 0.1, 0.15])
    assert judge(two, {f"{two.id}.forward": spread, f"{two.id}.reverse": spread - 0.05}).passed
    assert not judge(two, {f"{two.id}.forward": spread, f"{two.id}.reverse": spread + 0.5}).passed
    order = MOMENTS["unit_attitudes_lead_outcomes"]
    assert judge(order, {order.id: np.array([0.1, 0.2, 0.15])}).passed
    assert not judge(order, {order.id: np.array([-0.1, 0.2, 0.0])}).passed
    years = MOMENTS["culture_change_takes_years"]
    assert judge(years, {years.id: np.array([60.0, 80.0])}).passed
    assert (
        "half of it after 30"
        in judge(years, {years.id: np.array([60.0, 80.0]), f"{years.id}.half": np.array([30.0, 30.0])}).ours
    )
    assert not judge(years, {years.id: np.array([20.0, 30.0])}).passed
    fitted = MOMENTS["icc_engagement"]
    assert judge(fitted, {fitted.id: np.array([0.1, 0.2])}).passed is None  # calibration: no verdict
    lost = judge(r, {r.id: np.array([np.nan, np.nan, 0.3])})  # an org with too few teams to show it
    assert lost.passed is False and "no value" in lost.ours


def test_every_leadership_preset_shares_the_fitted_spread_of_the_default():
    """Each leader's own variation is a trait of the population of leaders, fitted on the default preset;
    the other presets (the claims' arms among them) differ in the styles they mix, not in it."""
    folder = ROOT / "configs" / "leadership"
    fitted = OmegaConf.load(folder / "typical.yaml").spread
    assert {p.stem: OmegaConf.load(p).spread for p in folder.glob("*.yaml")} == dict.fromkeys(
        (p.stem for p in folder.glob("*.yaml")), fitted
    )
