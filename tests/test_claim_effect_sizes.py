"""Effect sizes and time scales beside the claims (docs/claims.md): the person-level d, the time to half
effect and the published benchmarks of configs/research/claims.yaml."""

import numpy as np
import pandas as pd
import pytest

from sim.config import load_config
from sim.research.claims import (
    ORGANISATION_LEVEL,
    PERSON_METRICS,
    PERSON_SD,
    arms_of,
    benchmark_d,
    benchmarks_of,
    effect_scales,
    lever_week,
    load_spec,
    person_d,
    person_sds,
    time_to_half,
    validate_claims,
)

SPEC = load_spec()
CLAIMS = {c.id: c for c in SPEC.claims}


def test_person_d_divides_by_the_sd_across_people_pooled_over_the_arms():
    # arms with SDs 0.1 and 0.2 across people: pooled sqrt((0.01 + 0.04) / 2)
    assert person_d(0.05, [0.1, 0.2]) == pytest.approx(0.05 / np.sqrt(0.025))
    assert person_d(-0.3, [0.15, 0.15]) == pytest.approx(-2.0)
    assert np.isnan(person_d(0.1, [0.0, 0.0]))


def _runs(claim, weeks: int, level: dict, sd: dict, seeds: int = 3) -> dict:
    """Constructed runs of a compare claim on ``culture_mean``: the arm's level and SD across people, every week."""
    steps = np.arange(1, weeks + 1)
    return {
        (arm, s): (
            pd.DataFrame(
                {"step": steps, "culture_mean": level[arm](steps), PERSON_SD + "culture_mean": np.full(weeks, sd[arm])}
            ),
            None,
        )
        for arm in arms_of(claim)
        for s in range(seeds)
    }


def test_a_row_reads_the_person_sd_over_its_window_and_times_its_rise():
    claim = CLAIMS["C12b"]  # a style lever acting from week 1
    half_life = 6.0
    level = {
        claim.control: lambda t: np.full(t.size, 0.5),
        claim.treatment: lambda t: 0.5 + 0.04 * (1 - 2.0 ** (-t / half_life)),
    }
    runs = _runs(claim, 156, level, {claim.control: 0.03, claim.treatment: 0.05})
    spec = claim.metrics[0]  # culture_mean, weeks 105-156
    scales = effect_scales(claim, spec, runs, 3, {claim.control: -1.0, claim.treatment: 1.0}, 0.04)
    assert scales["person_sd"] == pytest.approx(np.sqrt((0.03**2 + 0.05**2) / 2))
    assert scales["d_person"] == pytest.approx(0.04 / scales["person_sd"])
    assert scales["lever_week"] == 1 and scales["half_weeks"] == pytest.approx(half_life, abs=0.3)


def test_organisation_level_rows_and_sums_have_no_person_level_d():
    claim = CLAIMS["C6"]
    turnover = next(m for m in claim.metrics if m.metric == "turnover_rate")
    runs = _runs(
        claim, 156, {a: (lambda t: np.full(t.size, 0.5)) for a in arms_of(claim)}, dict.fromkeys(arms_of(claim), 0.1)
    )
    for run, _ in runs.values():
        run["turnover_rate"] = 0.01
    scales = effect_scales(claim, turnover, runs, 3, {claim.control: -1.0, claim.treatment: 1.0}, 0.0)
    assert np.isnan(scales["d_person"]) and scales["d_person_note"] == ORGANISATION_LEVEL
    assert np.isnan(scales["half_weeks"]) and scales["half_note"] == "n/a (no effect)"


@pytest.mark.parametrize("half_life", [10.0, 7.3, 25.0])
@pytest.mark.parametrize("start", [1, 26])
def test_time_to_half_of_an_exponential_approach_is_its_half_life(half_life, start):
    weeks = np.arange(1, 157)
    acting = np.clip(weeks - start + 1, 0, None)  # weeks of the lever by the end of each week
    effect = -0.2 * (1 - 2.0 ** (-acting / half_life))  # a fall works the same way
    # half of the window's value (short of the asymptote when the rise is slow): t = -h log2(1 - share / 2)
    share = effect[104:156].mean() / -0.2
    expected = -half_life * np.log2(1 - share / 2)
    assert time_to_half(effect, start, (105, 156)) == pytest.approx(expected, abs=0.25)
    if half_life <= 10:
        assert expected == pytest.approx(half_life, abs=0.05)


def test_time_to_half_reads_through_noise_and_waits_out_an_early_reversal():
    rng = np.random.default_rng(0)
    weeks = np.arange(1, 157)
    effect = 1 - 2.0 ** (-weeks / 10.0)
    noisy = effect + rng.normal(0, 0.1, weeks.size)
    noisy[[130, 150]] = -0.3, -0.2  # single weeks dip below zero late in the window
    assert time_to_half(noisy, 1, (105, 156), smooth=1) > 140  # unsmoothed, the last dip decides
    assert time_to_half(noisy, 1, (105, 156)) == pytest.approx(10.0, abs=3.0)  # noise of 0.1 a week: +- 1.5 weeks
    # a transient early gain that reverses (weeks 1-20), then the lasting one from week 40
    reversal = np.where(weeks <= 10, 1.0, np.where(weeks <= 30, -0.5, np.where(weeks >= 40, 1.0, 0.0)))
    assert time_to_half(reversal, 1, (105, 156)) == pytest.approx(39.5, abs=1.5)
    assert np.isnan(time_to_half(np.zeros(156), 1, (105, 156)))
    # ends the window reversed: the gain never holds to the window's end
    assert np.isnan(time_to_half(np.where(weeks < 150, 1.0, -0.2), 1, (105, 156)))


def test_the_lever_starts_with_the_event_it_names_else_at_week_1():
    assert lever_week(CLAIMS["C3"]) == 13  # the programme's scope: its events from week 13
    assert lever_week(CLAIMS["C14"]) == 26  # training waves from week 26
    assert lever_week(CLAIMS["C6"]) == 1 and lever_week(CLAIMS["C6"], context=True) is None
    assert lever_week(CLAIMS["C4a"]) == 1 and lever_week(CLAIMS["C4a"], context=True) == 26
    assert lever_week(CLAIMS["C8"], context=True) == 52


def test_the_person_metrics_average_what_the_model_metrics_do():
    from sim.model import ServiceCultureModel

    model = ServiceCultureModel(load_config(["org=small_team", "scenario=c13_hire_any"]), seed=2, space=False)
    for _ in range(30):  # into turnover, so that newcomers and vacancies exist
        model.run_for(1)
        week = model.timeseries().iloc[-1]
        for metric, read in PERSON_METRICS.items():
            values, over = read(model)
            assert np.mean(values[over]) == pytest.approx(week[metric], rel=1e-12, nan_ok=True), metric
        spreads = person_sds(model)
        assert spreads[PERSON_SD + "culture_mean"] == pytest.approx(week["culture_spread"], rel=1e-12)


def test_benchmarks_load_with_a_source_a_value_and_what_they_measure():
    entries = [(c, b) for c in SPEC.claims for b in c.get("benchmark", [])]
    assert len(entries) >= 5
    for claim, b in entries:
        assert str(b.source) and str(b.url).startswith("http") and len(str(b.measures)) > 30, claim.id
        assert b.statistic in ("d", "r") and 0 < float(b.value) < (1 if b.statistic == "r" else 3), claim.id
        assert b.design in ("intervention", "correlation across people", "correlation across units"), claim.id
        rows = {m.metric for m in claim.get("metrics", [])}
        assert set(b.get("metrics", [])) <= rows, f"{claim.id}: a benchmark names a metric the claim has no row for"
    decuypere = next(b for c, b in entries if c.id == "C6" and "engagement" in b.metrics)
    assert benchmark_d(decuypere) == pytest.approx(2 * 0.47 / np.sqrt(1 - 0.47**2))
    assert benchmarks_of(CLAIMS["C6"], "turnover_rate") == []


def test_a_reduced_run_gives_the_new_columns_and_the_report_shows_them(experiment_module):
    table = validate_claims(SPEC, seeds=2, workers=1, org="small_team", only=["C4a"], progress=False)
    skill = table[table.metric == "skill"].iloc[0]
    assert (
        np.isfinite(skill.d_person)
        and skill.person_sd > 0
        and skill.d_person == pytest.approx(skill.effect / skill.person_sd)
    )
    assert skill.lever_week == 1 and skill.context_week == 26
    assert 0 < skill.half_weeks_context < skill.half_weeks <= 156
    module = experiment_module("validate_claims")
    text = module.markdown(table, SPEC, 2, "small_team", {"table": 1.0})
    assert "## Effect sizes and time scales" in text and "person-level d" in text
    assert "d 0.62, Arthur et al. 2003" in text and "none found" in text
    assert "from the shared event at week 26" in text
