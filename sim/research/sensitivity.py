"""Global sensitivity analysis with SALib: Morris screening and Sobol indices, on the model or on any
function (the Ishigami function checks that the pipeline recovers known indices).

A *problem* is a list of names with bounds; a *design* is one row per sample (numbers in the
problem's units); the outputs ``Y`` are one value per row.

- **Morris** (elementary effects, ``r`` trajectories of ``k + 1`` points on a ``p``-level grid):
  ``EE_i = [f(x + Delta e_i) - f(x)] / Delta`` (Delta in units of the range), ``mu*_i = mean |EE_i|``,
  ``sigma_i = sd(EE_i)``; ``mu*`` ranks the levers, ``sigma`` flags interactions and non-linearity.
  Intervals on ``mu*``: bootstrap over trajectories. ``r (k + 1)`` runs.
- **Sobol** (Saltelli's scheme, first and total order): with ``V = Var(Y)``,
  ``S1_i = Var(E[Y | X_i]) / V`` and ``ST_i = E[Var(Y | X_~i)] / V`` (Jansen's estimator);
  intervals by bootstrap over the ``N`` base samples. ``N (k + 2)`` runs.

The model is stochastic: each design row runs with its own seed (``seed0 + row``), so run-to-run
noise is part of ``Var(Y)``; it shows as ``1 - sum S1`` and slightly raises every ``ST``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.research.levers import Lever

SEED_COLUMN = "seed"


@dataclass(frozen=True)
class Problem:
    """Named inputs with bounds, as SALib wants them."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    @classmethod
    def of(cls, levers: Sequence[Lever]) -> Problem:
        return cls(tuple(lv.name for lv in levers), tuple((lv.low, lv.high) for lv in levers))

    def salib(self) -> dict:
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}


def morris_design(problem: Problem, trajectories: int, levels: int = 4, seed: int = 0) -> np.ndarray:
    """``trajectories * (k + 1)`` Morris samples, one row each."""
    return morris_sample.sample(problem.salib(), trajectories, num_levels=levels, seed=seed)


def morris_indices(
    problem: Problem, x: np.ndarray, y: np.ndarray, levels: int = 4, level: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Morris ``mu*`` (with the half-width of its ``level`` bootstrap interval), ``mu`` and ``sigma``
    per input, sorted by ``mu*`` (largest first)."""
    got = morris_analyze.analyze(
        problem.salib(), x, np.asarray(y, dtype=float), num_levels=levels, conf_level=level, seed=seed
    )
    table = pd.DataFrame(
        {
            "input": list(problem.names),
            "mu_star": got["mu_star"],
            "mu_star_conf": got["mu_star_conf"],
            "mu": got["mu"],
            "sigma": got["sigma"],
        }
    )
    return table.sort_values("mu_star", ascending=False, ignore_index=True)


def sobol_design(problem: Problem, n: int, seed: int = 0) -> np.ndarray:
    """Saltelli's ``n * (k + 2)`` samples for first- and total-order indices (``n`` a power of 2)."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"sobol n={n} must be a power of 2 (Sobol' sequences are balanced only then)")
    return sobol_sample.sample(problem.salib(), n, calc_second_order=False, seed=seed)


def sobol_indices(
    problem: Problem, y: np.ndarray, level: float = 0.95, resamples: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """First-order ``S1`` and total-order ``ST`` per input with the half-widths of their ``level``
    bootstrap intervals (``S1_conf``, ``ST_conf``), in the problem's order."""
    got = sobol_analyze.analyze(
        problem.salib(),
        np.asarray(y, dtype=float),
        calc_second_order=False,
        conf_level=level,
        num_resamples=resamples,
        seed=np.random.default_rng(seed),  # SALib 1.5 leaves the bootstrap unseeded for an int seed of 0
    )
    return pd.DataFrame(
        {
            "input": list(problem.names),
            "S1": got["S1"],
            "S1_conf": got["S1_conf"],
            "ST": got["ST"],
            "ST_conf": got["ST_conf"],
        }
    )


def top_inputs(morris: dict[str, pd.DataFrame], k: int) -> list[str]:
    """The ``k`` inputs that matter most across outputs, taken in turns: each output in order adds its
    highest-``mu*`` input not yet chosen, so every output's leading inputs are kept (an input that
    dominates one output alone does not crowd out the others)."""
    rankings = [list(table.sort_values("mu_star", ascending=False)["input"]) for table in morris.values()]
    total = len({name for ranking in rankings for name in ranking})
    chosen: list[str] = []
    while len(chosen) < min(k, total):
        for ranking in rankings:
            pick = next((name for name in ranking if name not in chosen), None)
            if pick is not None and len(chosen) < k:
                chosen.append(pick)
    return chosen


def design_table(levers: Sequence[Lever], x: np.ndarray, seed0: int) -> pd.DataFrame:
    """The runs of a design as text overrides: a column per config key, ``seed = seed0 + row``.

    This is the file ``hydra/sweeper=design`` reads; row ``i`` of ``x`` is the run with seed ``seed0 + i``.
    """
    rows = []
    for i, sample in enumerate(np.asarray(x, dtype=float)):
        row = dict(o.split("=", 1) for lv, v in zip(levers, sample, strict=True) for o in lv.overrides(float(v)))
        row[SEED_COLUMN] = str(seed0 + i)
        rows.append(row)
    return pd.DataFrame(rows, dtype=str)


def long_run(timeseries: pd.DataFrame, outputs: Sequence[str], weeks: int) -> pd.DataFrame:
    """Each run's long-run value of each output: the mean over its last ``weeks`` steps.

    ``timeseries`` is the collector's long table (``seed``, ``step``, ``metric``, ``value``); the result
    has one row per seed and a column per output.
    """
    missing = sorted(set(outputs) - set(timeseries["metric"].unique()))
    if missing:
        raise ValueError(f"output {missing[0]!r} is not a metric of the runs (see docs/outputs.md)")
    ts = timeseries[timeseries["metric"].isin(list(outputs))]
    last = ts.groupby("seed")["step"].transform("max")
    late = ts[ts["step"] > last - weeks]
    table = late.groupby(["seed", "metric"])["value"].mean().unstack("metric")
    return table[list(outputs)]


def outputs_by_row(values: pd.DataFrame, seed0: int, rows: int) -> pd.DataFrame:
    """Order the per-seed outputs as the design's rows (``seed = seed0 + row``); raises when a row
    has no run, naming the first few."""
    wanted = np.arange(seed0, seed0 + rows)
    absent = [int(s) for s in wanted if s not in values.index]
    if absent:
        raise ValueError(f"{len(absent)} design rows have no complete run (seeds {absent[:5]}...): run the sweep again")
    return values.loc[wanted]


# --- the Ishigami function: f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi) -------------------------

ISHIGAMI = Problem(("x1", "x2", "x3"), ((-np.pi, np.pi),) * 3)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """``f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1`` for each row of ``x``."""
    x = np.asarray(x, dtype=float)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """The analytic first- and total-order indices of the Ishigami function.

    ``V1 = (1 + b pi^4 / 5)^2 / 2``, ``V2 = a^2 / 8``, ``V13 = b^2 pi^8 (1/18 - 1/50)``,
    ``V = V1 + V2 + V13``; ``S1 = (V1, V2, 0) / V``, ``ST = (V1 + V13, V2, V13) / V``.
    """
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a * a / 8
    v13 = b * b * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return pd.DataFrame(
        {"input": list(ISHIGAMI.names), "S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}
    )


def sobol_of(function: Callable[[np.ndarray], np.ndarray], problem: Problem, n: int, **kwargs) -> pd.DataFrame:
    """Sobol indices of a cheap function evaluated in-process (same sampling and analysis as the model's)."""
    seed = kwargs.pop("seed", 0)
    return sobol_indices(problem, function(sobol_design(problem, n, seed=seed)), seed=seed, **kwargs)
