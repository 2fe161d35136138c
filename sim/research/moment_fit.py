"""Calibration by simulated moments: fit the parameters the calibration moments of
``configs/research/moments.yaml`` inform, so that the model's moments (``moment_measures``) match the
published ones.

**Loss** (minimised; chi-square units). For parameters ``theta``, the same ``S`` seeds in every trial
(common random numbers) and ``m_sj(theta)`` moment ``j`` of seed ``s``::

    L(theta) = sum_j ((mbar_j(theta) - v_j) / sigma_j)^2,     mbar_j = (1/S) sum_s m_sj
    sigma_j^2 = w_j^2 + var_s(m_sj(theta_0)) / S

``v_j`` is the published value and ``w_j`` its uncertainty: a range the source gives (across years,
samples or tasks) read as a 95% range, ``w_j = (high - low) / 3.92``, else 0 (the sources give no
standard error the model could use). The second term is the Monte Carlo error of the model's mean,
from the spread over seeds at the starting values ``theta_0`` (the defaults before the fit), fixed for
the whole fit (a two-step SMM weight: a weight that moved with ``theta`` would reward noisy regions)
and stored with the study, so a resumed fit uses the same weights.

**Interval** per parameter: the trials with ``L <= min L + q``, ``q`` the ``level`` quantile of
chi-square with ``k`` degrees of freedom (``k`` the number of fitted parameters), projected on the
parameter (an inner estimate over the trials evaluated). An interval covering ``identifiable_share`` of
the range or more: **not identifiable** from these moments; an interval reaching a bound of the searched
range (within ``BOUND_SHARE`` of it): *at the bound*, the moments would take the parameter beyond it.
**Per-seed best**: each seed's own best trial (its own loss, ``m_sj`` in place of ``mbar_j``), how far the
fit moves with the model's randomness.

**Resume.** Trials are stored in an SQLite file (Optuna's RDB storage); running the fit again with the
same file continues the study up to the number of trials asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import OmegaConf
from scipy import stats

from sim.config import load_config
from sim.research.calibration import completed, interval_table, startup_trials
from sim.research.levers import Lever
from sim.research.levers import overrides as lever_overrides
from sim.research.moment_measures import measure_moments
from sim.research.moments import Moment

#: a range the source gives, read as a 95% range of the published value
RANGE_SDS = 2 * 1.96


#: an interval within this share of the searched range from a bound is reported as pressed against it
BOUND_SHARE = 0.01


def source_sd(moment: Moment) -> float:
    """``w_j``: the published range as a 95% range, (high - low) / 3.92; 0 without one."""
    return 0.0 if moment.window is None else (moment.window[1] - moment.window[0]) / RANGE_SDS


@dataclass
class MomentProblem:
    """What is fitted: ``levers`` over the ``base`` overrides, to the calibration ``moments``, on ``seeds``."""

    levers: list[Lever]
    base: list[str]
    moments: list[Moment]
    seeds: list[int]
    workers: int = -1

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.moments]

    @property
    def targets(self) -> np.ndarray:
        return np.array([float(m.value) for m in self.moments])

    def overrides(self, theta: Sequence[float] | None) -> list[str]:
        """The run's overrides at ``theta`` (``None``: the base alone, i.e. the current defaults)."""
        return [*self.base, *([] if theta is None else lever_overrides(self.levers, theta))]

    def defaults(self) -> dict[str, float]:
        """Each fitted parameter's value in the base configuration (the defaults the fit starts from)."""
        composed = load_config(self.base)
        return {lv.name: float(OmegaConf.select(composed, lv.keys[0])) for lv in self.levers}

    def evaluate(self, theta: Sequence[float] | None, parallel: Parallel | None = None) -> np.ndarray:
        """The moments at ``theta``: an array (seeds, moments)."""
        parallel = parallel or Parallel(n_jobs=self.workers)
        over = self.overrides(theta)
        return np.array(parallel(delayed(measure_moments)(over, s, self.ids) for s in self.seeds))

    def sigma(self, start: np.ndarray) -> np.ndarray:
        """``sigma_j`` from the moments at the starting values ``start`` (seeds, moments)."""
        w = np.array([source_sd(m) for m in self.moments])
        return np.sqrt(w**2 + np.nanvar(start, axis=0, ddof=1) / start.shape[0])

    def loss(self, values: np.ndarray, sigma: np.ndarray) -> float:
        """The documented loss of moments ``values`` (seeds, moments)."""
        return float(np.sum(((np.nanmean(values, axis=0) - self.targets) / sigma) ** 2))

    def seed_losses(self, values: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        """Each seed's own loss (its moments in place of the mean over seeds)."""
        return np.nansum(((values - self.targets) / sigma) ** 2, axis=1)


def storage_url(path: str | Path) -> str:
    """Optuna's RDB storage URL of an SQLite file (its folder is made)."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fit(
    problem: MomentProblem,
    trials: int,
    storage: str | Path,
    name: str,
    *,
    sampler_seed: int = 0,
    startup: int | None = None,
    progress: bool = True,
) -> optuna.Study:
    """Minimise the loss to ``trials`` completed trials in the study ``name`` stored in ``storage``
    (an SQLite file): a new study starts by measuring the moments at the defaults (the weights), an
    existing one resumes with its stored weights and runs only the trials it lacks. TPE
    (multivariate), the first ``startup`` trials (default a third, at least 10) at random, so the
    trials also cover the region the intervals are read from.

    Each trial stores its moments per seed (``moments``); the study stores ``sigma``, ``start`` (the
    moments at the defaults), the moments' ids and the levers' names, and refuses to resume a study
    made for other ones.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    startup = startup if startup is not None else startup_trials(trials)
    sampler = optuna.samplers.TPESampler(n_startup_trials=startup, seed=sampler_seed, multivariate=True)
    study = optuna.create_study(
        study_name=name, storage=storage_url(storage), direction="minimize", sampler=sampler, load_if_exists=True
    )
    signature = {"moments": problem.ids, "levers": [[lv.name, lv.low, lv.high] for lv in problem.levers]}
    signature["seeds"] = problem.seeds
    if len(problem.seeds) < 2:
        raise ValueError("the fit needs 2 seeds or more: its weights are the spread of the moments over seeds")
    with Parallel(n_jobs=problem.workers) as parallel:
        if "sigma" not in study.user_attrs:
            start = problem.evaluate(None, parallel)
            lost = [i for i, column in zip(problem.ids, start.T, strict=True) if np.isnan(column).sum() > 1]
            if lost:
                raise ValueError(
                    f"moment {lost[0]} cannot be measured at the defaults of {' '.join(problem.base)} (no value in"
                    " two or more seeds; a moment across teams needs three frontline teams or more)"
                )
            study.set_user_attr("start", start.tolist())
            study.set_user_attr("sigma", problem.sigma(start).tolist())
            study.set_user_attr("before", problem.defaults())
            for key, value in signature.items():
                study.set_user_attr(key, value)
        for key, value in signature.items():
            if study.user_attrs.get(key) != value:
                raise ValueError(
                    f"the study {name!r} in {storage} was made for other {key} ({study.user_attrs.get(key)}): "
                    "give it another name or file"
                )
        sigma = np.array(study.user_attrs["sigma"])

        def objective(trial: optuna.Trial) -> float:
            theta = [trial.suggest_float(lv.name, lv.low, lv.high) for lv in problem.levers]
            values = problem.evaluate(theta, parallel)
            trial.set_user_attr("moments", values.tolist())
            loss = problem.loss(values, sigma)
            return loss if np.isfinite(loss) else float("inf")  # a moment lost in every seed: the worst fit

        left = trials - len(completed(study))
        if left > 0:
            study.optimize(objective, n_trials=left, show_progress_bar=progress)
    return study


def summarise(
    study: optuna.Study, problem: MomentProblem, level: float = 0.95, identifiable_share: float = 0.5
) -> pd.DataFrame:
    """One row per fitted parameter: ``best`` (the lowest loss), the ``level`` interval ``low``..``high``,
    ``share_of_range``, ``identifiable``, ``at_bound``, and the per-seed best estimates' ``seed_mean``, ``seed_sd``,
    ``seed_min``, ``seed_max``."""
    done = completed(study)
    sigma = np.array(study.user_attrs["sigma"])
    losses = np.array([t.value for t in done])
    inside = losses <= losses.min() + stats.chi2.ppf(level, df=len(problem.levers))
    per_seed = np.array([problem.seed_losses(np.array(t.user_attrs["moments"]), sigma) for t in done])
    seed_best = [done[i] for i in np.nanargmin(per_seed, axis=0)]
    table = interval_table(problem.levers, done, inside, seed_best, study.best_trial, identifiable_share)
    # the region reaches the searched bound: the moments would take the parameter beyond it
    span = table.range_high - table.range_low
    near = np.minimum(table.low - table.range_low, table.range_high - table.high)
    table.insert(table.columns.get_loc("identifiable") + 1, "at_bound", near <= BOUND_SHARE * span)
    return table


def moments_table(study: optuna.Study, problem: MomentProblem) -> pd.DataFrame:
    """Each calibration moment: published value, sigma, the model at the defaults and at the best fit
    (mean over seeds and sd over seeds), and its share of the best loss."""
    sigma = np.array(study.user_attrs["sigma"])
    start = np.array(study.user_attrs["start"])
    best = np.array(study.best_trial.user_attrs["moments"])
    terms = ((np.nanmean(best, axis=0) - problem.targets) / sigma) ** 2
    return pd.DataFrame(
        {
            "moment": problem.ids,
            "published": problem.targets,
            "sigma": sigma,
            "at_defaults": np.nanmean(start, axis=0),
            "at_defaults_sd": np.nanstd(start, axis=0, ddof=1),
            "at_fit": np.nanmean(best, axis=0),
            "at_fit_sd": np.nanstd(best, axis=0, ddof=1),
            "loss_term": terms,
        }
    )
