"""Calibration: fit chosen parameters to observed time series (CSV) with Optuna, with intervals and an
identifiability verdict per parameter.

**Data.** Each observed series ``j`` is a CSV with a week column (the observation times ``t``, e.g.
13, 26, ... for a quarterly survey) and a value column matched to a model metric (docs/outputs.md), with
its measurement error ``sd_j`` and the number of weeks ``w_j`` one measurement averages (1 for a
snapshot survey, 4 for a monthly score). The model's value at ``t`` is the metric's mean over weeks
``t - w_j + 1 .. t``.

**Loss** (minimised). For parameters ``theta`` and the same ``S`` seeds in every trial (common random
numbers), with ``m_jt(theta, s)`` the model's value::

    L(theta) = (1/S) sum_s sum_j (1/n_j) sum_t ((y_jt - m_jt(theta, s)) / sd_j)^2

i.e. per series the mean squared standardised residual, summed over series, averaged over seeds.

**Interval.** The observations are one realisation of a stochastic model plus measurement error.
A run's own deviation from the mean over seeds persists over the run (its organisation and people
differ for its whole length), so within series ``j`` the model's noise has variance ``v_j`` (across
seeds at the best fit, mean over weeks) and correlation ``rho_j`` between weeks (mean over pairs),
and the observations' covariance is ``S_j = (sd_j^2 + (1 - rho_j) v_j) I + rho_j v_j 1 1'``. With
``mbar`` the mean over seeds, ``chi2(theta) = sum_j r_j' S_j^-1 r_j``, ``r_j = y_j - mbar_j(theta)``,
and the ``level`` region is ``chi2 <= min chi2 + q``, ``q`` the ``level`` quantile of chi-square with
``k`` (parameters) degrees of freedom. A parameter's interval is that region projected on its axis,
over the trials evaluated (an inner estimate: the region's edge lies between the outermost trial
inside and the nearest outside).
A parameter whose interval covers at least ``identifiable_share`` of its range is *not identifiable*
from these data. **Spread over seeds**: each seed's own best trial (by its own loss) gives one estimate
per seed; their mean, sd and range show how much the fit moves with the model's randomness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig
from scipy import stats

from sim.config import ConfigError, load_config
from sim.metrics import MODEL_METRICS
from sim.research.levers import Lever
from sim.research.levers import overrides as lever_overrides
from sim.results import atomic_write_text


@dataclass(frozen=True)
class Series:
    """One observed time series: ``values`` at ``weeks`` of model ``metric``."""

    name: str
    metric: str
    weeks: np.ndarray
    values: np.ndarray
    sd: float
    window: int = 1


def read_series(name: str, path: str | Path, column: str, metric: str, sd: float, window: int = 1, time: str = "week"):
    """Read one observed series from a CSV with columns ``time`` and ``column``.

    Raises ``ConfigError`` (one line) for a missing file or column, an unknown metric, a non-numeric
    or missing value, a week outside 1.., or a non-positive ``sd``.
    """
    path = Path(path)
    if metric not in MODEL_METRICS:
        raise ConfigError(
            f"observed.{name}.metric={metric!r} is not a model metric: choose from {', '.join(MODEL_METRICS)}"
        )
    if not sd > 0:
        raise ConfigError(f"observed.{name}.sd={sd} must be positive (the measurement error's sd)")
    if not path.is_file():
        raise ConfigError(f"observed.{name}.path={path}: no such file")
    table = pd.read_csv(path, comment="#")
    for col in (time, column):
        if col not in table.columns:
            raise ConfigError(f"{path} has no column {col!r} (columns: {', '.join(map(str, table.columns))})")
    weeks = pd.to_numeric(table[time], errors="coerce").to_numpy()
    values = pd.to_numeric(table[column], errors="coerce").to_numpy()
    bad = ~np.isfinite(weeks) | ~np.isfinite(values) | (weeks < 1) | (weeks != np.round(weeks))
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise ConfigError(f"{path} line {line}: {time} must be a whole week >= 1 and {column} a number")
    return Series(name, metric, weeks.astype(int), values.astype(float), float(sd), int(window))


def model_values(timeseries: pd.DataFrame, series: Series) -> np.ndarray:
    """The model's ``series.metric`` at the series' weeks: the mean over the ``window`` weeks ending there."""
    by_step = timeseries.set_index("step")[series.metric]
    last = int(by_step.index.max())
    if series.weeks.max() > last:
        raise ConfigError(f"observed.{series.name} has week {series.weeks.max()} but the runs stop at week {last}")
    return np.array([by_step.loc[max(1, t - series.window + 1) : t].mean() for t in series.weeks])


def simulate(cfg: DictConfig, seed: int, series: Sequence[Series]) -> list[np.ndarray]:
    """Run ``cfg`` with ``seed``; the model's values for each series."""
    from sim.run import run

    ts = run(cfg, seed=seed).timeseries
    return [model_values(ts, s) for s in series]


@dataclass
class Problem:
    """What is fitted: ``levers`` over the composed ``base`` overrides, to ``series``, with ``seeds``."""

    levers: list[Lever]
    base: list[str]
    series: list[Series]
    seeds: list[int]
    workers: int = -1

    def config(self, theta: Sequence[float]) -> DictConfig:
        """The run config at ``theta`` (Hydra compose API: the schema's checks apply)."""
        return load_config([*self.base, *lever_overrides(self.levers, theta)])

    def evaluate(self, theta: Sequence[float], parallel: Parallel | None = None) -> list[list[np.ndarray]]:
        """Model values ``[seed][series] -> array over the series' weeks`` at ``theta``."""
        cfg = self.config(theta)
        parallel = parallel or Parallel(n_jobs=self.workers)
        return parallel(delayed(simulate)(cfg, s, self.series) for s in self.seeds)

    def loss_terms(self, sims: list[list[np.ndarray]]) -> np.ndarray:
        """Per seed, the documented loss: sum over series of mean squared standardised residuals."""
        return np.array(
            [
                sum(float(np.mean(((s.values - m) / s.sd) ** 2)) for s, m in zip(self.series, per_seed, strict=True))
                for per_seed in sims
            ]
        )


def startup_trials(trials: int) -> int:
    """Trials sampled at random before TPE takes over: a third of them, at least 10."""
    return max(10, trials // 3)


def fit(problem: Problem, trials: int, *, sampler_seed: int = 0, progress: bool = True) -> optuna.Study:
    """Minimise the loss over ``trials`` Optuna trials (TPE; the first third sampled at random, so the
    trials also cover the region around the optimum that the intervals are read from).

    Each trial stores ``seed_loss`` (the loss per seed) and ``runs.<series>`` (the model's values per
    seed and week) as user attributes; :func:`trial_runs` reads them back.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(n_startup_trials=startup_trials(trials), seed=sampler_seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)

    with Parallel(n_jobs=problem.workers) as parallel:

        def objective(trial: optuna.Trial) -> float:
            theta = [trial.suggest_float(lv.name, lv.low, lv.high) for lv in problem.levers]
            sims = problem.evaluate(theta, parallel)
            per_seed = problem.loss_terms(sims)
            trial.set_user_attr("seed_loss", per_seed.tolist())
            for j, s in enumerate(problem.series):
                trial.set_user_attr(f"runs.{s.name}", [sim[j].tolist() for sim in sims])
            return float(per_seed.mean())

        study.optimize(objective, n_trials=trials, show_progress_bar=progress)
    return study


def trial_runs(trial: optuna.trial.FrozenTrial, series: Series) -> np.ndarray:
    """The model's values of ``series`` in ``trial``: one row per seed, one column per observed week."""
    return np.array(trial.user_attrs[f"runs.{series.name}"])


def run_noise(trial: optuna.trial.FrozenTrial, series: Series) -> tuple[float, float]:
    """``(v, rho)``: the model's variance across seeds (mean over weeks) and the mean correlation over
    weeks of a seed's deviation from the seed mean (in [0, 1]; 0 with fewer than 3 seeds)."""
    runs = trial_runs(trial, series)
    if len(runs) < 2:
        return 0.0, 0.0
    v = float(runs.var(axis=0, ddof=1).mean())
    dev = runs - runs.mean(axis=0)
    if len(runs) < 3 or runs.shape[1] < 2 or not np.all(dev.std(axis=0) > 0):
        return v, 0.0
    corr = np.corrcoef(dev.T)
    return v, float(np.clip(corr[np.triu_indices_from(corr, 1)].mean(), 0.0, 1.0))


def chi2(trial: optuna.trial.FrozenTrial, series: Sequence[Series], noise: dict[str, tuple[float, float]]) -> float:
    """``sum_j r_j' S_j^-1 r_j`` with ``r_j = y_j - mbar_j(theta)`` and ``S_j = a_j I + b_j 1 1'``,
    ``a_j = sd_j^2 + (1 - rho_j) v_j``, ``b_j = rho_j v_j`` (``noise[name] = (v_j, rho_j)``); by
    Sherman-Morrison ``r' S^-1 r = (sum r^2 - b (sum r)^2 / (a + n b)) / a``."""
    total = 0.0
    for s in series:
        v, rho = noise[s.name]
        a, b = s.sd**2 + (1 - rho) * v, rho * v
        r = s.values - trial_runs(trial, s).mean(axis=0)
        total += (float(np.sum(r**2)) - b * float(np.sum(r)) ** 2 / (a + len(r) * b)) / a
    return total


def completed(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The study's completed trials (failed and running ones left out)."""
    return [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]


def interval_table(
    levers: Sequence[Lever],
    done: Sequence[optuna.trial.FrozenTrial],
    inside: np.ndarray,
    seed_best: Sequence[optuna.trial.FrozenTrial],
    best: optuna.trial.FrozenTrial,
    identifiable_share: float,
) -> pd.DataFrame:
    """One row per lever: ``best`` (from the trial ``best``), the interval ``low``..``high`` over the trials of
    ``done`` that lie ``inside`` the region, its ``share_of_range``, whether it is ``identifiable`` (a share below
    ``identifiable_share``), and the spread of the values of the per-seed best trials ``seed_best``
    (``seed_mean``, ``seed_sd``, ``seed_min``, ``seed_max``)."""
    rows = []
    for lv in levers:
        values = np.array([t.params[lv.name] for t in done])
        low, high = float(values[inside].min()), float(values[inside].max())
        by_seed = np.array([t.params[lv.name] for t in seed_best])
        rows.append(
            {
                "parameter": lv.name,
                "range_low": lv.low,
                "range_high": lv.high,
                "best": float(best.params[lv.name]),
                "low": low,
                "high": high,
                "share_of_range": (high - low) / (lv.high - lv.low),
                "identifiable": (high - low) / (lv.high - lv.low) < identifiable_share,
                "seed_mean": float(by_seed.mean()),
                "seed_sd": float(by_seed.std(ddof=1)) if len(by_seed) > 1 else 0.0,
                "seed_min": float(by_seed.min()),
                "seed_max": float(by_seed.max()),
            }
        )
    return pd.DataFrame(rows)


def summarise(
    study: optuna.Study, problem: Problem, level: float = 0.95, identifiable_share: float = 0.5
) -> pd.DataFrame:
    """One row per parameter: ``best`` (lowest mean loss), the ``level`` interval ``low``..``high``
    (chi-square region, module docstring), whether it is ``identifiable``, and the spread of the
    per-seed best estimates (``seed_mean``, ``seed_sd``, ``seed_min``, ``seed_max``): ``interval_table``."""
    done = completed(study)
    best = study.best_trial
    noise = {s.name: run_noise(best, s) for s in problem.series}
    fit = np.array([chi2(t, problem.series, noise) for t in done])
    inside = fit <= fit.min() + stats.chi2.ppf(level, df=len(problem.levers))
    seed_loss = np.array([t.user_attrs["seed_loss"] for t in done])
    per_seed_best = [done[i] for i in seed_loss.argmin(axis=0)]
    return interval_table(problem.levers, done, inside, per_seed_best, best, identifiable_share)


def synthesize(problem: Problem, truth: Sequence[float], seed: int, rng: np.random.Generator) -> list[Series]:
    """Observations made by the model itself: one run at ``truth`` with ``seed`` (not one of the fitting
    seeds), at each series' weeks, plus Gaussian measurement error of the series' ``sd``, clipped to [0, 1]."""
    sims = simulate(problem.config(truth), seed, problem.series)
    return [
        Series(s.name, s.metric, s.weeks, np.clip(m + rng.normal(0.0, s.sd, m.shape), 0.0, 1.0), s.sd, s.window)
        for s, m in zip(problem.series, sims, strict=True)
    ]


def write_series(series: Series, path: Path, column: str, note: str) -> Path:
    """Write ``series`` as a CSV (``week``, ``column``) headed by ``# note`` lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = "".join(f"# {line}\n" for line in note.splitlines())
    body = pd.DataFrame({"week": series.weeks, column: np.round(series.values, 4)}).to_csv(index=False)
    atomic_write_text(path, head + body)
    return path
