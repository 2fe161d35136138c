"""Random draws that fall back to their expected value when no generator is given.

Passing ``rng=None`` switches a mechanism to its deterministic mean-field form
(``mechanisms.stochastic=false``): used by equivalence tests and closed-form checks.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.bounds import unit


def bernoulli(p: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """1.0 with probability p (float array); p itself without a generator."""
    p = unit(p)
    if rng is None:
        return p
    return (rng.random(p.shape) < p).astype(np.float64)


def binomial(n: np.ndarray, p: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Binomial(n, p) counts as floats; n * p without a generator."""
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
    return out


def poisson(lam: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Poisson(lam) counts as floats; lam without a generator."""
    if rng is None:
        return np.asarray(lam, dtype=np.float64)
    return rng.poisson(lam).astype(np.float64)
