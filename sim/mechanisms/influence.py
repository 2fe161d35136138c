"""Social influence in the Friedkin-Johnsen form, anchored by habit (docs/model.md; C11, C15).

    x(t+1) = A x0 + (I - A) W x(t),   A = diag(a),  a_i = anchor * h_i

W is row-stochastic over the filled seats: person i weighs itself (``self_weight``), its ties
(peer and cross-team weights), its own leader (``leader_weight * trust_i``) and its reports
(``report_weight``). With S = I - A and W fixed, the long-run state is the closed form
x* = (I - S W)^-1 (I - S) x0 (Friedkin & Johnsen 1990), checked by :func:`equilibrium`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def _parts(
    ties: sp.csr_matrix,
    manager: np.ndarray,
    trust: np.ndarray,
    filled: np.ndarray,
    leader_weight: float,
    report_weight: float,
):
    f = filled.astype(np.float64)
    has = manager >= 0
    boss = np.where(has, manager, 0)
    lead_w = leader_weight * trust * f[boss] * has
    report_den = report_weight * np.bincount(manager[has], weights=f[has], minlength=f.size)
    return f, has, boss, lead_w, report_den


def influence_step(
    x: np.ndarray,
    x0: np.ndarray,
    a: np.ndarray,
    ties: sp.csr_matrix,
    manager: np.ndarray,
    trust: np.ndarray,
    filled: np.ndarray,
    self_weight: float,
    leader_weight: float,
    report_weight: float,
) -> np.ndarray:
    """One Friedkin-Johnsen step, x' = a x0 + (1 - a) (W x), in O(seats + ties) with sparse mat-vecs.

    ``ties`` holds the tie weights (peer and cross-team); vacant seats drop out of every row.
    """
    f, has, boss, lead_w, report_den = _parts(ties, manager, trust, filled, leader_weight, report_weight)
    fx = f * x
    report_num = report_weight * np.bincount(manager[has], weights=fx[has], minlength=x.size)
    num = self_weight * x + ties @ fx + lead_w * x[boss] + report_num
    den = self_weight + ties @ f + lead_w + report_den
    wx = np.divide(num, den, out=x.copy(), where=den > 0)
    return a * x0 + (1.0 - a) * wx


def influence_matrix(
    ties: sp.csr_matrix,
    manager: np.ndarray,
    trust: np.ndarray,
    filled: np.ndarray,
    self_weight: float,
    leader_weight: float,
    report_weight: float,
) -> sp.csr_matrix:
    """The row-stochastic W that :func:`influence_step` applies, as an explicit sparse matrix."""
    n = manager.size
    f, has, boss, lead_w, _ = _parts(ties, manager, trust, filled, leader_weight, report_weight)
    child = np.flatnonzero(has)
    raw = (
        self_weight * sp.identity(n, format="csr")
        + ties @ sp.diags(f)
        + sp.csr_matrix((lead_w[child], (child, boss[child])), shape=(n, n))
        + sp.csr_matrix((report_weight * f[child], (boss[child], child)), shape=(n, n))
    ).tocsr()
    rowsum = np.asarray(raw.sum(axis=1)).ravel()
    scale = np.divide(1.0, rowsum, out=np.zeros(n), where=rowsum > 0)
    return (sp.diags(scale) @ raw).tocsr()


def equilibrium(w: sp.spmatrix, a: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Closed-form Friedkin-Johnsen equilibrium x* = (I - S W)^-1 (I - S) x0 with S = diag(1 - a)."""
    n = x0.size
    s = sp.diags(1.0 - a)
    system = (sp.identity(n, format="csc") - s @ w).tocsc()
    return spla.spsolve(system, a * x0)
