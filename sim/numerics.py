"""Numeric helpers of the core, used by the mechanisms, the customers and the metrics.

Three kinds, none of them a mechanism: keeping values in range (shares in [0, 1], NaN replaced),
group statistics over people vectorised with ``np.bincount`` (O(n), no loop per team), and random
draws that fall back to their expected value when no generator is given. Passing ``rng=None``
switches a mechanism to its deterministic mean-field form (``mechanisms.stochastic=false``): used
by equivalence tests and closed-form checks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# ---------------------------------------------------------------- bounds
# np.clip reaches this ufunc through three Python layers, ~1.4 us a call; a week makes ~45 such calls,
# 4% of a step at 2,000 seats. Same ufunc, same values.
_clip = np._core.umath.clip


def unit(x: np.ndarray) -> np.ndarray:
    """``x`` clipped to [0, 1], element by element (NaN stays NaN); the same values as ``np.clip(x, 0, 1)``."""
    return _clip(x, 0.0, 1.0)


def nan_to(x: np.ndarray, value: float | np.ndarray) -> np.ndarray:
    """``x`` with NaN replaced by ``value`` (a number, or an array of x's shape to take the entry from):
    ``np.nan_to_num(x, nan=value)`` for arrays that hold no infinities (shares and means), at a third
    of its cost."""
    return np.where(np.isnan(x), value, x)


# ---------------------------------------------------------------- group statistics
def group_sum(values: np.ndarray, group: np.ndarray, weight: np.ndarray, n_groups: int) -> np.ndarray:
    """sum_i weight_i * values_i per group."""
    return np.bincount(group, weights=values * weight, minlength=n_groups)


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """sum_i w_i v_i / sum_i w_i: what ``np.average(values, weights=weights)`` computes (the same
    products, sums and division) without its argument checks, which cost more than the sum here."""
    return float((values * weights).sum() / weights.sum())


def group_mean(
    values: np.ndarray, group: np.ndarray, weight: np.ndarray, n_groups: int, empty: float = np.nan
) -> np.ndarray:
    """Weighted mean per group; ``empty`` where a group has no weight."""
    return group_means([values], group, weight, n_groups, empty)[0]


def group_std(
    values: np.ndarray,
    group: np.ndarray,
    weight: np.ndarray,
    n_groups: int,
    mean: np.ndarray | None = None,
    total: np.ndarray | None = None,
) -> np.ndarray:
    """Weighted (population) standard deviation per group; NaN where a group has no weight.

    ``mean`` (the per-group weighted mean of ``values``) and ``total`` (the weight's per-group sum),
    when the caller has them already.
    """
    if mean is None:
        mean = group_means([values], group, weight, n_groups, total=total)[0]
    dev = (values - nan_to(mean, 0.0)[group]) ** 2
    return np.sqrt(group_means([dev], group, weight, n_groups, total=total)[0])


def group_means(
    columns: Sequence[np.ndarray],
    group: np.ndarray,
    weight: np.ndarray,
    n_groups: int,
    empty: float = np.nan,
    total: np.ndarray | None = None,
) -> list[np.ndarray]:
    """``group_mean`` of each array in ``columns`` under one weight, the weight's per-group total
    (``total``, when the caller has it) summed once."""
    if total is None:
        total = np.bincount(group, weights=weight, minlength=n_groups)
    weighed = total > 0
    out = np.full((len(columns), n_groups), empty)  # one allocation; each mean is a row of it
    for values, mean in zip(columns, out, strict=True):
        np.divide(np.bincount(group, weights=values * weight, minlength=n_groups), total, out=mean, where=weighed)
    return list(out)


# ---------------------------------------------------------------- draws
def bernoulli(p: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """1.0 with probability p (float array); p itself without a generator."""
    p = unit(p)
    if rng is None:
        return p
    return (rng.random(p.shape) < p).astype(np.float64)


def binomial(n: np.ndarray, p: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Binomial(n, p) counts as floats; n * p without a generator.

    A fractional ``n`` (customers per seat need not be whole) draws round(n) trials, capped at ``n``:
    rounding 2.6 up must not let 3 of 2.6 customers churn.
    """
    p = unit(p)
    if rng is None:
        return n * p
    counts = np.round(n).astype(np.int64)
    if np.shape(p) != counts.shape:  # a shared p (scalar or row): np.broadcast_arrays costs 10 us a call
        counts, p = np.broadcast_arrays(counts, p)
    out = np.zeros(counts.shape)
    # Generator.binomial consumes no random numbers where n or p is 0, so drawing only the rest
    # gives the same numbers from the same stream, at half the cost (most people propose no idea)
    drawn = (counts > 0) & (p > 0)
    out[drawn] = rng.binomial(counts[drawn], p[drawn])
    return np.minimum(out, n)


def poisson(lam: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Poisson(lam) counts as floats; lam without a generator."""
    if rng is None:
        return np.asarray(lam, dtype=np.float64)
    return rng.poisson(lam).astype(np.float64)
