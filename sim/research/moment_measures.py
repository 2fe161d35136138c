"""What the model computes for each published moment of ``configs/research/moments.yaml``.

One seed gives one value of every moment, from three runs of the configuration (each run's
own ``numpy.random.Generator`` from the seed; the design draws, e.g. who is trained, from
``default_rng([seed, DESIGN_STREAM])``, so they do not disturb the run's own stream):

- **base**: the configuration as it is, weekly panels of the people recorded (:class:`Panel`);
- **trained**: the same, with a training wave (``TRAINING``) at week ``TRAINING.week`` for a random half of
  the frontline staff in post: a field study's trained and control groups inside one organisation;
- **unpractised** (held-out moments only): the trained run with ``policies.practice_support = 0``;
- **programme** (held-out moments only): ``scenario=culture_programme`` against the base run.

Each ``measure_*`` function documents the quantity; ``MEASURES`` maps a moment's id to it. Months are
weeks / (52 / 12).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import load_config
from sim.model import ServiceCultureModel
from sim.research.analysis import icc1

WEEKS_PER_MONTH = 52 / 12
DESIGN_STREAM = 52  # a second stream of the seed, for the study design's own draws
LATE = (105, 156)  # the measuring window of unit-level moments: the third year, as in docs/validation.md
LAST_QUARTER = 13  # weeks a person-level survey's "current" value averages over
CLOSED = 0.9  # a newcomer has reached the norm when this share of the initial gap has closed


@dataclass(frozen=True)
class TrainingDesign:
    """The training wave of the trained run: ``dose`` (a training event's intensity, as
    ``configs/events/training_wave.yaml``) at ``week`` for ``share`` of the frontline staff; the
    outcome is read ``after`` weeks later (a typical behavioural follow-up)."""

    week: int = 52
    dose: float = 0.5
    share: float = 0.5
    after: int = 13


TRAINING = TrainingDesign()


@dataclass
class Panel:
    """Weekly person-level records of one run: arrays (weeks, seats); row ``t`` is week ``t + 1``."""

    engagement: np.ndarray
    trust: np.ndarray
    skill: np.ndarray
    quality: np.ndarray
    orientation: np.ndarray
    norm: np.ndarray  # the mean orientation of the seat's team
    person: np.ndarray  # the occupant's id, -1 when vacant

    def stayed(self, first: int, last: int) -> np.ndarray:
        """Seats held by one person from week ``first`` to week ``last`` (1-based, inclusive)."""
        ids = self.person[first - 1 : last]
        return (ids[0] >= 0) & np.all(ids == ids[0], axis=0)


def record(model: ServiceCultureModel, weeks: int, before: Callable | None = None) -> Panel:
    """Step ``model`` ``weeks`` times, recording the people after each week; ``before(model, week)``
    runs before each week's step (e.g. to schedule a study's intervention)."""
    rows: dict[str, list[np.ndarray]] = {k: [] for k in Panel.__dataclass_fields__}
    for week in range(1, weeks + 1):
        if before is not None:
            before(model, week)
        model.step()
        p = model.people
        rows["engagement"].append(p.engagement.copy())
        rows["trust"].append(p.trust.copy())
        rows["skill"].append(p.skill.copy())
        rows["quality"].append(model.quality.copy())
        rows["orientation"].append(p.orientation.copy())
        rows["norm"].append(model.team_norm())
        rows["person"].append(np.where(p.filled, p.person_id, -1))
    return Panel(**{k: np.stack(v) for k, v in rows.items()})


@dataclass
class Run:
    """One run's model (at its last week), its team table and its panel."""

    model: ServiceCultureModel
    teams: pd.DataFrame
    panel: Panel
    trained: np.ndarray | None = None  # seats trained by the study's wave (trained runs)


def simulate(overrides: list[str], seed: int, weeks: int | None = None, trained: bool = False) -> Run:
    """Run the configuration ``overrides`` with ``seed``; with ``trained``, the study's training wave."""
    cfg = load_config(overrides)
    model = ServiceCultureModel(cfg, seed=seed, space=False)
    chosen = np.zeros(model.org.n, dtype=bool)

    def train(m: ServiceCultureModel, week: int) -> None:
        if week != TRAINING.week:
            return
        candidates = np.flatnonzero(m.people.filled & m.org.frontline)
        design = np.random.default_rng([seed, DESIGN_STREAM])
        picked = design.choice(candidates, size=int(round(TRAINING.share * candidates.size)), replace=False)
        chosen[picked] = True
        m.schedule("study_training", {"kind": "training_wave", "week": week, "intensity": TRAINING.dose}, chosen)

    panel = record(model, int(weeks or cfg.steps), train if trained else None)
    return Run(model, model.team_table(), panel, chosen if trained else None)


# ------------------------------------------------------------------------------------- helpers
def _corr(x: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.std(x[ok]) == 0 or np.std(y[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(x[ok], y[ok])[0, 1])


def _cross(y: np.ndarray, own: np.ndarray, other: np.ndarray) -> float:
    """The coefficient of ``other`` in the least-squares regression y ~ 1 + own + other."""
    design = np.column_stack([np.ones(own.size), own.ravel(), other.ravel()])
    return float(np.linalg.lstsq(design, y.ravel(), rcond=None)[0][2])


def late_frontline_teams(teams: pd.DataFrame) -> pd.DataFrame:
    """Each frontline team's mean of the team table over weeks 105-156 (``LATE``), one row per team."""
    t = teams
    return t[(t.step >= LATE[0]) & (t.step <= LATE[1]) & t.frontline].groupby("team").mean(numeric_only=True)


def led_teams(model: ServiceCultureModel, teams: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The teams whose leader is in post and that have more than 2 members: each one's leader seat, and its
    row of the team table ``teams`` in the last week."""
    o = model.org
    last = teams[teams.step == teams.step.max()].set_index("team")
    ok = model.people.filled[o.team_leader] & (o.team_size > 2)
    return o.team_leader[ok], last[ok]


def _recent(run: Run, name: str, seats: np.ndarray) -> np.ndarray:
    """Each seat's mean of ``name`` over the last quarter (NaN-safe: weeks it did not serve are skipped)."""
    values = getattr(run.panel, name)[-LAST_QUARTER:, seats]
    with np.errstate(invalid="ignore"):
        return np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)


def _steady_frontline(run: Run) -> np.ndarray:
    """Frontline staff seats held by one person through the last quarter."""
    n = run.panel.person.shape[0]
    return run.model.org.frontline & run.panel.stayed(n - LAST_QUARTER + 1, n)


# ------------------------------------------------------------------------------------- calibration
def staff_engagement_icc(model: ServiceCultureModel) -> float:
    """ICC(1) of staff engagement within teams, this week (``analysis.icc1``)."""
    staff = model.people.filled & ~model.org.is_leader
    return icc1(model.people.engagement[staff], model.org.team[staff])


def measure_icc(base: Run, **_) -> float:
    """icc_engagement: ICC(1) of staff engagement within teams in the last week."""
    return staff_engagement_icc(base.model)


def measure_quit_rate(base: Run, **_) -> float:
    """quit_rate_hospitality: the annual leaving rate, the mean weekly ``turnover_rate`` of weeks 53 to
    the end x 52 (at the defaults every leaver quits: misfits are not removed and the org does not shrink)."""
    ts = base.model.timeseries()
    return float(ts.loc[ts.step > 52, "turnover_rate"].mean() * 52)


def measure_training_d(trained: Run, **_) -> float:
    """training_behaviour_d: Cohen's d of skill, trained vs untrained frontline staff who held their seat
    from the wave to ``TRAINING.after`` weeks after it (pooled person SD)."""
    w = TRAINING.week
    stayed = trained.panel.stayed(w, w + TRAINING.after) & trained.model.org.frontline
    skill = trained.panel.skill[w + TRAINING.after - 1]
    a, b = skill[stayed & trained.trained], skill[stayed & ~trained.trained]
    pooled = np.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2))
    return float((a.mean() - b.mean()) / pooled)


def measure_leadership_r(base: Run, **_) -> float:
    """leadership_engagement_r: r across staff of their leader's support and their engagement, last week."""
    m = base.model
    staff = m.people.filled & ~m.org.is_leader
    return _corr(m.styles.support[m.boss][staff], m.people.engagement[staff])


def measure_linkage_es(base: Run, **_) -> float:
    """linkage_engagement_satisfaction: r across frontline teams of mean engagement and mean customer
    satisfaction over weeks 105-156."""
    t = late_frontline_teams(base.teams)
    return _corr(t.engagement.to_numpy(), t.customer_satisfaction.to_numpy())


def measure_time_to_norm(base: Run, **_) -> float:
    """newcomer_time_to_norm: the median over newcomers hired after week 1 of the months until their gap
    to the team's mean orientation first falls to ``1 - CLOSED`` of its size in their first week (a hire
    who leaves first or is still short at the end counts as not yet there; newcomers whose first gap is
    under 0.05 are skipped: they started at the norm)."""
    pn = base.panel
    gap = np.abs(pn.orientation - pn.norm)
    weeks, seats = pn.person.shape
    times = []
    for s in range(seats):
        ids = pn.person[:, s]
        starts = np.flatnonzero((ids >= 0) & (np.r_[-1, ids[:-1]] != ids))
        for t0 in starts[starts > 0]:
            tenure = np.flatnonzero(ids[t0:] != ids[t0])
            end = t0 + (tenure[0] if tenure.size else weeks - t0)
            first = gap[t0, s]
            if first < 0.05:
                continue
            closed = np.flatnonzero(gap[t0:end, s] <= (1 - CLOSED) * first)
            times.append(closed[0] if closed.size else np.inf)
    if not times:
        return float("nan")
    return float(np.median(times) / WEEKS_PER_MONTH)


# ------------------------------------------------------------------------------------- held out
def measure_linkage_turnover(base: Run, **_) -> float:
    """linkage_engagement_turnover: r across frontline teams of mean engagement and annual staff turnover
    (leavers over weeks 105-156 / mean staff headcount), both over weeks 105-156."""
    m, pn = base.model, base.panel
    staff = ~m.org.is_leader
    ids = pn.person[LATE[0] - 2 : LATE[1]]  # from the week before the window, to see who left in it
    left = (ids[:-1] >= 0) & (ids[1:] != ids[:-1])
    nt = m.org.n_teams
    leavers = np.bincount(m.org.team[staff], weights=left[:, staff].sum(axis=0), minlength=nt)
    heads = np.bincount(m.org.team[staff], weights=(ids[1:, staff] >= 0).mean(axis=0), minlength=nt)
    teams = late_frontline_teams(base.teams)
    rate = leavers[teams.index] / np.maximum(heads[teams.index], 1e-12) * 52 / (LATE[1] - LATE[0] + 1)
    return _corr(teams.engagement.to_numpy(), rate)


def measure_linkage_eq(base: Run, **_) -> float:
    """linkage_engagement_productivity: r across frontline teams of mean engagement and mean service
    quality over weeks 105-156."""
    t = late_frontline_teams(base.teams)
    return _corr(t.engagement.to_numpy(), t.service_quality.to_numpy())


def measure_integrity_r(base: Run, **_) -> float:
    """integrity_attitudes_r: r across teams (leader in post, over 2 members) of the leader's integrity
    and the team's mean engagement, last week."""
    leaders, last = led_teams(base.model, base.teams)
    return _corr(base.model.styles.integrity[leaders], last.engagement.to_numpy())


def measure_satisfaction_performance(base: Run, **_) -> float:
    """satisfaction_performance_r: r across frontline staff (one person through the last quarter) of
    their mean engagement and their own mean service quality over the last quarter."""
    seats = _steady_frontline(base)
    return _corr(_recent(base, "engagement", seats), _recent(base, "quality", seats))


def measure_trust_performance(base: Run, **_) -> float:
    """lmx_task_performance: r across frontline staff of their mean trust in their leader and their own
    mean service quality, over the last quarter."""
    seats = _steady_frontline(base)
    return _corr(_recent(base, "trust", seats), _recent(base, "quality", seats))


def measure_trust_ordering(base: Run, **_) -> float:
    """trust_attitudes_above_behaviour: r(trust, engagement) - r(trust, own quality) across frontline
    staff over the last quarter; positive when trust goes with attitudes more than with behaviour."""
    seats = _steady_frontline(base)
    trust = _recent(base, "trust", seats)
    return _corr(trust, _recent(base, "engagement", seats)) - _corr(trust, _recent(base, "quality", seats))


def person_cross_lags(base: Run, lag: int = 52) -> tuple[float, float]:
    """Within-person cross-lagged coefficients over one year (an annual panel survey), frontline staff in
    one seat over ``lag`` weeks: own quality(t + lag) ~ quality(t) + engagement(t), and
    engagement(t + lag) ~ engagement(t) + quality(t), on standardised quarterly means (weeks t-12..t),
    pooled over t = 65, 78, ..., end - lag. Returns (engagement -> quality, quality -> engagement)."""
    pn, front = base.panel, base.model.org.frontline
    weeks = pn.person.shape[0]
    rows = []
    for t in range(65, weeks - lag + 1, LAST_QUARTER):
        seats = front & pn.stayed(t - LAST_QUARTER + 1, t + lag)
        quarter = [slice(t - LAST_QUARTER, t), slice(t + lag - LAST_QUARTER, t + lag)]
        with np.errstate(invalid="ignore"):
            e0, e1 = (np.nanmean(pn.engagement[q][:, seats], axis=0) for q in quarter)
            q0, q1 = (np.nanmean(pn.quality[q][:, seats], axis=0) for q in quarter)
        rows.append(np.column_stack([e0, q0, e1, q1]))
    data = np.concatenate(rows)
    data = data[np.all(np.isfinite(data), axis=1)]
    z = (data - data.mean(axis=0)) / data.std(axis=0)
    e0, q0, e1, q1 = z.T
    return _cross(q1, q0, e0), _cross(e1, e0, q0)


def team_cross_lags(teams: pd.DataFrame, lag: int) -> tuple[float, float]:
    """Pooled cross-lagged regressions over frontline teams: S(t+lag) ~ S(t) + E(t) and E(t+lag) ~ E(t) + S(t),
    within teams (each team's mean removed: a fixed-effects panel) on standardised variables, from week 53;
    returns the cross coefficients (E -> S, S -> E)."""
    t = teams[teams.frontline].pivot(index="step", columns="team", values=["engagement", "customer_satisfaction"])
    e = t["engagement"].to_numpy()[52:]
    s = t["customer_satisfaction"].to_numpy()[52:]
    e, s = e - e.mean(axis=0), s - s.mean(axis=0)
    e = (e - e.mean()) / e.std()
    s = (s - s.mean()) / s.std()
    now = slice(0, -lag)
    later = slice(lag, None)
    return _cross(s[later], s[now], e[now]), _cross(e[later], e[now], s[now])


def measure_person_forward(base: Run, **_) -> float:
    """attitudes_lead_performance (forward): engagement -> later own quality (``person_cross_lags``)."""
    return person_cross_lags(base)[0]


def measure_person_reverse(base: Run, **_) -> float:
    """attitudes_lead_performance (reverse): own quality -> later engagement (``person_cross_lags``)."""
    return person_cross_lags(base)[1]


def measure_unit_cross_lag_gap(base: Run, **_) -> float:
    """unit_attitudes_lead_outcomes: within-team cross-lag E -> S minus S -> E (4-week lag, from week 53;
    ``team_cross_lags``); positive when the forward path dominates."""
    e_to_s, s_to_e = team_cross_lags(base.teams, lag=4)
    return e_to_s - s_to_e


def measure_decay_half_life(unpractised: Run, **_) -> float:
    """skill_decay_half_life: months from the peak of the trained group's skill gain over the untrained
    (frontline staff in one seat from the wave on; practice support 0) until the gain has fallen to half
    of the peak; the run's end when it has not (a censored value, then a lower bound)."""
    pn, w = unpractised.panel, TRAINING.week
    weeks = pn.person.shape[0]
    front = unpractised.model.org.frontline
    gain = np.full(weeks - w + 1, np.nan)
    for i, t in enumerate(range(w, weeks + 1)):
        seats = front & pn.stayed(w, t)
        a, b = seats & unpractised.trained, seats & ~unpractised.trained
        if a.sum() >= 3 and b.sum() >= 3:
            gain[i] = pn.skill[t - 1, a].mean() - pn.skill[t - 1, b].mean()
    peak = int(np.nanargmax(gain))
    below = np.flatnonzero(gain[peak:] <= gain[peak] / 2)
    weeks_to_half = below[0] if below.size else np.sum(np.isfinite(gain[peak:]))
    return float(weeks_to_half / WEEKS_PER_MONTH)


def programme_times(base: Run, programme: Run) -> tuple[float, float]:
    """Weeks from the start until the effect of ``programme`` on ``culture_mean`` (its mean over weeks
    105-156, the base run subtracted week by week) first reaches half of it, and 90% of it."""
    a, b = base.model.timeseries().culture_mean.to_numpy(), programme.model.timeseries().culture_mean.to_numpy()
    effect = b - a
    final = effect[LATE[0] - 1 : LATE[1]].mean()
    share = effect / final if final != 0 else np.zeros_like(effect)
    half, most = np.flatnonzero(share >= 0.5), np.flatnonzero(share >= 0.9)
    return (float(half[0] + 1) if half.size else np.inf), (float(most[0] + 1) if most.size else np.inf)


def measure_programme_weeks(base: Run, programme: Run, **_) -> float:
    """culture_change_takes_years: weeks until a culture programme (``scenario=culture_programme``, started
    in week 1) has 90% of its effect on culture_mean (``programme_times``)."""
    return programme_times(base, programme)[1]


def measure_programme_half(base: Run, programme: Run, **_) -> float:
    """culture_change_takes_years (shown beside): weeks until the programme has half of its effect."""
    return programme_times(base, programme)[0]


#: moment id -> measure; a measure takes the runs it needs by keyword (the names of ``RUNS``).
MEASURES: dict[str, Callable[..., float]] = {
    "icc_engagement": measure_icc,
    "quit_rate_hospitality": measure_quit_rate,
    "training_behaviour_d": measure_training_d,
    "leadership_engagement_r": measure_leadership_r,
    "linkage_engagement_satisfaction": measure_linkage_es,
    "newcomer_time_to_norm": measure_time_to_norm,
    "linkage_engagement_turnover": measure_linkage_turnover,
    "linkage_engagement_productivity": measure_linkage_eq,
    "integrity_attitudes_r": measure_integrity_r,
    "satisfaction_performance_r": measure_satisfaction_performance,
    "lmx_task_performance": measure_trust_performance,
    "trust_attitudes_above_behaviour": measure_trust_ordering,
    "attitudes_lead_performance.forward": measure_person_forward,
    "attitudes_lead_performance.reverse": measure_person_reverse,
    "unit_attitudes_lead_outcomes": measure_unit_cross_lag_gap,
    "skill_decay_half_life": measure_decay_half_life,
    "culture_change_takes_years": measure_programme_weeks,
    "culture_change_takes_years.half": measure_programme_half,
}


#: the runs a seed may need, by name: (overrides, seed) -> Run
RUNS: dict[str, Callable[[list[str], int], Run]] = {
    "base": lambda over, seed: simulate(over, seed),
    "trained": lambda over, seed: simulate(over, seed, TRAINING.week + TRAINING.after, trained=True),
    "unpractised": lambda over, seed: simulate([*over, "policies.practice_support=0"], seed, trained=True),
    "programme": lambda over, seed: simulate([*over, "scenario=culture_programme"], seed),
}


def runs_needed(ids: Sequence[str]) -> list[str]:
    """The runs (names of ``RUNS``) the measures of ``ids`` take."""
    needed = {name for i in ids for name in inspect.signature(MEASURES[i]).parameters if name in RUNS}
    return [name for name in RUNS if name in needed]


def measure_moments(overrides: Sequence[str], seed: int, ids: Sequence[str]) -> list[float]:
    """The moments ``ids`` of one seed of the configuration ``overrides``, each run made once."""
    runs = {name: RUNS[name](list(overrides), seed) for name in runs_needed(ids)}
    return [MEASURES[i](**runs) for i in ids]
