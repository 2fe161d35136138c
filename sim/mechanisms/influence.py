"""Social influence in the Friedkin-Johnsen form, anchored by habit (docs/model.md; C11, C15).

    x(t+1) = A x0 + (I - A) W x(t),   A = diag(a),  a_i = anchor * h_i

W is row-stochastic over the filled seats: person i weighs itself (``self_weight``), its ties
(``peer_weight`` and ``cross_weight``, folded into one tie-weight matrix by :func:`tie_weights`),
its own leader (``leader_weight * trust_i``) and its reports (``report_weight``). With S = I - A and
W fixed, the long-run state is the closed form x* = (I - S W)^-1 (I - S) x0 (Friedkin & Johnsen 1990),
checked by :func:`equilibrium`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sim.params import UNIT, param


@dataclass
class InfluenceParams:
    """``dynamics.influence``: the Friedkin-Johnsen anchor and weights.

    The tie weights (``peer_weight``, ``cross_weight``) are also read by negative talk
    (``sim.mechanisms.negative_talk``), which spreads over the same weighted ties.
    """

    anchor: float = param(
        *UNIT, doc="weekly weight of one's disposition, scaled by habit strength (a = anchor * h)", unit="per week"
    )
    self_weight: float = param(0, 100, doc="weight of one's own orientation in W", unit="weight")
    leader_weight: float = param(0, 100, doc="weight of one's own leader in W, scaled by trust in them", unit="weight")
    report_weight: float = param(0, 100, doc="weight of each of one's reports in W", unit="weight")
    peer_weight: float = param(
        0, 100, doc="weight of each peer tie inside the team in W (and in negative talk)", unit="weight"
    )
    cross_weight: float = param(
        0, 100, doc="weight of each tie to another team in W (and in negative talk)", unit="weight"
    )


def ties_only(self_weight: float) -> InfluenceParams:
    """Influence through the given ties and one's own weight only (no leader, no reports), with anchor 1, so
    that the ``habit`` handed to :func:`influence_step` is each person's anchor a itself (closed-form checks)."""
    return InfluenceParams(
        anchor=1.0, self_weight=self_weight, leader_weight=0.0, report_weight=0.0, peer_weight=1.0, cross_weight=1.0
    )


def tie_weights(peer_ties: sp.csr_matrix, cross_ties: sp.csr_matrix, cfg: InfluenceParams) -> sp.csr_matrix:
    """The weight of every tie: ``peer_weight`` on peer ties plus ``cross_weight`` on cross-team ties."""
    return (cfg.peer_weight * peer_ties + cfg.cross_weight * cross_ties).tocsr()


def _parts(
    ties: sp.csr_matrix,
    manager: np.ndarray,
    trust: np.ndarray,
    filled: np.ndarray,
    cfg: InfluenceParams,
):
    f = filled.astype(np.float64)
    has = manager >= 0
    boss = np.where(has, manager, 0)
    lead_w = cfg.leader_weight * trust * f[boss] * has
    report_den = cfg.report_weight * np.bincount(manager[has], weights=f[has], minlength=f.size)
    return f, has, boss, lead_w, report_den


def influence_step(
    x: np.ndarray,
    x0: np.ndarray,
    habit: np.ndarray,
    ties: sp.csr_matrix,
    manager: np.ndarray,
    trust: np.ndarray,
    filled: np.ndarray,
    cfg: InfluenceParams,
) -> np.ndarray:
    """One Friedkin-Johnsen step, x' = a x0 + (1 - a) (W x) with a = anchor * habit, in O(seats + ties)
    with sparse mat-vecs.

    ``ties`` holds the tie weights (:func:`tie_weights`); vacant seats drop out of every row.
    """
    a = cfg.anchor * habit
    f, has, boss, lead_w, report_den = _parts(ties, manager, trust, filled, cfg)
    fx = f * x
    report_num = cfg.report_weight * np.bincount(manager[has], weights=fx[has], minlength=x.size)
    num = cfg.self_weight * x + ties @ fx + lead_w * x[boss] + report_num
    den = cfg.self_weight + ties @ f + lead_w + report_den
    wx = np.divide(num, den, out=x.copy(), where=den > 0)
    return a * x0 + (1.0 - a) * wx


def influence_matrix(
    ties: sp.csr_matrix,
    manager: np.ndarray,
    trust: np.ndarray,
    filled: np.ndarray,
    cfg: InfluenceParams,
) -> sp.csr_matrix:
    """The row-stochastic W that :func:`influence_step` applies, as an explicit sparse matrix."""
    n = manager.size
    f, has, boss, lead_w, _ = _parts(ties, manager, trust, filled, cfg)
    child = np.flatnonzero(has)
    raw = (
        cfg.self_weight * sp.identity(n, format="csr")
        + ties @ sp.diags(f)
        + sp.csr_matrix((lead_w[child], (child, boss[child])), shape=(n, n))
        + sp.csr_matrix((cfg.report_weight * f[child], (boss[child], child)), shape=(n, n))
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
