"""Calibration: reading observed series, the loss, recovering a parameter from data the model made,
and a quick end-to-end run of experiments/calibrate.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest

from sim.config import ConfigError, load_config
from sim.research.calibration import (
    Problem,
    Series,
    chi2,
    fit,
    model_values,
    read_series,
    run_noise,
    summarise,
    synthesize,
)
from sim.research.levers import resolve
from sim.run import run

SMALL = ["org=small_team", "leadership=typical", "steps=40", "output.progress=false"]


def test_read_series_refuses_bad_files_with_one_line(tmp_path):
    good = tmp_path / "survey.csv"
    good.write_text("# a comment line\nweek,engagement\n13,0.61\n26,0.64\n", encoding="utf-8")
    s = read_series("survey", good, "engagement", "engagement", sd=0.02)
    assert list(s.weeks) == [13, 26] and np.allclose(s.values, [0.61, 0.64])
    with pytest.raises(ConfigError, match="has no column 'engagment'"):
        read_series("survey", good, "engagment", "engagement", sd=0.02)
    with pytest.raises(ConfigError, match="no such file"):
        read_series("survey", tmp_path / "nope.csv", "engagement", "engagement", sd=0.02)
    with pytest.raises(ConfigError, match="is not a model metric"):
        read_series("survey", good, "engagement", "happiness", sd=0.02)
    bad = tmp_path / "bad.csv"
    bad.write_text("week,engagement\n13,0.61\n26,n/a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 3"):
        read_series("survey", bad, "engagement", "engagement", sd=0.02)


def test_model_values_average_the_window_ending_at_each_week():
    ts = pd.DataFrame({"step": np.arange(1, 11), "engagement": np.arange(1, 11) / 10})
    s = Series("e", "engagement", np.array([4, 10]), np.zeros(2), 0.1, window=3)
    assert np.allclose(model_values(ts, s), [(0.2 + 0.3 + 0.4) / 3, (0.8 + 0.9 + 1.0) / 3])


def test_the_loss_is_zero_on_the_models_own_noise_free_output_and_grows_with_distance():
    cfg = load_config(SMALL)
    ts = run(cfg, seed=5).timeseries
    weeks = np.arange(5, 41, 5)
    shell = Series("e", "engagement", weeks, np.zeros(len(weeks)), 0.02)
    exact = Series("e", "engagement", weeks, model_values(ts, shell), 0.02)
    problem = Problem([resolve("style.support", cfg)], SMALL, [exact], seeds=[5], workers=1)
    here = float(cfg.leadership.styles.typical.support)
    assert problem.loss_terms(problem.evaluate([here]))[0] == pytest.approx(0.0, abs=1e-12)
    assert problem.loss_terms(problem.evaluate([0.0]))[0] > 1.0


def test_chi2_is_the_quadratic_form_of_the_inverse_covariance_of_noise_that_persists_over_weeks():
    rng = np.random.default_rng(3)
    weeks = np.arange(1, 7)
    runs = rng.normal(0.5, 0.05, (4, 6))
    s = Series("e", "engagement", weeks, rng.normal(0.5, 0.05, 6), sd=0.02)
    trial = optuna.trial.create_trial(value=0.0, user_attrs={"runs.e": runs.tolist()})
    for v, rho in [(0.0, 0.0), (0.003, 0.0), (0.003, 0.7), (0.003, 1.0)]:
        cov = (s.sd**2 + (1 - rho) * v) * np.eye(6) + rho * v * np.ones((6, 6))
        r = s.values - runs.mean(axis=0)
        assert chi2(trial, [s], {"e": (v, rho)}) == pytest.approx(r @ np.linalg.solve(cov, r))
    # the noise estimate: a seed's offset held over every week is fully correlated
    offsets = np.array([[0.0], [0.1], [-0.05], [0.02]]) + np.linspace(0, 0.01, 6)
    held = optuna.trial.create_trial(value=0.0, user_attrs={"runs.e": offsets.tolist()})
    v, rho = run_noise(held, s)
    assert v == pytest.approx(np.var([0.0, 0.1, -0.05, 0.02], ddof=1)) and rho == pytest.approx(1.0)


@pytest.mark.slow
def test_calibration_recovers_one_parameter_from_data_the_model_made():
    base = load_config(SMALL)
    lever = resolve("style.recognition_rate", base)
    shells = [Series("engagement", "engagement", np.arange(4, 41, 4), np.zeros(10), 0.01)]
    problem = Problem([lever], SMALL, shells, seeds=[100, 101], workers=2)
    truth = 0.7
    data = synthesize(problem, [truth], seed=9, rng=np.random.default_rng(0))
    twin = Problem([lever], SMALL, data, seeds=[100, 101], workers=2)
    study = fit(twin, trials=24, sampler_seed=0, progress=False)
    row = summarise(study, twin).iloc[0]
    # the interval is an inner estimate over the trials run: the region's edge lies between the outermost
    # trial inside and the nearest one outside, so the truth lies within those
    tried = np.array([t.params[lever.name] for t in study.trials])
    below = tried[tried < row.low].max(initial=lever.low)
    above = tried[tried > row.high].min(initial=lever.high)
    assert below <= truth <= above
    assert row.identifiable and row.high - row.low < 0.5
    assert abs(row.best - truth) < 0.2
    assert row.seed_min <= row.seed_mean <= row.seed_max


def quick(tmp_path: Path, *extra: str) -> list[str]:
    """Overrides for a tiny calibration of the example data: small org, 10 trials, 2 seeds."""
    base = "base=[org=small_team,leadership=typical,policies=baseline]"
    out = [f"out={tmp_path / 'cal'}", f"docs={tmp_path / 'calibration.md'}"]
    return [base, "trials=10", "seeds=2", "workers=2", *out, *extra]


@pytest.mark.slow
def test_a_quick_calibration_reports_fit_and_identifiability(tmp_path, experiment):
    done = experiment("calibrate", *quick(tmp_path))
    assert done[0] == 0, done[2][-3000:]
    fitted = pd.read_csv(tmp_path / "cal" / "fit.csv")
    assert list(fitted.parameter) == ["style.recognition_rate", "style.support", "policies.feedback_sharing"]
    assert ((fitted.low <= fitted.best) & (fitted.best <= fitted.high)).all()
    ident = pd.read_csv(tmp_path / "cal" / "identifiability.csv")
    assert list(ident.truth) == [0.6, 0.35, 0.5]
    assert (ident.inside == ((ident.low <= ident.truth) & (ident.truth <= ident.high))).all()
    report = (tmp_path / "calibration.md").read_text()
    assert "## Identifiability check" in report and (tmp_path / "calibration.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("parameters={style.charisma: [0, 1]}", "error: unknown parameter 'style.charisma'"),
        ("parameters={policies.onboarding: [0, 3]}", "error: bounds of policies.onboarding"),
        ("observed.customer_satisfaction.column=csat", "has no column 'csat'"),
    ],
)
def test_the_calibration_script_rejects_bad_input_with_one_line(tmp_path, experiment, override, message):
    done = experiment("calibrate", *quick(tmp_path, override))
    assert done[0] == 2
    lines = done[2].strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done[2]
