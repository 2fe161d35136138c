"""Statistics for replicated experiments: effects with confidence intervals over seeds.

Every function takes one value per seed (independent replications) and returns an ``Effect``.
Intervals are Welch t intervals (unequal variances, Welch-Satterthwaite degrees of freedom), or
one-sample t intervals for contrasts already paired within a seed (``mean_interval``);
correlations are averaged on Fisher's z scale. Standardised effects are Cohen's d with the pooled
standard deviation of the arms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Effect:
    """An effect estimate: ``estimate`` with its ``low``..``high`` interval at ``level``."""

    estimate: float
    low: float
    high: float
    d: float  # standardised effect (Cohen's d); for correlations the mean r itself
    level: float
    n: int  # replications per arm
    method: str

    def excludes_zero(self, direction: int) -> bool:
        """True when the interval lies entirely on the ``direction`` side of zero (+1 up, -1 down)."""
        return self.low > 0 if direction > 0 else self.high < 0

    def as_dict(self) -> dict:
        return asdict(self)


def _clean(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size < 2:
        raise ValueError("an effect needs at least two finite replications per arm")
    return arr


def _welch(parts: list[tuple[float, np.ndarray]], level: float) -> tuple[float, float, float]:
    """Interval of sum_k c_k * mean(x_k) with Welch-Satterthwaite degrees of freedom."""
    estimate = sum(c * x.mean() for c, x in parts)
    terms = [c * c * x.var(ddof=1) / x.size for c, x in parts]
    se = float(np.sqrt(sum(terms)))
    if se == 0.0:
        return estimate, estimate, estimate
    dof = sum(terms) ** 2 / sum(t * t / (x.size - 1) for t, (_, x) in zip(terms, parts, strict=True) if t > 0)
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    return estimate, estimate - half, estimate + half


def _pooled_sd(arms: list[np.ndarray]) -> float:
    dof = sum(x.size - 1 for x in arms)
    return float(np.sqrt(sum((x.size - 1) * x.var(ddof=1) for x in arms) / dof))


def difference(control, treatment, level: float = 0.95) -> Effect:
    """mean(treatment) - mean(control), Welch t interval, Cohen's d."""
    c, t = _clean(control), _clean(treatment)
    est, low, high = _welch([(1.0, t), (-1.0, c)], level)
    sd = _pooled_sd([c, t])
    # with no spread at all: an infinite d for a difference, none for no difference
    d = est / sd if sd > 0 else (np.copysign(np.inf, est) if est != 0 else np.nan)
    return Effect(est, low, high, d, level, min(c.size, t.size), "Welch t")


def interaction(cc, ct, tc, tt, level: float = 0.95) -> Effect:
    """The 2x2 interaction (tt - tc) - (ct - cc): how much the second factor's effect grows when the
    first factor is on. Arms are named <first><second>, c = off, t = on. Welch t interval."""
    arms = [_clean(a) for a in (cc, ct, tc, tt)]
    est, low, high = _welch([(1.0, arms[3]), (-1.0, arms[2]), (-1.0, arms[1]), (1.0, arms[0])], level)
    sd = _pooled_sd(arms)
    n = min(a.size for a in arms)
    return Effect(est, low, high, est / sd if sd > 0 else np.inf * np.sign(est), level, n, "Welch t, 2x2 interaction")


def mean_correlation(rs, level: float = 0.95) -> Effect:
    """Mean of per-replication correlations: t interval of Fisher's z, transformed back to r."""
    r = np.clip(_clean(rs), -0.999999, 0.999999)
    z = np.arctanh(r)
    half = stats.t.ppf(0.5 + level / 2, z.size - 1) * z.std(ddof=1) / np.sqrt(z.size)
    mz = z.mean()
    est = float(np.tanh(mz))
    return Effect(est, float(np.tanh(mz - half)), float(np.tanh(mz + half)), est, level, z.size, "Fisher z, t")


def mean_interval(values, level: float = 0.95) -> Effect:
    """mean(values) with its one-sample t interval, mean +/- t_{n-1} * sd / sqrt(n); d = mean / sd.

    For values that are already paired contrasts, one per replication: per-seed differences between
    two arms run on the same seeds, or per-seed slopes (common random numbers make them paired)."""
    x = _clean(values)
    est, sd = float(x.mean()), float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1)) * sd / np.sqrt(x.size)
    d = est / sd if sd > 0 else (np.inf * np.sign(est) if est else 0.0)
    return Effect(est, est - half, est + half, d, level, x.size, "t, paired over seeds")


def bootstrap(
    values_by_arm: list[np.ndarray], statistic, level: float = 0.95, draws: int = 1000, seed: int = 0
) -> Effect:
    """Percentile bootstrap over replications: each arm's rows (seeds) resampled with replacement.

    ``statistic(*arms)`` maps arrays with one row per replication to a float.
    """
    rng = np.random.default_rng(seed)
    arms = [np.asarray(a, dtype=float) for a in values_by_arm]
    est = float(statistic(*arms))
    boots = np.array(
        [statistic(*(a[rng.integers(0, len(a), len(a))] for a in arms)) for _ in range(draws)], dtype=float
    )
    boots = boots[np.isfinite(boots)]
    low, high = np.quantile(boots, [0.5 - level / 2, 0.5 + level / 2])
    sd = float(boots.std(ddof=1))
    return Effect(
        est, float(low), float(high), est / sd if sd > 0 else np.nan, level, min(len(a) for a in arms), "bootstrap"
    )


def icc1(values: np.ndarray, groups: np.ndarray) -> float:
    """ICC(1) of individual ``values`` within ``groups`` (one-way random-effects ANOVA; Bliese 2000):

        ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW),   k = (N - sum n_g^2 / N) / (G - 1)

    for G groups of sizes n_g, N people: the share of the variance in a person's value that lies
    between groups. It says how much a team mean is a property of the team rather than of its members.
    """
    _, g = np.unique(groups, return_inverse=True)
    sizes = np.bincount(g).astype(float)
    n, k_groups = float(values.size), sizes.size
    means = np.bincount(g, weights=values) / sizes
    between = float((sizes * (means - values.mean()) ** 2).sum()) / (k_groups - 1)
    within = float(((values - means[g]) ** 2).sum()) / (n - k_groups)
    k = (n - (sizes**2).sum() / n) / (k_groups - 1)
    return (between - within) / (between + (k - 1) * within)


def lagged_correlation(x: np.ndarray, y: np.ndarray, lag: int) -> float:
    """corr(x_t, y_{t+lag}): does y follow x ``lag`` steps later?"""
    if lag > 0:
        x, y = x[:-lag], y[lag:]
    elif lag < 0:
        x, y = x[-lag:], y[:lag]
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.std(x[ok]) == 0 or np.std(y[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(x[ok], y[ok])[0, 1])
