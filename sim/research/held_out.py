"""Every published moment at the current defaults: the held-out validation moments with a verdict, the
calibration ones beside them for reference (they were fitted, so they carry no verdict).

**Verdicts** (one rule per kind of published value, stated once in ``configs/research/moments.yaml``):

- a value with a range the source gives: the model's mean over seeds lies inside the range;
- a value without one: the published value lies inside the model's 95% interval over seeds (a t
  interval; for correlations on Fisher's z scale, ``analysis.mean_correlation``);
- several values (``"0.06 forward, 0.00 reverse"``): each part as above, measured by the measure
  ``<id>.<part>``; the moment passes when every part does;
- an ordering: the model's gap (``moment_measures``: the larger minus the smaller) has a 95% interval
  above zero;
- ``years``: the model's time (weeks) exceeds 52 in the mean over seeds (a measure ``<id>.half``, when
  there is one, is shown beside it).

The bad-apple moment is measured by the experiment of ``external.bad_apple`` (a small team, one member
pinned at full cynicism), in percent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed

from sim.research.analysis import Effect, mean_correlation, mean_interval
from sim.research.external import bad_apple_runs
from sim.research.moment_measures import MEASURES, measure_moments
from sim.research.moments import Moment

CORRELATIONS = ("r", "rho")
BAD_APPLE = "bad_apple_team_output"
YEAR = 52


@dataclass(frozen=True)
class Result:
    """One moment at the defaults: what the model shows (``ours``) and, for a held-out one, the verdict."""

    moment: Moment
    ours: str
    passed: bool | None  # None for a calibration moment


def parts(moment: Moment) -> dict[str, float]:
    """The measured parts of a moment: ``{"": value}`` for one number, ``{"forward": 0.06, ...}`` for a
    value written as "<number> <part>, <number> <part>", ``{}`` for an ordering or a time scale."""
    if isinstance(moment.value, float):
        return {"": moment.value}
    found = re.findall(r"(-?\d+(?:\.\d+)?)\s+([a-z_]+)", moment.value)
    return {name: float(number) for number, name in found}


def measure_ids(moment: Moment) -> list[str]:
    """The ids of ``MEASURES`` that measure ``moment`` (one per part)."""
    if moment.id == BAD_APPLE:
        return []
    needed = [moment.id if not name else f"{moment.id}.{name}" for name in parts(moment)] or [moment.id]
    unknown = [i for i in needed if i not in MEASURES]
    if unknown:
        raise ValueError(f"moment {moment.id}: no measure {unknown[0]!r} in sim.research.moment_measures")
    # and what is shown beside it (e.g. the time to half beside the time to 90%)
    return needed + sorted(k for k in MEASURES if k.startswith(moment.id + ".") and k not in needed)


def _interval(moment: Moment, values: np.ndarray, level: float) -> Effect:
    return (mean_correlation if moment.statistic in CORRELATIONS else mean_interval)(values, level)


def _fmt(e: Effect) -> str:
    return f"{e.estimate:.3g} [{e.low:.3g}, {e.high:.3g}]"


def judge(moment: Moment, samples: dict[str, np.ndarray], level: float = 0.95) -> Result:
    """The model's value of ``moment`` from per-seed ``samples`` (measure id -> values), and its verdict."""
    held_out = moment.set == "validation"
    lost = [k for k in measure_ids(moment) or [moment.id] if k in samples and np.isfinite(samples[k]).sum() < 2]
    if lost:
        return Result(
            moment, "no value in two or more seeds (e.g. too few frontline teams)", False if held_out else None
        )
    if moment.statistic == "ordering":
        gap = mean_interval(samples[moment.id], level)
        return Result(moment, f"gap {_fmt(gap)}", gap.excludes_zero(+1) if held_out else None)
    if moment.value == "years":
        weeks = samples[moment.id][np.isfinite(samples[moment.id])]
        mean = float(weeks.mean()) if weeks.size else float("inf")
        half = samples.get(f"{moment.id}.half")
        beside = "" if half is None else f"; half of it after {np.nanmean(half):.0f}"
        return Result(moment, f"{mean:.0f} weeks{beside} (mean over seeds)", mean > YEAR if held_out else None)
    texts, verdicts = [], []
    for name, published in parts(moment).items():
        key = moment.id if not name else f"{moment.id}.{name}"
        effect = _interval(moment, samples[key], level)
        if moment.window is not None:
            verdicts.append(moment.window[0] <= effect.estimate <= moment.window[1])
        else:
            verdicts.append(effect.low <= published <= effect.high)
        texts.append(f"{name + ' ' if name else ''}{_fmt(effect)}")
    return Result(moment, "; ".join(texts), all(verdicts) if held_out else None)


def evaluate(
    moments: Sequence[Moment], base: Sequence[str], seeds: Sequence[int], bad_apple_seeds: int, workers: int = -1
) -> tuple[dict[str, np.ndarray], list[Result]]:
    """Measure every moment over ``seeds`` at the configuration ``base``; per-seed samples and results."""
    ids = [i for m in moments for i in measure_ids(m)]
    rows = Parallel(n_jobs=workers)(delayed(measure_moments)(list(base), s, ids) for s in seeds)
    values = np.array(rows, dtype=float)
    samples = {i: values[:, j] for j, i in enumerate(ids)}
    if any(m.id == BAD_APPLE for m in moments):
        control, treated = bad_apple_runs(bad_apple_seeds)
        samples[BAD_APPLE] = 100 * (1.0 - treated[:, 0] / control[:, 0])
    return samples, [judge(m, samples) for m in moments]
