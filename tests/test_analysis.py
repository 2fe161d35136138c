"""The statistics helper on synthetic data with known effects."""

import numpy as np
import pytest

from sim.research.analysis import bootstrap, difference, icc1, interaction, lagged_correlation, mean_correlation


def coverage(make_effect, truth, trials=400):
    hits = 0
    for k in range(trials):
        e = make_effect(np.random.default_rng(k))
        hits += e.low <= truth <= e.high
    return hits / trials


def test_difference_interval_covers_the_true_effect_at_its_level():
    def make(rng):
        return difference(rng.normal(1.0, 1.0, 30), rng.normal(1.5, 2.0, 30))

    assert coverage(make, 0.5) == pytest.approx(0.95, abs=0.03)


def test_difference_estimate_d_and_direction():
    rng = np.random.default_rng(0)
    c, t = rng.normal(0, 1, 2000), rng.normal(0.5, 1, 2000)
    e = difference(c, t)
    assert e.estimate == pytest.approx(t.mean() - c.mean())
    assert e.d == pytest.approx(0.5, abs=0.06)
    assert e.excludes_zero(+1) and not e.excludes_zero(-1)


def test_interaction_recovers_a_known_interaction_and_not_main_effects():
    def arms(rng, inter):
        # main effects 1.0 and 2.0, interaction `inter`
        n = 30
        return (
            rng.normal(0.0, 1, n),
            rng.normal(2.0, 1, n),
            rng.normal(1.0, 1, n),
            rng.normal(3.0 + inter, 1, n),
        )

    assert coverage(lambda rng: interaction(*arms(rng, 0.8)), 0.8) == pytest.approx(0.95, abs=0.03)
    big = interaction(*arms(np.random.default_rng(1), 2.0))
    assert big.excludes_zero(+1)
    # two strong main effects but no interaction: the interval straddles zero most of the time
    assert coverage(lambda rng: interaction(*arms(rng, 0.0)), 0.0) == pytest.approx(0.95, abs=0.03)


def test_mean_correlation_interval():
    def make(rng):
        rs = []
        for _ in range(20):
            x = rng.normal(size=50)
            y = 0.3 * x + np.sqrt(1 - 0.09) * rng.normal(size=50)
            rs.append(np.corrcoef(x, y)[0, 1])
        return mean_correlation(rs)

    e = make(np.random.default_rng(3))
    assert 0.2 < e.estimate < 0.4 and e.low < 0.3 < e.high


def test_bootstrap_interval_of_a_mean_difference():
    rng = np.random.default_rng(5)
    c, t = rng.normal(0, 1, 40), rng.normal(1, 1, 40)
    e = bootstrap([c, t], lambda a, b: b.mean() - a.mean())
    w = difference(c, t)
    assert e.estimate == pytest.approx(w.estimate)
    assert e.low == pytest.approx(w.low, abs=0.15) and e.high == pytest.approx(w.high, abs=0.15)


def test_lagged_correlation_finds_the_lag():
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.normal(size=300))
    y = np.r_[np.zeros(5), x[:-5]] + 0.1 * rng.normal(size=300)
    assert lagged_correlation(np.diff(x), np.diff(y), 5) > 0.9
    assert abs(lagged_correlation(np.diff(x), np.diff(y), -5)) < 0.3


def test_too_few_replications_is_an_error():
    with pytest.raises(ValueError, match="at least two"):
        difference([1.0], [2.0, 3.0])


def test_icc1_matches_the_anova_formula_and_its_limits():
    # two groups of two: means 2 and 6, MSB = 16, MSW = 2, k = 2 -> (16 - 2) / (16 + 2)
    assert icc1(np.array([1.0, 3.0, 5.0, 7.0]), np.array([0, 0, 1, 1])) == pytest.approx(14 / 18)
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 200, 3000)
    team = rng.normal(0.0, 1.0, 200)[groups]
    assert icc1(team, groups) == pytest.approx(1.0)  # everything shared within groups
    assert abs(icc1(rng.normal(size=3000), groups)) < 0.05  # nothing shared
    # team variance 1, individual variance 3: ICC(1) = 1 / (1 + 3), within sampling error
    assert icc1(team + rng.normal(0.0, np.sqrt(3.0), 3000), groups) == pytest.approx(0.25, abs=0.06)
