"""Influence alone converges to the Friedkin-Johnsen closed form (I - S W)^-1 (I - S) x0."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from sim import ServiceCultureModel, load_config
from sim.config import only_mechanisms
from sim.mechanisms.influence import equilibrium, influence_matrix, influence_step, ties_only
from sim.model import influence_only_matrix


@pytest.mark.parametrize("org", ["small_team", "company"])
def test_model_with_influence_only_reaches_the_closed_form(org):
    cfg = load_config([f"org={org}", *only_mechanisms("influence")])
    model = ServiceCultureModel(cfg, seed=4, space=False)
    p = model.people
    a = model.dyn.influence.anchor * p.habit
    w = influence_only_matrix(model)
    x0 = p.disposition.copy()
    expected = equilibrium(w, a, x0)
    model.run_for(1200)
    f = p.filled
    assert np.max(np.abs(p.orientation[f] - expected[f])) < 1e-6
    # the state moved: the check is not trivially met by the starting point
    assert np.max(np.abs(x0[f] - expected[f])) > 1e-3


def test_karate_club_without_anchoring_reaches_the_eigenvector_weighted_consensus():
    g = nx.karate_club_graph()
    n = g.number_of_nodes()
    ties = sp.csr_matrix(nx.to_scipy_sparse_array(g, weight=None, dtype=float))
    x = np.random.default_rng(0).random(n)
    x_start = x.copy()
    none = np.full(n, -1)
    filled = np.ones(n, bool)
    for _ in range(3000):
        x = influence_step(x, x, np.zeros(n), ties, none, np.zeros(n), filled, ties_only(1.0))
    # W = (I + A) / (1 + degree): the left eigenvector of eigenvalue 1 is proportional to 1 + degree
    weight = 1.0 + np.asarray(ties.sum(axis=1)).ravel()
    assert x == pytest.approx(np.full(n, np.average(x_start, weights=weight)), abs=1e-9)
    w = influence_matrix(ties, none, np.zeros(n), filled, ties_only(1.0))
    a = np.full(n, 0.2)
    xs = x_start.copy()
    for _ in range(400):
        xs = influence_step(xs, x_start, a, ties, none, np.zeros(n), filled, ties_only(1.0))
    assert xs == pytest.approx(equilibrium(w, a, x_start), abs=1e-9)
