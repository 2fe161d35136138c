"""The numbers of a client report (``python -m sim.report``; the HTML is :mod:`sim.viz.report`).

A baseline (the base overrides, e.g. the client's org chart) and one or more interventions (the base
overrides plus the intervention's own) run over the same seeds. A run's value of a metric is its mean
over the final ``window`` weeks; an intervention's effect is the mean over seeds of its per-seed
difference from the baseline, with a one-sample t interval (``sim.research.analysis.mean_interval``:
the arms share their seeds, so the differences are paired). Teams are named by the run's team table
(``team_name``). Settings: ``configs/research/report.yaml``.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sim.config import ConfigError, load_config
from sim.metrics import MODEL_METRICS
from sim.org.files import org_from_config
from sim.research.analysis import Effect, mean_interval
from sim.research.parameters import ASSUMPTION, FITTED, parameters
from sim.research.study import load_study
from sim.results import git_revision, versions
from sim.run import Replications, run

BASELINE = "baseline"
LEADERS_ONLY, FRONTLINE, BACK_OFFICE = "leaders only", "frontline", "back office"


def load_settings(overrides: Sequence[str] = ()) -> DictConfig:
    """``configs/research/report.yaml`` with ``key=value`` overrides (``sim.research.study.load_study``)."""
    return load_study("report", overrides, replace=("interventions", "metrics"))


def org_overrides(
    path: str | Path,
    *,
    ties: str | Path | None = None,
    survey: str | Path | None = None,
    roles: str | Path | None = None,
) -> list[str]:
    """The overrides that import an org chart (``org=from_file``), with the optional files that are given.

    A file left None is left out, so the import generates peer ties or draws the starting state as usual.

    Examples
    --------
    >>> org_overrides("chart.csv", survey="survey.csv")
    ['org=from_file', 'org.path=chart.csv', 'org.survey=survey.csv']
    """
    optional = {"roles": roles, "ties": ties, "survey": survey}
    given = [f"org.{key}={Path(value).as_posix()}" for key, value in optional.items() if value is not None]
    return ["org=from_file", f"org.path={Path(path).as_posix()}", *given]


@dataclass(frozen=True)
class Arm:
    """One arm of the report: its label and the overrides it adds to the base."""

    label: str
    overrides: tuple[str, ...]


def parse_intervention(text: str) -> Arm:
    """``"LABEL: override override"`` (or just the overrides, which then label it) as an :class:`Arm`.

    The text before the first ``:`` is the label when it holds no ``=`` (an override's value may hold
    a ``:``, as in ``+events.x={kind: training_wave, ...}``). Overrides are split on spaces outside
    brackets and quotes, as a shell would split them.
    """
    head, colon, rest = text.partition(":")
    labelled = bool(colon) and "=" not in head and head.strip()
    label, body = (head.strip(), rest) if labelled else ("", text)
    overrides = tuple(_split(body))
    if not overrides:
        raise ConfigError(f"intervention {text!r} gives no override: write 'LABEL: key=value ...'")
    return Arm(label or " ".join(overrides), overrides)


def _split(text: str) -> list[str]:
    """Words separated by spaces that are not inside ``{}``, ``[]``, ``()`` or quotes."""
    words, word, depth, quote = [], [], 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char.isspace() and depth == 0:
            if word:
                words.append("".join(word))
            word = []
            continue
        word.append(char)
    if word:
        words.append("".join(word))
    return words


@dataclass
class ClientReport:
    """Everything the report shows, computed (:func:`client_report`); :mod:`sim.viz.report` draws it.

    Attributes
    ----------
    org : str
        The organisation in words: the chart's file name, or the generated org's option name.
    org_files : dict
        Every file the org is read from -> its SHA-256 (empty for a generated org).
    org_notes : list of str
        What building the org decided (an import's notes).
    base : tuple of str
        The base overrides, shared by every arm.
    arms : list of Arm
        The interventions, in the order given.
    seeds : list of int
    weeks : int
    window : tuple of int
        The first and last week a run's value is averaged over.
    level : float
        The level of every uncertainty band.
    outcome : str
        The headline's metric.
    metrics : dict
        Metric -> its plain words, in the order of the table of changes.
    runs : dict
        ``BASELINE`` and each arm's label -> its :class:`sim.run.Replications`.
    changes : pandas.DataFrame
        One row per intervention and metric: ``intervention``, ``metric``, ``baseline`` and ``treated``
        (means over seeds of the final weeks), ``difference``, ``low``, ``high`` (the band), ``n`` seeds.
    over_time : pandas.DataFrame
        ``intervention``, ``metric``, ``step``, ``difference``, ``low``, ``high``: the difference week by week.
    teams : pandas.DataFrame
        One row per team with staff, weakest first: ``team_name``, ``kind``, ``level``, ``size``, the
        baseline's ``culture`` (mean over seeds) with ``low``/``high`` (the central ``level`` share of
        the seeds) and ``service_quality``; then per intervention ``culture: <label>`` and
        ``change: <label>`` (the paired difference).
    weakest : dict
        ``BASELINE`` and each arm's label -> the names of its weakest teams, weakest first.
    setup : dict
        ``leadership`` and ``policies``: the base config's options; ``survey``: the survey file or None.
    parameters : dict
        ``total``, ``sourced``, ``fitted``, ``assumptions``: where the base config's parameters come from.
    versions : dict
        The packages' versions (``sim.results.versions``) and ``git_revision``.
    """

    org: str
    org_files: dict[str, str]
    org_notes: list[str]
    base: tuple[str, ...]
    arms: list[Arm]
    seeds: list[int]
    weeks: int
    window: tuple[int, int]
    level: float
    outcome: str
    metrics: dict[str, str]
    runs: dict[str, Replications]
    changes: pd.DataFrame
    over_time: pd.DataFrame
    teams: pd.DataFrame
    weakest: dict[str, list[str]]
    setup: dict[str, str | None] = field(default_factory=dict)
    parameters: dict[str, int] = field(default_factory=dict)
    versions: dict[str, str | None] = field(default_factory=dict)

    def change(self, label: str, metric: str) -> pd.Series:
        """The row of :attr:`changes` for an intervention and a metric."""
        rows = self.changes[(self.changes["intervention"] == label) & (self.changes["metric"] == metric)]
        return rows.iloc[0]

    def best(self) -> str:
        """The intervention that raises the outcome most (the first of equals); NaN effects count last."""
        rows = self.changes[self.changes["metric"] == self.outcome].set_index("intervention")["difference"]
        return str(rows.fillna(-np.inf).idxmax())


def _one_run(cfg: DictConfig, seed: int, weeks: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    result = run(cfg, seed=seed, steps=weeks)
    return result.timeseries, result.teams


def simulate(
    configs: Mapping[str, DictConfig], seeds: Sequence[int], weeks: int, *, jobs: int = 1, progress: bool = False
) -> dict[str, Replications]:
    """Run every config once per seed (``jobs`` at a time, in worker processes when more than one) and
    stack each one's tables by seed: the same input gives the same tables whatever ``jobs``."""
    tasks = [(label, seed) for label in configs for seed in seeds]
    done: dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame]] = {}
    bar = tqdm(total=len(tasks), desc="runs", unit="run", disable=not progress)
    workers = min(jobs, len(tasks))
    try:
        if workers <= 1:
            for label, seed in tasks:
                done[label, seed] = _one_run(configs[label], seed, weeks)
                bar.update()
        else:
            # spawned, not forked: a process with threads (a progress bar's, a notebook's) may deadlock a fork
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(_one_run, configs[label], seed, weeks): (label, seed) for label, seed in tasks}
                try:
                    for future in as_completed(futures):
                        done[futures[future]] = future.result()
                        bar.update()
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
    finally:
        bar.close()

    def stack(label: str, part: int) -> pd.DataFrame:
        frames = [done[label, seed][part].assign(seed=seed) for seed in seeds]
        df = pd.concat(frames, ignore_index=True)
        return df[["seed", *(c for c in df.columns if c != "seed")]]

    return {label: Replications(timeseries=stack(label, 0), teams=stack(label, 1)) for label in configs}


def final_values(frame: pd.DataFrame, metric: str, window: tuple[int, int], by: Sequence[str] = ("seed",)) -> pd.Series:
    """``metric`` averaged over the weeks ``window`` (inclusive), per value of ``by`` (NaN weeks left out)."""
    inside = frame[frame["step"].between(*window)]
    return inside.groupby(list(by), observed=True)[metric].mean()


def paired(control: pd.Series, treated: pd.Series, level: float) -> Effect | None:
    """``treated - control`` matched on the index (seeds), mean and t interval; None with fewer than two
    finite differences (a metric the org does not have, e.g. customers without a frontline)."""
    diff = (treated - control).dropna()
    diff = diff[np.isfinite(diff)]
    return mean_interval(diff.to_numpy(), level) if diff.size >= 2 else None


def _changes(report_runs: Mapping[str, Replications], arms: Sequence[Arm], metrics: Iterable[str], window, level):
    base = report_runs[BASELINE].timeseries
    rows = []
    for arm in arms:
        treated = report_runs[arm.label].timeseries
        for metric in metrics:
            before, after = final_values(base, metric, window), final_values(treated, metric, window)
            effect = paired(before, after, level)
            rows.append(
                {
                    "intervention": arm.label,
                    "metric": metric,
                    "baseline": before.mean(),
                    "treated": after.mean(),
                    "difference": effect.estimate if effect else np.nan,
                    "low": effect.low if effect else np.nan,
                    "high": effect.high if effect else np.nan,
                    "n": effect.n if effect else 0,
                }
            )
    return pd.DataFrame(rows)


def _over_time(report_runs: Mapping[str, Replications], arms: Sequence[Arm], metrics: Iterable[str], level):
    base = report_runs[BASELINE].timeseries.set_index(["step", "seed"])
    rows = []
    for arm in arms:
        treated = report_runs[arm.label].timeseries.set_index(["step", "seed"])
        for metric in metrics:
            diff = (treated[metric] - base[metric]).dropna()
            for step, values in diff.groupby(level="step"):
                effect = paired(pd.Series(0.0, index=values.index), values, level)
                if effect is not None:
                    rows.append(
                        {"intervention": arm.label, "metric": metric, "step": int(step)}
                        | {"difference": effect.estimate, "low": effect.low, "high": effect.high}
                    )
    return pd.DataFrame(rows, columns=["intervention", "metric", "step", "difference", "low", "high"])


def _team_kinds(teams: pd.DataFrame) -> pd.DataFrame:
    """Per team name: its level, kind and size. A team whose service quality is never defined has no
    staff (docs/outputs.md)."""
    grouped = teams.groupby("team_name", observed=True)
    out = pd.DataFrame(
        {
            "level": grouped["level"].first(),
            "frontline": grouped["frontline"].first(),
            "staffed": grouped["service_quality"].apply(lambda q: bool(q.notna().any())),
            "size": grouped["headcount"].mean(),
        }
    )
    out["kind"] = np.where(~out["staffed"], LEADERS_ONLY, np.where(out["frontline"], FRONTLINE, BACK_OFFICE))
    return out[["kind", "level", "size"]]


def _weakest(culture: pd.Series, kinds: pd.DataFrame, n: int) -> list[str]:
    staffed = culture[kinds.loc[culture.index, "kind"] != LEADERS_ONLY]
    return [str(name) for name in staffed.sort_values(kind="stable").index[:n]]


def _teams(report_runs: Mapping[str, Replications], arms: Sequence[Arm], window, level, n_weakest):
    base = report_runs[BASELINE].teams
    kinds = _team_kinds(base)
    by = ("team_name", "seed")
    per_seed = final_values(base, "culture_mean", window, by)
    culture = per_seed.groupby(level="team_name", observed=True)
    tail = (1 - level) / 2
    table = kinds.assign(
        culture=culture.mean(),
        low=culture.quantile(tail),
        high=culture.quantile(1 - tail),
        service_quality=final_values(base, "service_quality", window, ("team_name",)),
    )
    weakest = {BASELINE: _weakest(table["culture"], kinds, n_weakest)}
    for arm in arms:
        treated = final_values(report_runs[arm.label].teams, "culture_mean", window, by)
        table[f"culture: {arm.label}"] = treated.groupby(level="team_name", observed=True).mean()
        table[f"change: {arm.label}"] = pd.Series(
            {
                name: (effect.estimate if (effect := paired(per_seed.loc[name], treated.loc[name], level)) else np.nan)
                for name in table.index
                if name in treated.index.get_level_values("team_name")
            },
            dtype=float,
        )
        weakest[arm.label] = _weakest(table[f"culture: {arm.label}"].dropna(), kinds, n_weakest)
    table = table[table["kind"] != LEADERS_ONLY].sort_values("culture", kind="stable")
    return table.rename_axis("team_name").reset_index(), weakest


def _parameter_sources(cfg: DictConfig) -> dict[str, int]:
    rows = parameters(cfg)
    fitted = sum(r.source == FITTED for r in rows)
    assumptions = sum(r.source == ASSUMPTION for r in rows)
    return {
        "total": len(rows),
        "sourced": len(rows) - fitted - assumptions,
        "fitted": fitted,
        "assumptions": assumptions,
    }


def _org_files(cfg: DictConfig) -> dict[str, str]:
    if cfg.org.source != "file":
        return {}
    paths = [cfg.org.path, *(cfg.org[key] for key in ("roles", "ties", "survey") if cfg.org[key])]
    out = {}
    for path in paths:
        with open(path, "rb") as fh:
            out[str(path)] = hashlib.file_digest(fh, "sha256").hexdigest()
    return out


def client_report(
    base: Sequence[str],
    interventions: Sequence[Arm],
    *,
    settings: DictConfig | None = None,
    weeks: int | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> ClientReport:
    """Run the baseline and every intervention over the same seeds and compute the report's numbers.

    Parameters
    ----------
    base : sequence of str
        Hydra overrides shared by every arm, e.g. ``org_overrides("chart.csv")``.
    interventions : sequence of Arm
        Each adds its overrides to ``base`` (after them, so they win). Labels must be unique and not
        ``baseline``.
    settings : DictConfig, optional
        ``configs/research/report.yaml`` (:func:`load_settings`) with any changes.
    weeks : int, optional
        Weeks per run; the base config's ``steps`` when None.
    jobs : int
        Runs at once (worker processes when more than one).
    progress : bool
        A progress bar over the runs.

    Raises
    ------
    ConfigError
        One line: a bad override, an unknown scenario or option, an org chart that cannot be read,
        repeated labels, too few seeds, or an outcome that is not a model-level metric.
    """
    settings = settings if settings is not None else load_settings()
    labels = [arm.label for arm in interventions]
    if not interventions:
        raise ConfigError("no intervention to compare: give at least one")
    if BASELINE in labels or len(set(labels)) < len(labels):
        repeated = BASELINE if BASELINE in labels else next(lab for lab in labels if labels.count(lab) > 1)
        raise ConfigError(f"two arms are labelled {repeated!r}: give each intervention its own label")
    if settings.seeds < 2:
        raise ConfigError(f"seeds={settings.seeds}: a band needs at least 2 seeds")
    unknown = [m for m in [settings.outcome, *settings.metrics, *settings.over_time] if m not in MODEL_METRICS]
    if unknown:
        raise ConfigError(f"{unknown[0]!r} is not a model-level metric: choose from {', '.join(MODEL_METRICS)}")
    steps = [f"steps={weeks}"] if weeks is not None else []
    configs = {BASELINE: load_config([*base, *steps])}
    configs |= {arm.label: load_config([*base, *steps, *arm.overrides]) for arm in interventions}
    cfg = configs[BASELINE]
    horizon = int(cfg.steps)
    first = int(cfg.seed)
    seeds = list(range(first, first + int(settings.seeds)))
    # the org once, before any run: an unreadable chart is one line now, not one per worker
    org, _ = org_from_config(cfg.org, np.random.default_rng(first))
    runs = simulate(configs, seeds, horizon, jobs=jobs, progress=progress)
    window = (max(1, horizon - int(settings.window) + 1), horizon)
    level = float(settings.level)
    metrics = {str(k): str(v) for k, v in settings.metrics.items()}
    teams, weakest = _teams(runs, interventions, window, level, int(settings.weakest))
    return ClientReport(
        org=Path(cfg.org.path).name if cfg.org.source == "file" else str(cfg.org.name),
        org_files=_org_files(cfg),
        org_notes=list(org.notes),
        base=tuple(base) + tuple(steps),
        arms=list(interventions),
        seeds=seeds,
        weeks=horizon,
        window=window,
        level=level,
        outcome=str(settings.outcome),
        metrics=metrics,
        runs=runs,
        changes=_changes(runs, interventions, dict.fromkeys([settings.outcome, *metrics]), window, level),
        over_time=_over_time(runs, interventions, list(settings.over_time), level),
        teams=teams,
        weakest=weakest,
        setup={
            "leadership": str(cfg.leadership.name),
            "policies": str(cfg.policies.name),
            "survey": cfg.org.survey if cfg.org.source == "file" else None,
        },
        parameters=_parameter_sources(cfg),
        versions={**versions(), "git_revision": git_revision()},
    )


def default_interventions(settings: DictConfig | None = None) -> list[Arm]:
    """The interventions of ``configs/research/report.yaml`` (``interventions``), as arms."""
    settings = settings if settings is not None else load_settings()
    plain = OmegaConf.to_container(settings.interventions)
    return [Arm(str(label), tuple(str(o) for o in overrides)) for label, overrides in plain.items()]
