"""Group statistics over people, vectorised with ``np.bincount`` or a membership matrix (O(n), no loop per team)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


def group_sum(values: np.ndarray, group: np.ndarray, weight: np.ndarray, n_groups: int) -> np.ndarray:
    """sum_i weight_i * values_i per group."""
    return np.bincount(group, weights=values * weight, minlength=n_groups)


def group_mean(
    values: np.ndarray, group: np.ndarray, weight: np.ndarray, n_groups: int, empty: float = np.nan
) -> np.ndarray:
    """Weighted mean per group; ``empty`` where a group has no weight."""
    total = np.bincount(group, weights=weight, minlength=n_groups)
    sums = np.bincount(group, weights=values * weight, minlength=n_groups)
    out = np.full(n_groups, empty)
    np.divide(sums, total, out=out, where=total > 0)
    return out


def group_std(values: np.ndarray, group: np.ndarray, weight: np.ndarray, n_groups: int) -> np.ndarray:
    """Weighted (population) standard deviation per group; NaN where a group has no weight."""
    mean = group_mean(values, group, weight, n_groups)
    dev = (values - np.nan_to_num(mean)[group]) ** 2
    return np.sqrt(group_mean(dev, group, weight, n_groups))


def membership(group: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """The (n_groups, n) 0/1 matrix M with M[g, i] = 1 when person i is in group g.

    ``M @ v`` sums v per group in the order of i, exactly as ``np.bincount(group, weights=v)`` does
    (same additions, same order, so bit-identical), and at scale faster.
    """
    n = group.size
    return sp.csr_matrix((np.ones(n), (group, np.arange(n))), shape=(n_groups, n))


def group_means(
    columns: Sequence[np.ndarray], weight: np.ndarray, members: sp.csr_matrix, empty: float = np.nan
) -> list[np.ndarray]:
    """``group_mean`` of each array in ``columns`` with one weight, its per-group total summed once.

    ``members`` is :func:`membership` of the grouping; ``empty`` where a group has no weight.
    """
    total = members @ weight
    out = []
    for values in columns:
        mean = np.full(total.size, empty)
        np.divide(members @ (values * weight), total, out=mean, where=total > 0)
        out.append(mean)
    return out
