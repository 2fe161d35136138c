"""Lever responses (sim/research/responses.py, experiments/lever_responses.py): the verdict logic on
synthetic data, the spec covers every lever, and each lever moves its primary metric the way the
model brief says on a small org (3 levels x 6 seeds x 104 weeks, long run = weeks 53-104). That is
372 runs, marked slow: about 100 s on 2 cores (3 seeds x 78 weeks left recognition_public, idea_support
and onboarding inside their noise on small_team)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import NUMERIC_POLICIES, STYLE_LEVERS, ConfigError
from sim.research import responses
from sim.research.responses import AS_EXPECTED, FLAT, NO_VERDICT, NON_MONOTONE, REVERSED

#: Levers whose primary metric does not move as the brief expects in the run below, each with its
#: reason: strict xfails, so a lever that starts to move fails the test until it leaves the set.
KNOWN_FAILING: dict[str, str] = {
    # At the default misfit definition (0.25 below the team's norm for 26 weeks) nobody is a persistent
    # misfit: the rule removes no one, so every level gives the same runs (slope exactly 0).
    "policies.remove_misfits": "the rule finds no misfit at the default definition",
    "policies.misfit_threshold": "no one is 0.1 or more below the team's norm for 26 weeks",
    "policies.misfit_weeks": "no one is 0.25 below the team's norm even for 16 weeks",
    # Standards anchor the team's service standard as max(vision, standards), so below the default vision
    # (0.6) only the recognition of orientation carries the lever: culture_mean 0.0155 [-0.0004, 0.031].
    "policies.standards_in_appraisal": "a small effect inside 6 seeds' noise on small_team",
    # At the fitted defaults (docs/fit.md) people hold to their own view and apply training slowly, so these two
    # move their metric less: on small_team over 104 weeks, culture 0.011 [-0.002, 0.025] and skill 0.014
    # [-0.002, 0.030] per unit of the lever; over 156 weeks and 8 seeds both hold on company (docs/levers.md).
    "style.recognition_public": "a small effect on culture inside 6 seeds' noise on small_team",
    "style.knowledge_sharing": "a small effect on skill inside 6 seeds' noise on small_team",
}

SPEC = responses.load_spec()
PRIMARY = [name for name in SPEC.levers if SPEC.levers[name].get("primary")]
X = np.array([0.1, 0.3, 0.5, 0.7, 0.9])


def _seeds(means, noise: float, seeds: int = 8, seed: int = 0) -> np.ndarray:
    """Synthetic long-run values: one row per seed, one column per level, shared seed effects (common
    random numbers) plus independent noise."""
    rng = np.random.default_rng(seed)
    return np.asarray(means)[None, :] + rng.normal(0, 0.05, (seeds, 1)) + rng.normal(0, noise, (seeds, len(means)))


def test_the_verdicts_on_synthetic_responses():
    rising = 0.5 + 0.2 * X
    assert responses.response(X, _seeds(rising, 0.005), +1)["verdict"] == AS_EXPECTED
    assert responses.response(X, _seeds(rising, 0.005), -1)["verdict"] == REVERSED
    assert responses.response(X, _seeds(1.2 - rising, 0.005), -1)["verdict"] == AS_EXPECTED
    assert responses.response(X, _seeds(np.full(5, 0.6), 0.02), +1)["verdict"] == FLAT
    # an effect that does nothing at all (identical runs at every level) is flat, not an error
    assert responses.response(X, np.tile(_seeds(np.full(1, 0.6), 0.0), (1, 5)), +1)["verdict"] == FLAT
    # up overall, but one step clearly back down: the slope alone would pass
    dip = responses.response(X, _seeds([0.50, 0.55, 0.62, 0.56, 0.72], 0.004), +1)
    assert dip["low"] > 0 and not dip["monotone"] and dip["verdict"] == NON_MONOTONE
    # a step back within its own noise is still monotone within noise
    wobble = responses.response(X, _seeds([0.50, 0.55, 0.62, 0.615, 0.72], 0.01), +1)
    assert wobble["monotone"] and wobble["verdict"] == AS_EXPECTED
    assert responses.response(X, _seeds(rising, 0.005), 0)["verdict"] == NO_VERDICT


def test_the_slope_is_the_pooled_ols_slope_and_its_interval_is_over_seeds():
    y = _seeds(0.5 + 0.2 * X, 0.01)
    pooled = np.polyfit(np.tile(X, y.shape[0]), y.ravel(), 1)[0]
    cell = responses.response(X, y, +1)
    assert cell["slope"] == pytest.approx(pooled)
    per_seed = responses.seed_slopes(X, y)
    assert cell["n"] == y.shape[0] and cell["low"] < per_seed.mean() < cell["high"]
    assert cell["means"] == pytest.approx(y.mean(axis=0).tolist())


def test_the_spec_names_every_lever_with_a_primary_metric_and_a_reason():
    levers = set(SPEC.levers)
    assert {f"style.{n}" for n in STYLE_LEVERS} <= levers
    assert {f"policies.{n}" for n in NUMERIC_POLICIES} | {"policies.remove_misfits"} <= levers
    specs = responses.lever_specs(SPEC)
    for lv in specs:
        assert lv.primary in lv.expect and lv.reason, lv.name
        assert list(lv.levels) == sorted(lv.levels) and len(lv.levels) >= 2, lv.name
    assert {lv.name: lv.levels for lv in specs}["policies.remove_misfits"] == (False, True)
    assert set(PRIMARY) == levers and levers >= set(KNOWN_FAILING)
    # a labelled entry checks its lever in a context: vision where leaders do not live it
    hypocrite = {lv.name: lv for lv in specs}["style.vision where leaders do not walk the talk"]
    assert hypocrite.lever.name == "style.vision" and "leadership.styles.typical.integrity=0.2" in hypocrite.extra


def test_unknown_names_are_one_line_errors(experiment):
    with pytest.raises(ConfigError, match="unknown lever 'style.charm'"):
        responses.lever_specs(SPEC, ["style.charm"])
    with pytest.raises(ConfigError, match="unknown org 'castle'"):
        responses.org_overrides(SPEC, ["castle"])
    for args in (["--levers", "style.charm"], ["--orgs", "castle"], ["--seeds", "1"]):
        code, out, err = experiment("lever_responses", *args)
        assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, args


def test_the_hotel_chart_is_found_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = responses.org_overrides(SPEC, ["harbour_hotel"])["harbour_hotel"][1].split("=", 1)[1]
    assert path.endswith("harbour_hotel.csv") and __import__("os").path.isfile(path)


@pytest.fixture(scope="module")
def small_study():
    spec = responses.load_spec(["positions=[0.1,0.5,0.9]"])
    return responses.study(spec, orgs=["small_team"], seeds=6, steps=104, window=(53, 104), workers=2, progress=False)


@pytest.mark.slow
@pytest.mark.parametrize(
    "lever",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_FAILING[name]))
        if name in KNOWN_FAILING
        else name
        for name in PRIMARY
    ],
)
def test_each_lever_moves_its_primary_metric_as_the_brief_expects(small_study, lever):
    cells = small_study.cells
    cell = cells[(cells.lever == lever) & cells.primary].iloc[0]
    assert cell.verdict == AS_EXPECTED, (
        f"{lever}: {cell.metric} expected {cell.expected}, {cell.verdict}: slope {cell.slope:.3g} "
        f"[{cell.low:.3g}, {cell.high:.3g}], means {[round(m, 4) for m in cell.means]}"
    )
