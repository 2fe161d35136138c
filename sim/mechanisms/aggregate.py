"""Group statistics over people, vectorised with ``np.bincount`` (O(n), no loop per team)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.mechanisms.bounds import nan_to


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
