"""External validation: closed forms and published findings the model must reproduce.

Each check runs the model (or one of its mechanism functions, for the closed forms) and returns a
``Check``: the published figure, ours with an interval, and a verdict. ``experiments/validate_external.py``
runs them all and writes ``docs/validation.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim.config import load_config, only_mechanisms
from sim.mechanisms.influence import equilibrium, influence_matrix, influence_step, ties_only
from sim.model import ServiceCultureModel, influence_only_matrix
from sim.numerics import nan_to
from sim.research.analysis import Effect, difference, mean_correlation, mean_interval
from sim.research.moment_measures import late_frontline_teams, led_teams, staff_engagement_icc, team_cross_lags


@dataclass
class Check:
    """One line of the validation table."""

    name: str
    reference: str
    published: str
    ours: str
    passed: bool
    details: dict = field(default_factory=dict)
    gap: str = ""  # what we found behind a failing check (shown only when it fails)
    note: str = ""  # what a reader should know even when it passes (e.g. what a default rests on)

    def __post_init__(self) -> None:
        self.passed = bool(self.passed)  # comparisons of numpy scalars give numpy bools, which JSON refuses


def _runs(overrides: list[str], seeds: int, steps: int | None = None, each_week: Callable | None = None):
    """Run the model over seeds 0..seeds-1; yields (model, timeseries)."""
    for seed in range(seeds):
        cfg = load_config(overrides)
        model = ServiceCultureModel(cfg, seed=seed, space=False)
        for _ in range(int(steps or cfg.steps)):
            if each_week is not None:
                each_week(model)
            model.step()
        yield model, model.timeseries()


def _fmt(effect: Effect, digits: int = 3) -> str:
    return f"{effect.estimate:.{digits}f} [{effect.low:.{digits}f}, {effect.high:.{digits}f}]"


# ----------------------------------------------------------------------------------------- Friedkin-Johnsen
INFLUENCE_ONLY = only_mechanisms("influence")


def friedkin_johnsen(quick: bool = False) -> list[Check]:
    """Influence alone converges to (I - S W)^-1 (I - S) x0; without anchoring, to the left-eigenvector
    consensus; with doubly-stochastic weights the mean is kept and only the spread shrinks."""
    checks = []
    worst = 0.0
    for org in ("small_team", "company"):
        cfg = load_config([f"org={org}", *INFLUENCE_ONLY])
        model = ServiceCultureModel(cfg, seed=1, space=False)
        p = model.people
        a = model.dyn.influence.anchor * p.habit
        expected = equilibrium(influence_only_matrix(model), a, p.disposition.copy())
        # slow enough to converge at the fitted self weight (an error of 0.1 shrinks about 4% a week)
        model.run_for(700 if quick else 1500)
        f = p.filled
        worst = max(worst, float(np.max(np.abs(p.orientation[f] - expected[f]))))
    # Zachary's karate club with habit anchoring drawn at random
    g = nx.karate_club_graph()
    n = g.number_of_nodes()
    ties = sp.csr_matrix(nx.to_scipy_sparse_array(g, weight=None, dtype=float))
    rng = np.random.default_rng(0)
    x0, a = rng.random(n), 0.05 + 0.3 * rng.random(n)
    none, filled, zeros = np.full(n, -1), np.ones(n, bool), np.zeros(n)
    x = x0.copy()
    for _ in range(600):
        x = influence_step(x, x0, a, ties, none, zeros, filled, ties_only(1.0))
    w = influence_matrix(ties, none, zeros, filled, ties_only(1.0))
    worst = max(worst, float(np.max(np.abs(x - equilibrium(w, a, x0)))))
    checks.append(
        Check(
            "FJ equilibrium",
            "Friedkin & Johnsen (1990)",
            "x* = (I - SW)^-1 (I - S) x0",
            f"max |x - x*| = {worst:.1e} (company, small team, karate club)",
            worst < 1e-9,
        )
    )
    # no anchoring, W = D^-1 A on a connected non-bipartite graph: consensus = degree-weighted mean
    x = x0.copy()
    for _ in range(5000):
        x = influence_step(x, x, zeros, ties, none, zeros, filled, ties_only(0.0))
    degree = np.asarray(ties.sum(axis=1)).ravel()
    target = np.average(x0, weights=degree)
    gap = float(np.max(np.abs(x - target)))
    checks.append(
        Check(
            "consensus weights",
            "DeGroot (1974)",
            "consensus = left-eigenvector (degree) weighted mean of x0",
            f"max |x - degree-weighted mean| = {gap:.1e} (karate club)",
            gap < 1e-9,
        )
    )
    # doubly stochastic: a regular graph with equal self weight
    reg = nx.random_regular_graph(4, 200, seed=3)
    rties = sp.csr_matrix(nx.to_scipy_sparse_array(reg, weight=None, dtype=float))
    m = 200
    y0 = np.random.default_rng(1).random(m)
    y = y0.copy()
    spreads = [y.std()]
    for _ in range(50):
        y = influence_step(y, y, np.zeros(m), rties, np.full(m, -1), np.zeros(m), np.ones(m, bool), ties_only(1.0))
        spreads.append(y.std())
    drift = abs(y.mean() - y0.mean())
    shrinking = bool(np.all(np.diff(spreads) <= 1e-15))
    checks.append(
        Check(
            "doubly stochastic",
            "DeGroot (1974)",
            "mean unchanged, spread shrinks",
            f"|mean drift| = {drift:.1e}; spread {spreads[0]:.3f} -> {spreads[-1]:.3f}, never rising",
            drift < 1e-12 and shrinking,
        )
    )
    return checks


# ----------------------------------------------------------------------------------------- Harrison & Carroll
def _hc_overrides(q: float, g: float, u: float, rate: float) -> list[str]:
    """The linear case: socialisation toward the service ideal at a constant weekly rate (customer feedback,
    equal habits), exits at rate q, entrants with mean u, growth g per week; nothing else on."""
    over = [
        *only_mechanisms("feedback", "turnover", "hiring", "growth", "stochastic"),
        "org.reserve_share=0.6",
        "org.vacancy_share=0",
        "dynamics.hiring.habit_spread=0",
        "dynamics.hiring.habit_mean=0",
        f"dynamics.feedback.orientation_rate={rate}",
        "policies.feedback_sharing=1",
        "dynamics.turnover.quit_disengaged=0",
        "dynamics.turnover.quit_pressure=0",
        f"dynamics.turnover.quit_base={q}",
        "policies.hire_rate=1",
        "policies.hiring_selectivity=0",
        f"dynamics.hiring.market_orientation={u}",
        "dynamics.hiring.market_spread=0.02",
        "steps=260",
    ]
    if g:
        over.append(f"+events.g={{kind: growth, week: 1, value: {g}}}")
    return over


def harrison_carroll(seeds: int) -> list[Check]:
    """Cultural transmission in formal organisations (Harrison & Carroll 1991)."""
    checks = []
    q, u, rate = 0.02, 0.3, 0.02
    a, b = 1.0 - rate, rate  # stayers: m -> m + rate (1 - m)
    rows = []
    for g in (0.0, 0.004, -0.004):
        finals, predictions = [], []
        for _, ts in _runs(_hc_overrides(q, g, u, rate), seeds):
            tail = ts.iloc[-52:]
            # the realised rates: growth and decline move staff seats only, so the population's rate is smaller
            g_real = float((tail.headcount.to_numpy()[1:] / tail.headcount.to_numpy()[:-1] - 1.0).mean())
            q_real = float(tail.turnover_rate.mean())
            predictions.append(((1 - q_real) * b + (q_real + g_real) * u) / (1 + g_real - (1 - q_real) * a))
            finals.append(tail.culture_mean.mean())
        rows.append((g, float(np.mean(predictions)), float(np.mean(finals)), float(np.std(finals, ddof=1))))
    err = max(abs(sim_ - pred) for _, pred, sim_, _ in rows)
    checks.append(
        Check(
            "H&C linear equilibrium",
            "Harrison & Carroll (1991)",
            "m* = [(1-q) b + (q+g) u] / [1 + g - (1-q) a], q and g as realised",
            "; ".join(f"g={g:+.3f}: m*={pred:.3f}, ours {s:.3f}" for g, pred, s, _ in rows),
            err < 0.015,
            {"rows": rows},
        )
    )
    threshold = b / (1 - a)
    growth, decline = rows[1][2], rows[2][2]
    checks.append(
        Check(
            "H&C growth vs decline",
            "Harrison & Carroll (1991)",
            f"u < b/(1-a) = {threshold:.2f} => culture stronger in decline than in growth",
            f"decline {decline:.3f} vs growth {growth:.3f}",
            u < threshold and decline > growth,
        )
    )
    # the full model: equilibrium under high turnover and rapid growth; selectivity and socialisation set the level
    # entrants drawn below the culture's level (no selection), the condition of H&C's growth finding
    full = ["org.reserve_share=0.6", "dynamics.turnover.quit_base=0.02", "steps=260", "policies.hiring_selectivity=0"]
    slopes, growth_means, decline_means = [], [], []
    # weeks 131-208: growth is still under way (the reserve of closed seats lasts about 230 weeks)
    for _, ts in _runs([*full, "+events.g={kind: growth, week: 1, value: 0.004}"], seeds):
        tail = ts.culture_mean.iloc[130:208].to_numpy()
        slopes.append(np.polyfit(np.arange(tail.size), tail, 1)[0] * 52)
        growth_means.append(tail.mean())
    for _, ts in _runs([*full, "+events.g={kind: growth, week: 1, value: -0.004}"], seeds):
        decline_means.append(ts.culture_mean.iloc[130:208].mean())
    slope = mean_interval(slopes)
    checks.append(
        Check(
            "H&C equilibrium, full model",
            "Harrison & Carroll (1991)",
            "culture settles even with high turnover (2%/week) and rapid growth (0.4%/week)",
            f"drift over weeks 131-208: {_fmt(slope, 4)} per year",
            abs(slope.estimate) < 0.01,
        )
    )
    dec = difference(growth_means, decline_means)
    checks.append(
        Check(
            "H&C decline > growth, full model",
            "Harrison & Carroll (1991)",
            "culture is stronger during decline than during growth",
            f"decline - growth = {_fmt(dec)}",
            dec.excludes_zero(+1),
            gap="the customer base does not shrink with the organisation, so decline overloads the people who "
            "stay; their disengagement and quits bring in more below-norm entrants, offsetting H&C's effect "
            "(the linear case above, without workload, reproduces it)",
        )
    )
    for lever, lo, hi in (("hiring_selectivity", 0.0, 0.9), ("onboarding", 0.0, 0.9)):  # the later one wins
        low = [ts.culture_mean.iloc[-52:].mean() for _, ts in _runs([*full, f"policies.{lever}={lo}"], seeds)]
        high = [ts.culture_mean.iloc[-52:].mean() for _, ts in _runs([*full, f"policies.{lever}={hi}"], seeds)]
        eff = difference(low, high)
        checks.append(
            Check(
                f"H&C {lever} sets the level",
                "Harrison & Carroll (1991)",
                f"higher {lever.replace('_', ' ')} -> stronger culture",
                f"{hi} vs {lo}: {_fmt(eff)}",
                eff.excludes_zero(+1),
            )
        )
    return checks


# ----------------------------------------------------------------------------------------- Oliva & Sterman
def oliva_sterman(seeds: int) -> list[Check]:
    """A temporary demand spike leaves a permanent loss of quality when standards drift; anchored, quality recovers."""
    spike = "+events.spike={kind: demand_spike, week: 52, duration: 16, target: frontline, intensity: 0.8}"
    checks = []
    for label, over in (("drifting standards", ["dynamics.service_standards.anchor=0"]), ("anchored standards", [])):
        before, after = [], []
        for _, ts in _runs([spike, *over], seeds):
            before.append(ts.service_quality.iloc[39:51].mean())
            after.append(ts.service_quality.iloc[120:156].mean())
        loss = difference(before, after)
        if label == "drifting standards":
            passed = loss.excludes_zero(-1)
            expected = "quality stays below its pre-spike level after the spike ends"
        else:
            passed = loss.low > -0.01  # recovered: no loss beyond a hundredth
            expected = "quality returns to its pre-spike level"
        checks.append(
            Check(
                f"O&S {label}",
                "Oliva & Sterman (2001, 2010)",
                expected,
                f"weeks 121-156 minus weeks 40-51: {_fmt(loss)}",
                bool(passed),
            )
        )
    return checks


# ----------------------------------------------------------------------------------------- linkage
# The published windows, stated once. Team means in the model are true unit means (no survey error), so the
# window is the one for correlations corrected for measurement error.
LINKAGE_WINDOW = (0.20, 0.35)
LINKAGE_SOURCE = (
    "Harter, Schmidt & Hayes (2002): engagement and customer satisfaction-loyalty across 7,939 business units, "
    "0.33 corrected for measurement error; Schneider, White & Paul (1998)"
)
ICC_WINDOW = (0.0, 0.5)  # James (1982): ICC(1) of attitudes within work units 0 to 0.5, median 0.12
FEEDBACK_ARMS = {"feedback not shared": ["policies.feedback_sharing=0"], "feedback shared (default)": []}


def _across_teams(overrides: list[str], seeds: int) -> dict[str, list[float]]:
    """Per seed, over frontline teams in weeks 105-156 (``moment_measures.late_frontline_teams``), the
    correlations across teams of engagement (e), service quality (q) and customer satisfaction (s) as true unit
    means; the ICC(1) of staff engagement within teams in the last week; and the within-team cross-lagged
    coefficients E -> S and S -> E (``moment_measures.team_cross_lags``)."""
    out: dict[str, list[float]] = {k: [] for k in ("es", "qs", "eq", "icc", "e_to_s", "s_to_e")}
    for model, _ in _runs(overrides, seeds):
        t = model.team_table()
        w = late_frontline_teams(t)[["engagement", "service_quality", "customer_satisfaction"]]
        c = np.corrcoef(w.to_numpy().T)
        for key, (i, j) in {"es": (0, 2), "qs": (1, 2), "eq": (0, 1)}.items():
            out[key].append(c[i, j])
        out["icc"].append(staff_engagement_icc(model))
        e_to_s, s_to_e = team_cross_lags(t, lag=4)
        out["e_to_s"].append(e_to_s)
        out["s_to_e"].append(s_to_e)
    return out


def linkage(seeds: int) -> list[Check]:
    """The employee-customer linkage across frontline teams, at the defaults with customer feedback shared
    (the default 0.3) and not shared: how much engagement is shared within teams (ICC(1)), the correlation of
    team engagement with team customer satisfaction (inside ``LINKAGE_WINDOW``), better service going with more
    satisfied customers across teams, and the cross-lagged effects both ways within teams."""
    arms = {arm: _across_teams(over, seeds) for arm, over in FEEDBACK_ARMS.items()}
    # what the reverse route carries: the default without the customers' mood in engagement
    unheard = _across_teams(["dynamics.engagement.customer_mood=0"], seeds)
    r_unheard, s_to_e_unheard = mean_correlation(unheard["es"]), mean_interval(unheard["s_to_e"])
    low, high = LINKAGE_WINDOW
    checks = []
    default = arms["feedback shared (default)"]
    icc = mean_interval(default["icc"])
    checks.append(
        Check(
            "engagement shared within teams",
            "James (1982); Bliese (2000)",
            f"ICC(1) of individual attitudes within work units {ICC_WINDOW[0]:g} to {ICC_WINDOW[1]:g}, median 0.12",
            f"ICC(1) = {_fmt(icc, 2)} (staff engagement within teams, last week)",
            ICC_WINDOW[0] < icc.estimate <= ICC_WINDOW[1],
        )
    )
    for arm, values in arms.items():
        r, qs, eq = (mean_correlation(values[k]) for k in ("es", "qs", "eq"))
        checks.append(
            Check(
                f"linkage r, {arm}",
                LINKAGE_SOURCE,
                f"r {low:.2f} to {high:.2f} across business units",
                f"r = {_fmt(r, 2)} across frontline teams (true team means, mean over seeds)",
                low <= r.estimate <= high,
                gap=f"engagement and service quality correlate at r = {_fmt(eq, 2)} across teams and quality and "
                f"satisfaction at r = {_fmt(qs, 2)}; satisfaction also feeds back on the engagement of the people "
                "who hear it (dynamics.engagement.customer_mood), so both routes add to r. Without the customers' "
                f"mood in engagement (customer_mood = 0, feedback shared) r = {_fmt(r_unheard, 2)} and S->E = "
                f"{_fmt(s_to_e_unheard)}. customer_mood is fitted to this correlation (0.33, a calibration moment: "
                "docs/fit.md), where it reached about 0.38 on the fit's 8 seeds; r across a dozen teams varies so "
                "much between seeds (sd about 0.2) that a fit on 8 seeds picks values that suit those seeds, and on "
                "these seeds r lies above the window",
            )
        )
        checks.append(
            Check(
                f"better service, happier customers, {arm}",
                "Heskett et al. (1994), the service-profit chain; seeds 002, 003",
                "across units, service quality and customer satisfaction correlate positively",
                f"r(quality, satisfaction) = {_fmt(qs, 2)} across frontline teams",
                qs.excludes_zero(+1),
            )
        )
        e_to_s, s_to_e = (mean_interval(values[k]) for k in ("e_to_s", "s_to_e"))
        checks.append(
            Check(
                f"cross-lagged both ways, {arm}",
                "Schneider, White & Paul (1998)",
                "engagement -> later satisfaction and satisfaction -> later engagement, both positive",
                f"E->S {_fmt(e_to_s)}; S->E {_fmt(s_to_e)} (standardised, within teams, 4-week lag)",
                e_to_s.excludes_zero(+1) and s_to_e.excludes_zero(+1),
            )
        )
    return checks


# ----------------------------------------------------------------------------------------- bad apples
def bad_apple_runs(seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """One persistently negative member in a small team (Felps, Mitchell & Byington 2006): per seed
    (rows), the team's output, mean service quality and teammates' cynicism over weeks 105-156 (columns),
    without (control) and with the bad apple (treated).

    The bad apple is pinned every week at full cynicism, near-zero engagement and low orientation.
    Team output is quality-weighted work done, sum_i q_i * effort_i over the team's seats (a vacant or
    withheld share delivers nothing), relative to the same team without the bad apple.
    """
    from sim.mechanisms.service import effort

    base = ["org=small_team", "org.team_size=5", "org.vacancy_share=0", "mechanisms.turnover=false"]
    team = 3  # the first work team (teams 0..2 are led by the executive and the department heads)
    window = range(105, 157)

    def one(seed: int, pinned: bool) -> tuple[float, float, float]:
        model = ServiceCultureModel(load_config(base), seed=seed, space=False)
        o, p = model.org, model.people
        members = np.flatnonzero((o.team == team) & ~o.is_leader)
        apple, others = members[0], members[1:]
        output, quality, cynicism = [], [], []
        for week in range(1, 157):
            if pinned:
                p.cynicism[apple], p.engagement[apple] = 1.0, 0.05
                p.orientation[apple] = p.disposition[apple] = 0.1
            model.step()
            if week in window:
                q = nan_to(model.quality[members], 0.0)
                output.append(float(np.sum(q * effort(p.engagement[members], model.dyn.service))))
                quality.append(float(q.mean()))
                cynicism.append(float(p.cynicism[others].mean()))
        return float(np.mean(output)), float(np.mean(quality)), float(np.mean(cynicism))

    return np.array([one(s, False) for s in range(seeds)]), np.array([one(s, True) for s in range(seeds)])


def bad_apple(seeds: int) -> list[Check]:
    """The bad-apple experiment (``bad_apple_runs``) against Felps, Mitchell & Byington (2006)."""
    control, treated = bad_apple_runs(seeds)
    out_drop = mean_interval(1.0 - treated[:, 0] / control[:, 0])
    q_drop = mean_interval(1.0 - treated[:, 1] / control[:, 1])
    spread = difference(control[:, 2], treated[:, 2])
    return [
        Check(
            "bad apple: team output",
            "Felps, Mitchell & Byington (2006)",
            "one bad apple lowers team performance by 30-40%",
            f"team output lower by {100 * out_drop.estimate:.0f}% [{100 * out_drop.low:.0f}, {100 * out_drop.high:.0f}]"
            f" (mean service quality {100 * q_drop.estimate:.0f}% lower)",
            0.3 <= out_drop.estimate <= 0.4,
        ),
        Check(
            "bad apple: negativity spreads",
            "Felps, Mitchell & Byington (2006)",
            "teammates become more negative",
            f"teammates' cynicism {_fmt(spread)} higher",
            spread.excludes_zero(+1),
        ),
    ]


# ----------------------------------------------------------------------------------------- behavioural integrity
INTEGRITY_R = 0.48  # Davis & Rothstein (2006), 12 studies


def behavioural_integrity(seeds: int) -> list[Check]:
    """Across leaders at the defaults, say-do consistency and their reports' trust. Davis & Rothstein (2006)
    report r = 0.48 between managers' perceived behavioural integrity and employees' attitudes, satisfaction
    with the leader among them; trust in the leader is the model's nearest measure. The check passes when
    the published r lies inside our 95% interval."""
    rs = []
    for model, _ in _runs([], seeds):
        leaders, last = led_teams(model, model.team_table())
        rs.append(np.corrcoef(model.styles.integrity[leaders], last.trust.to_numpy())[0, 1])
    r = mean_correlation(rs)
    return [
        Check(
            "integrity -> trust",
            "Davis & Rothstein (2006), meta-analysis of 12 studies",
            f"r = {INTEGRITY_R} between a manager's behavioural integrity and employees' attitudes",
            f"r = {_fmt(r, 2)} across leaders at the defaults (integrity vs their reports' trust)",
            r.low <= INTEGRITY_R <= r.high,
            gap="trust follows five faces of a leader (integrity, support, skill, discretion, transparency), "
            "of which leaders differ most in skill (drawn from the labour market) and little in the others "
            "(leadership.spread), so integrity explains less of trust's variance than one face in five",
        )
    ]


def all_checks(seeds: int, quick: bool = False) -> list[Check]:
    return [
        *friedkin_johnsen(quick),
        *harrison_carroll(seeds),
        *oliva_sterman(seeds),
        *linkage(seeds),
        *bad_apple(seeds),
        *behavioural_integrity(seeds),
    ]
