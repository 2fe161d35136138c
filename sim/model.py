"""ServiceCultureModel: wires org, people, mechanisms, customers and events; fixes the step order.

One step is one week. ``step`` reads as the ordered list of mechanisms; each is a pure,
vectorised function from ``sim.mechanisms`` applied to every person at once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from mesa import DataCollector, Model
from mesa.agentset import AgentSet
from mesa.discrete_space import Network
from omegaconf import DictConfig, OmegaConf

from sim import customers as customer_flows
from sim.agents import Employee, Leader, Person
from sim.config import (
    ConfigError,
    PoliciesConfig,
    StyleConfig,
    checked_value,
    listed,
    load_config,
    typed_event,
    typed_events,
    validate,
    with_style_levers,
)
from sim.events import Timeline, Week
from sim.mechanisms import (
    engagement,
    feedback,
    growth,
    habits,
    hiring,
    ideas,
    influence,
    leadership,
    mistakes,
    negative_talk,
    onboarding,
    recognition,
    role_modelling,
    service,
    service_standards,
    training,
    turnover,
)
from sim.metrics import (
    MODEL_METRICS,
    TEAM_METRICS,
    customer_satisfaction,
    model_metric_groups,
    model_metrics,
    refuse_nan,
    team_columns,
    team_metric_group,
    team_nan_by_structure,
)
from sim.numerics import group_mean, group_sum, nan_to, unit
from sim.org import Org
from sim.org.files import org_from_config
from sim.org.footprint import OrgSize, require_memory
from sim.state import PERSON_VARIABLES, People, Styles, TeamState, draw_newcomers
from sim.tables import SHEET_ROWS

# Mesa logs a line per step at INFO, and Hydra's job logging sets the root logger to INFO.
logging.getLogger("MESA").setLevel(logging.WARNING)


def _require_room(size: OrgSize, what: str, *, cfg: DictConfig, space: bool) -> None:
    """Refuse an org before it is built (``ConfigError``, one line) when its run would not fit in memory
    (:func:`require_memory`), or when ``output.format`` asks for a workbook whose teams sheet (a row per
    team and week) would hold more rows than a worksheet can: better now than after the run, and a
    workbook cut short would be easy to take for the whole."""
    steps = int(cfg.steps)
    require_memory(size, what, steps=steps, space=space)
    rows = size.teams * steps + 1
    if "xlsx" in listed(cfg.output.format) and cfg.output.teams and rows > SHEET_ROWS:
        raise ConfigError(
            f"output.format has xlsx, but {what} ({size.teams:,} teams) over {steps:,} weeks would need "
            f"{rows:,} rows in the workbook's teams sheet, more than a worksheet's {SHEET_ROWS:,}: "
            "leave xlsx out (csv holds any size), set output.teams=false, or run fewer steps"
        )


class ServiceCultureModel(Model):
    """The service-culture simulation.

    Parameters
    ----------
    config
        A composed config (``sim.load_config``); the default scenario when omitted.
    seed
        Seed of the run's generator; ``config.seed`` when omitted. The org's graph generator gets
        its own seed drawn from ``model.rng``, so one seed fixes everything.
    org
        A prebuilt organisation; built from ``config.org`` when omitted (generated, or imported from
        the client's files with ``org=from_file``, see ``sim.org.files``).
    initial_state
        Measured starting values per person variable (``engagement``, ``trust``, ``orientation``...):
        ``(n,)`` arrays in [0, 1] indexed by seat, NaN for "draw as usual". Applied after the first
        workforce is hired; an imported org's survey (``org.survey``) supplies it when omitted.
    space
        Place agents on Mesa's ``Network`` space (needed by the dashboard; costs time on huge orgs).

    Examples
    --------
    >>> model = ServiceCultureModel(seed=1)
    >>> model.run_for(10)
    >>> model.timeseries()["culture_mean"].iloc[-1]  # doctest: +SKIP
    """

    def __init__(
        self,
        config: DictConfig | None = None,
        seed: int | None = None,
        *,
        org: Org | None = None,
        initial_state: Mapping[str, np.ndarray] | None = None,
        space: bool = True,
    ) -> None:
        cfg = config if config is not None else load_config()
        if config is not None:
            # a config composed elsewhere may still hold style.<lever>=VALUE for its leaders to take
            cfg = with_style_levers(cfg)
            validate(cfg)
        seed = int(cfg.seed if seed is None else seed)
        super().__init__(rng=seed)
        self.cfg = cfg
        self.seed = seed
        # plain dataclasses: attribute reads on a DictConfig cost ~40 us each, too slow inside a step
        self.dyn = OmegaConf.to_object(cfg.dynamics)
        self.on = OmegaConf.to_object(cfg.mechanisms)
        self.customer_cfg = OmegaConf.to_object(cfg.customers)
        self.leadership = OmegaConf.to_object(cfg.leadership)
        self.policies = {k: float(v) for k, v in cfg.policies.items() if k != "name"}
        if org is None:
            # refused before it is built when its run would not fit in memory, or its teams in a workbook
            fits = functools.partial(_require_room, cfg=cfg, space=space)
            org, surveyed = org_from_config(cfg.org, np.random.default_rng(self.rng.integers(2**63)), fits)
            initial_state = surveyed if initial_state is None else initial_state
        self.org = org
        o = self.org
        self.boss = np.where(o.manager >= 0, o.manager, np.arange(o.n))
        self.is_root = o.manager < 0
        self.staff = ~o.is_leader
        self._led_leaders = np.flatnonzero(o.is_leader & ~self.is_root)
        self.tie_weights = influence.tie_weights(o.peer_ties, o.cross_ties, self.dyn.influence)
        self.style_names = tuple(cfg.leadership.styles)
        shares = np.array([float(self.leadership.mix.get(name, 0.0)) for name in self.style_names])
        self._style_shares = shares / shares.sum()  # the leadership mix, fixed for the run
        cdf = np.cumsum(self._style_shares)
        self._style_cdf = cdf / cdf[-1]  # ends at exactly 1, so every draw in [0, 1) falls in a style
        self.people = People.empty(o.n)
        self.styles = Styles.empty(o.n, self.style_names + ("executive",))
        self.own_styles = Styles.empty(o.n, self.styles.names)  # each leader's personal style (role modelling)
        self.teams = self._initial_teams()
        self.timeline = Timeline(typed_events(cfg), o, horizon=int(cfg.steps))
        self.space = (
            Network(o.graph(), layout=dict(enumerate(map(tuple, o.positions))), random=self.random) if space else None
        )
        self._occupant = np.full(o.n, None, dtype=object)
        self.people.open[:] = o.initially_open
        self._hire(np.flatnonzero(o.initially_filled & o.initially_open), first=True)
        self._set_initial_state(initial_state or {})
        self.week = Week()
        self._last_recognition_rate = self._recognition_rate(self.week)
        self.flows: dict[str, float] = {}
        self.quality = np.full(o.n, np.nan)
        self.served = np.zeros(o.n, dtype=bool)
        self._team_nan_ok = team_nan_by_structure(o)
        self.datacollector = DataCollector(
            model_reporters={name: (lambda m, name=name: m.flows[name]) for name in MODEL_METRICS}
        )
        self._team_rows: list[np.ndarray] = []

    # ---------------------------------------------------------------- set-up helpers
    def _initial_teams(self) -> TeamState:
        o, nt = self.org, self.org.n_teams
        capacity = self._capacity(o.initially_open)
        s0 = float(self.customer_cfg.satisfaction0)
        return TeamState(
            process=np.full(nt, self.dyn.ideas.process_baseline),
            standard=np.full(nt, self.dyn.service_standards.initial),
            customers=capacity.copy(),
            satisfaction=np.where(o.frontline_team, s0, np.nan),
            loyalty=np.where(o.frontline_team, s0, np.nan),
            demand=np.ones(nt),
            expectation=np.where(
                o.frontline_team, self.rng.normal(0.0, float(self.customer_cfg.expectation_spread), nt), 0.0
            ),
        )

    def _capacity(self, is_open: np.ndarray) -> np.ndarray:
        """Customers each team can look after: customers per seat x open frontline seats."""
        o = self.org
        seats = np.bincount(o.team, weights=(is_open & o.frontline).astype(float), minlength=o.n_teams)
        return float(self.customer_cfg.per_frontline_seat) * seats

    @property
    def draw_rng(self) -> np.random.Generator | None:
        """The generator for draws that have a mean-field form; None when ``mechanisms.stochastic`` is off."""
        return self.rng if self.on.stochastic else None

    def _hire(self, seats: np.ndarray, first: bool = False) -> None:
        """Put new people (new agents, new ids) into ``seats``: drawn from the labour market, leaders
        with a style drawn from the leadership mix (C13)."""
        if seats.size == 0:
            return
        p, o = self.people, self.org
        new = draw_newcomers(seats.size, self.policies["hiring_selectivity"], self.dyn.hiring, self.rng)
        for name in PERSON_VARIABLES:
            getattr(p, name)[seats] = new[name]
        p.tenure[seats] = self.rng.uniform(0, self.dyn.hiring.initial_tenure_max, seats.size) if first else 0.0
        p.misfit_weeks[seats] = 0
        p.filled[seats] = True
        leaders = seats[o.is_leader[seats]]
        if leaders.size:
            self._assign_styles(leaders, first)
        # Ids are reserved from Mesa's own counter in seat order, as eager creation would hand them out;
        # the agent objects themselves are made on first access (``_materialise``): at a million seats
        # creating them costs seconds at build and a Python loop over every hire in the step.
        p.person_id[seats] = self.agent_id_counter + np.arange(seats.size)
        self.agent_id_counter += seats.size
        if self.space is not None:
            self._materialise(seats)  # a cell's agents stay current for the dashboard

    def _set_initial_state(self, values: Mapping[str, np.ndarray]) -> None:
        """Overwrite drawn starting values with measured ones where given (NaN keeps the draw)."""
        p = self.people
        for name, given in values.items():
            if name not in PERSON_VARIABLES:
                raise ValueError(f"initial_state: {name!r} is not a person variable: {', '.join(PERSON_VARIABLES)}")
            given = np.asarray(given, dtype=np.float64)
            if given.shape != (self.org.n,) or np.any((given < 0) | (given > 1)):
                raise ValueError(f"initial_state[{name!r}] must be {self.org.n} values in [0, 1] (NaN: not given)")
            use = np.isfinite(given) & p.filled
            getattr(p, name)[use] = given[use]
            if name == "orientation":
                # a measured orientation is also the best estimate of the disposition people are anchored to
                p.disposition[use] = given[use]

    def _assign_styles(self, leaders: np.ndarray, first: bool) -> None:
        lead = self.leadership
        root = leaders[self.is_root[leaders]]
        self._give_style(root, lead.executive, len(self.style_names))
        others = leaders[~self.is_root[leaders]]
        shares = self._style_shares
        if first:
            # exact proportions (largest remainder), randomly placed
            counts = np.floor(shares * others.size).astype(int)
            rest = np.argsort(-(shares * others.size - counts))[: others.size - counts.sum()]
            counts[rest] += 1
            choice = self.rng.permutation(np.repeat(np.arange(shares.size), counts))
        else:
            # each hire's style by inverse CDF of the mix: the numbers Generator.choice(p=shares)
            # draws, without its argument checks (10 us a call, more than the draw)
            choice = np.searchsorted(self._style_cdf, self.rng.random(others.size), side="right")
        for k, name in enumerate(self.style_names):
            self._give_style(others[choice == k], lead.styles[name], k)

    def _give_style(self, seats: np.ndarray, style, style_id: int) -> None:
        """A leader's personal style: the preset plus per-leader noise of sd ``leadership.spread`` (C11)."""
        if seats.size == 0:
            return  # nothing to draw (a hire is rarely a leader of every style at once)
        self.styles.assign(seats, style, style_id, float(self.leadership.spread), self.rng)
        self.own_styles.copy_from(self.styles, seats)

    def _vacate(self, seats: np.ndarray) -> None:
        p = self.people
        for seat in seats[self._occupant[seats] != None].tolist():  # noqa: E711 (elementwise on objects)
            self._occupant[seat].remove()  # only agents someone has looked at exist
            self._occupant[seat] = None
        p.filled[seats] = False
        p.person_id[seats] = -1

    def _materialise(self, seats: np.ndarray | None = None) -> None:
        """Create the agent objects of the filled ``seats`` (all seats when None) that have none yet,
        in id order, so that ``model.agents`` lists them as eager creation would have."""
        p, o = self.people, self.org
        seats = np.arange(o.n) if seats is None else seats
        seats = seats[p.filled[seats] & (self._occupant[seats] == None)]  # noqa: E711 (elementwise on objects)
        for seat in seats[np.argsort(p.person_id[seats], kind="stable")].tolist():
            self._occupant[seat] = (Leader if o.is_leader[seat] else Employee)(self, seat)

    @property
    def agents(self) -> AgentSet:
        """Every person as a Mesa agent (created on first access; ``Model.agents`` otherwise)."""
        self._materialise()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, AgentSet]:
        """Leaders and employees as Mesa agent sets (created on first access; ``Model.agents_by_type``)."""
        self._materialise()
        return super().agents_by_type

    def team_norm(self) -> np.ndarray:
        """Each seat's team norm: the mean orientation of its team's members now (NaN for a team with none)."""
        p, o = self.people, self.org
        return group_mean(p.orientation, o.team, p.filled.astype(float), o.n_teams)[o.team]

    def agent_at(self, seat: int) -> Person | None:
        """The person in ``seat`` (created on first access), None if vacant."""
        self._materialise(np.array([seat]))
        return self._occupant[seat]

    # ---------------------------------------------------------------- changes from outside
    # A workshop moving a lever, a notebook trying a policy, an intervention decided mid-run: every change
    # to a running model goes through these, so it is validated like a config and has one path.
    def set_lever(self, lever: str, value: float) -> None:
        """Give every leader the value ``value`` of the style lever ``lever`` (a ``StyleConfig`` field,
        e.g. ``vision`` or ``mistake_tolerance``) from now on.

        Every leader seat takes it in both its current and its personal style (so role modelling does not
        pull it back), and so do the presets later hires and leadership changes draw from. Raises
        ``ConfigError`` for an unknown lever or a value outside [0, 1].
        """
        value = checked_value(StyleConfig, lever, value, "style.")
        for styles in (self.styles, self.own_styles):
            styles.set_lever(lever, self.org.is_leader, value)
        for preset in (self.leadership.executive, *self.leadership.styles.values()):
            setattr(preset, lever, value)

    def set_policy(self, policy: str, value: float | bool) -> None:
        """Set the organisation-wide policy ``policy`` (a ``PoliciesConfig`` field, e.g. ``onboarding``)
        to ``value`` from now on; a later ``policy_change`` event may change it again, as in any run.

        Raises ``ConfigError`` for an unknown policy or a value outside its range.
        """
        self.policies[policy] = float(checked_value(PoliciesConfig, policy, value, "policies."))

    def schedule(self, name: str, event: Mapping, seats: np.ndarray | None = None) -> None:
        """Put one more event on the running model's time line, e.g. an intervention decided mid-run.

        ``event`` holds the fields of a scenario's event (``kind``, ``week``, ``target``...; see
        ``sim.events``) and is validated as one; its ``week`` must lie ahead (week w's events act at the
        start of the model's w-th step). ``seats`` (bool per seat) narrows its target further, e.g. to the
        leaders who lead like Manager A. Raises ``ConfigError`` for a bad event, a week that has passed or
        a name already on the time line.
        """
        typed = typed_event(name, event, self.style_names)
        if typed.week <= self.steps:
            raise ConfigError(f"events.{name}.week={typed.week} has passed: the model is at week {self.steps}")
        if any(scheduled.name == name for scheduled in self.timeline.events):
            raise ConfigError(f"events.{name} is already on the time line: give the event another name")
        if seats is not None and (seats.shape != (self.org.n,) or seats.dtype != bool):
            raise ValueError(f"seats must be {self.org.n} booleans, one per seat")
        self.timeline.add(name, typed, seats=seats)

    # ---------------------------------------------------------------- the week
    def step(self) -> None:
        """One week: events, then the mechanisms in a fixed order, then the record."""
        week = self.timeline.week(self.steps)
        self.week = week
        self._apply_events(week)
        pressure = self._pressure()[self.org.team]
        if self.on.leadership:
            self._leadership(week)
            self._role_modelling()
        if self.on.influence:
            self._influence()
        if self.on.negative_talk:
            self._negative_talk(week)
        if self.on.training:
            self._training(week)
        reported, hidden = self._mistakes(pressure)
        proposed, adopted = self._ideas()
        team_quality = self._service(pressure, hidden)
        recognised = self._recognition(team_quality, week)
        if self.on.engagement:
            p, s = self.people, self.styles
            p.engagement = engagement.update_engagement(
                p.engagement,
                s.support[self.boss],
                p.trust,
                p.safety,
                p.cynicism,
                pressure,
                engagement.customers_heard(
                    self.org.frontline,
                    self.teams.satisfaction[self.org.team],
                    self.customer_satisfaction(),
                    self.policies["feedback_sharing"] if self.on.feedback else 0.0,
                ),
                self.dyn.engagement,
            )
        if self.on.service_standards:
            self._standards(team_quality)
        churned, before = self._customers(team_quality)
        if self.on.feedback:
            self._feedback()
        if self.on.habits:
            p = self.people
            p.disposition = habits.form_habits(p.disposition, p.orientation, p.habit, self.dyn.habits)
        if self.on.onboarding:
            self._onboarding()
        headcount = float(self.people.filled.sum())
        leavers = self._turnover_and_hiring(week, pressure)
        self.people.tenure[self.people.filled] += 1.0
        self._record(
            reported=reported,
            hidden=hidden,
            proposed=proposed,
            adopted=adopted,
            recognised=recognised,
            churned=churned,
            customers_before=before,
            leavers=leavers,
            headcount_before=headcount,
        )

    def _apply_events(self, week: Week) -> None:
        for policy, value in week.policies.items():
            self.policies[policy] = value
        for mask, style in week.leadership_changes:
            seats = np.flatnonzero(mask & self.people.filled)
            self._give_style(seats, self.leadership.styles[style], self.style_names.index(style))
        self.teams.demand = week.demand if week.demand is not None else np.ones(self.org.n_teams)

    def _pressure(self) -> np.ndarray:
        o, p = self.org, self.people
        staff = (~o.is_leader).astype(float)
        return service.team_pressure(
            self.teams.demand,
            service.routed_customers(self.teams.customers, self._capacity(p.open), o.frontline_team),
            float(self.customer_cfg.per_frontline_seat),
            np.bincount(o.team, weights=staff * p.open, minlength=o.n_teams),
            np.bincount(
                o.team,
                weights=staff * p.filled * service.effort(p.engagement, self.dyn.service),
                minlength=o.n_teams,
            ),
            o.frontline_team,
        )

    def _leadership(self, week: Week) -> None:
        p, s, b, cfg = self.people, self.styles, self.boss, self.dyn.leadership
        target = leadership.trust_target(s.integrity[b], s.support[b], p.skill[b], s.gossip[b], s.transparency[b])
        p.trust = leadership.update_trust(p.trust, target, week.shock, s.transparency[b], cfg)
        source_trust = np.where(self.is_root, 1.0, p.trust)
        p.orientation = leadership.leader_signal(
            p.orientation, source_trust, p.habit, s.vision[b], p.orientation[b], cfg
        )

    def _role_modelling(self) -> None:
        # only leaders below the top model themselves on a boss: work on their seats, not all n
        p, seats = self.people, self._led_leaders
        bosses = self.boss[seats]
        active = p.filled[seats] & p.filled[bosses]
        current = self.styles.matrix  # every lever at once (one row each)
        current[:, seats] = role_modelling.model_on_boss(
            current[:, seats],
            self.own_styles.matrix[:, seats],
            current[:, bosses],
            p.trust[seats],
            active,
            self.dyn.role_modelling,
        )

    def _influence(self) -> None:
        p = self.people
        x = influence.influence_step(
            p.orientation,
            p.disposition,
            p.habit,
            self.tie_weights,
            self.org.manager,
            p.trust,
            p.filled,
            self.dyn.influence,
        )
        p.orientation = np.where(p.filled, x, p.orientation)

    def _negative_talk(self, week: Week) -> None:
        p, s, b, cfg = self.people, self.styles, self.boss, self.dyn.negative_talk
        rate = self._recognition_rate(week)
        unrest = negative_talk.change_unrest(
            week.shock, s.transparency[b], np.maximum(self._last_recognition_rate - rate, 0.0), cfg
        )
        self._last_recognition_rate = rate
        p.cynicism = negative_talk.spread_cynicism(
            p.cynicism,
            self.tie_weights,
            p.filled,
            s.gossip[b],
            s.vision[b],
            s.integrity[b],
            self.policies["negative_talk_curb"],
            cfg,
            unrest,
        )
        p.orientation = negative_talk.cynicism_drag(p.orientation, p.cynicism, p.habit, cfg)

    def _training(self, week: Week) -> None:
        p, s, b, cfg = self.people, self.styles, self.boss, self.dyn.training
        for mask, dose in week.training:
            p.knowledge, p.orientation = training.train(
                p.knowledge, p.orientation, p.cynicism, p.habit, mask & p.filled, dose, cfg
            )
        practice = training.practice(self.policies["practice_support"], s.support[b], cfg)
        p.knowledge, p.skill = training.practise(
            p.knowledge, p.skill, p.orientation, p.cynicism, practice, self.dyn.hiring.market_skill, cfg
        )
        p.knowledge = training.share_knowledge(p.knowledge, self._best_practice()[b], s.knowledge_sharing[b], cfg)

    def _best_practice(self) -> np.ndarray:
        """The best skill in the team each leader leads, the leader's own included (by leader seat)."""
        p, o = self.people, self.org
        skill = np.where(p.filled, p.skill, 0.0)
        best = np.zeros(o.n_teams)
        np.maximum.at(best, o.team, skill)
        led = np.zeros(o.n)
        led[o.team_leader] = best
        return np.maximum(led, skill)

    def _mistakes(self, pressure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p, s, b, cfg = self.people, self.styles, self.boss, self.dyn.mistakes
        if not self.on.mistakes:
            zero = np.zeros(self.org.n)
            return zero, zero
        reported, hidden = mistakes.make_mistakes(p.skill, pressure, p.safety, p.filled, cfg, self.draw_rng)
        p.safety, p.skill, p.engagement = mistakes.react_to_mistakes(
            p.safety,
            p.skill,
            p.engagement,
            reported,
            s.mistake_tolerance[b],
            s.support[b],
            s.gossip[b],
            cfg,
        )
        return reported, hidden

    def _ideas(self) -> tuple[np.ndarray, np.ndarray]:
        p, s, b, cfg, o = self.people, self.styles, self.boss, self.dyn.ideas, self.org
        if not self.on.ideas:
            zero = np.zeros(o.n)
            return zero, zero
        proposed, adopted = ideas.propose_and_adopt(
            p.engagement, p.safety, s.support[b], s.idea_support[b], p.filled, cfg, self.draw_rng
        )
        f = p.filled.astype(float)
        self.teams.process = ideas.lift_process(
            self.teams.process,
            group_sum(adopted, o.team, f, o.n_teams),
            np.bincount(o.team, weights=f, minlength=o.n_teams),
            cfg,
        )
        p.engagement = ideas.idea_engagement(p.engagement, proposed, adopted, self.dyn.ideas)
        return proposed, adopted

    def _service(self, pressure: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        """Deliver service; returns each team's mean quality (NaN for teams with no staff)."""
        p, o, cfg, t = self.people, self.org, self.dyn.service, self.teams
        iq, has = service.internal_service(p.performance, o.team, o.backoffice & p.filled, o.serves, o.n_teams)
        frontline = o.frontline
        cap = service.capability(
            p.skill,
            p.orientation,
            p.engagement,
            iq[o.team],
            t.process[o.team],
            has[o.team] & frontline,
            cfg,
        )
        noise = self.draw_rng.normal(0.0, cfg.noise, o.n) if self.draw_rng is not None else 0.0
        q = service.deliver(cap, pressure, t.standard[o.team], hidden, noise, cfg)
        self.served = p.filled.copy()  # who was in post when service was delivered (hires come later)
        self.quality = np.where(self.served, q, np.nan)
        p.performance = np.where(p.filled, q, p.performance)
        return group_mean(q, o.team, (p.filled & self.staff).astype(float), o.n_teams)

    def _recognition_rate(self, week: Week) -> np.ndarray:
        """Each person's leader's recognition rate this week, a running programme included."""
        rate = self.styles.recognition_rate[self.boss]
        if week.recognition_boost is None:
            return rate
        return unit(rate + week.recognition_boost[self.boss] * (1.0 - rate))

    def _recognition(self, team_quality: np.ndarray, week: Week) -> np.ndarray:
        p, s, b, cfg, o = self.people, self.styles, self.boss, self.dyn.recognition, self.org
        if not self.on.recognition:
            return np.zeros(o.n)
        rate = self._recognition_rate(week)
        norm = nan_to(team_quality, 0.5)[o.team]
        recognised = recognition.recognise(
            p.performance,
            p.orientation,
            norm,
            self.policies["standards_in_appraisal"],
            rate,
            p.filled & ~self.is_root,
            cfg,
            self.draw_rng,
        )
        p.engagement, p.orientation = recognition.apply_recognition(
            p.engagement,
            p.orientation,
            p.habit,
            recognised,
            s.recognition_public[b],
            o.team,
            p.filled,
            o.n_teams,
            cfg,
        )
        return recognised

    def _standards(self, team_quality: np.ndarray) -> None:
        anchoring = np.maximum(self.styles.vision[self.org.team_leader], self.policies["standards_in_appraisal"])
        self.teams.standard = service_standards.update_standard(
            self.teams.standard,
            team_quality,
            anchoring,
            self.dyn.service_standards,
        )

    def _customers(self, team_quality: np.ndarray) -> tuple[float, float]:
        t, o = self.teams, self.org
        before = float(t.customers.sum())
        if not self.on.customers:
            return 0.0, before
        week = customer_flows.update_customers(
            t.customers,
            nan_to(t.satisfaction, 0.0),
            nan_to(t.loyalty, 0.0),
            team_quality,
            self._capacity(self.people.open),
            o.frontline_team,
            t.expectation,
            self.customer_cfg,
            self.draw_rng,
        )
        t.customers = week.customers
        t.satisfaction = np.where(o.frontline_team, week.satisfaction, np.nan)
        t.loyalty = np.where(o.frontline_team, week.loyalty, np.nan)
        return float(week.churned.sum()), before

    def customer_satisfaction(self) -> float:
        """Customer-weighted mean satisfaction over frontline teams."""
        return customer_satisfaction(self.teams, self.org.frontline_team)

    def _feedback(self) -> None:
        p = self.people
        p.orientation = feedback.share_feedback(
            p.orientation, p.habit, self.policies["feedback_sharing"], self.dyn.feedback
        )

    def _onboarding(self) -> None:
        p = self.people
        x, x0 = onboarding.socialise(
            p.orientation,
            p.disposition,
            p.tenure,
            nan_to(self.team_norm(), p.orientation),
            self.policies["onboarding"],
            self.dyn.onboarding,
        )
        p.orientation = np.where(p.filled, x, p.orientation)
        p.disposition = np.where(p.filled, x0, p.disposition)

    def _turnover_and_hiring(self, week: Week, pressure: np.ndarray) -> float:
        p, rng = self.people, self.rng
        leaving = np.zeros(self.org.n, dtype=bool)
        if self.on.turnover:
            hazard = turnover.quit_hazard(p.engagement, pressure, self.dyn.turnover)
            leaving |= turnover.draw_quits(hazard, p.filled, rng)
            p.misfit_weeks, removed = turnover.misfits(
                p.misfit_weeks,
                p.orientation,
                nan_to(self.team_norm(), p.orientation),
                p.filled,
                self.policies["misfit_threshold"],
                int(self.policies["misfit_weeks"]),
                bool(self.policies["remove_misfits"]),
            )
            leaving |= removed
        # leavers go before seats close, so decline first absorbs their seats (attrition), then lays off
        self._vacate(np.flatnonzero(leaving))
        if self.on.growth and week.growth_rate != 0.0:
            p.open, laid_off = growth.resize(p.open, p.filled, self.staff, week.growth_rate, rng)
            self._vacate(np.flatnonzero(laid_off))
            leaving |= laid_off
        if self.on.hiring and not week.hiring_freeze:
            self._hire(np.flatnonzero(hiring.fill_vacancies(p.open, p.filled, self.policies["hire_rate"], rng)))
        return float(leaving.sum())

    # ---------------------------------------------------------------- records
    def _record(self, **flows) -> None:
        p, o, served = self.people, self.org, self.served
        per_team = team_columns(p, o, self.teams, self.styles, self.quality, served)
        metrics = model_metrics(
            p,
            o,
            self.teams,
            self.quality,
            served,
            is_root=self.is_root,
            satisfaction=self.customer_satisfaction(),
            price=self.customer_cfg.price,
            onboarding_weeks=self.dyn.onboarding.weeks,
            per_team=per_team,
            **flows,
        )
        row = np.column_stack([per_team[name] for name in TEAM_METRICS])
        # a NaN over a group with members stops the run before the week is recorded
        refuse_nan(
            self.steps,
            metrics,
            row,
            self._team_nan_ok,
            lambda: model_metric_groups(
                p,
                o,
                served,
                is_root=self.is_root,
                customers_before=flows["customers_before"],
                onboarding_weeks=self.dyn.onboarding.weeks,
            ),
            lambda name: team_metric_group(name, p, o, per_team["headcount"], served),
        )
        self.flows = metrics
        self.datacollector.collect(self)
        self._team_rows.append(row)

    def timeseries(self) -> pd.DataFrame:
        """One row per step: ``step`` and every model-level metric of docs/outputs.md."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(1, len(df) + 1))
        return df

    def team_now(self, metric: str) -> np.ndarray:
        """This week's team-level ``metric`` (a column of :meth:`team_table`), one value per team: what a
        page drawing every week reads, without building the whole table (empty before the first week)."""
        if not self._team_rows:
            return np.empty(0)
        return self._team_rows[-1][:, TEAM_METRICS.index(metric)].copy()

    def team_table(self) -> pd.DataFrame:
        """One row per step x team: ``step``, ``team``, ``team_name``, ``level``, ``frontline``, ``style`` and
        team metrics."""
        o = self.org
        if not self._team_rows:
            return pd.DataFrame(columns=["step", "team", "team_name", "level", "frontline", "style", *TEAM_METRICS])
        values = np.stack(self._team_rows)  # (steps, teams, metrics)
        steps, nt, _ = values.shape
        df = pd.DataFrame(values.reshape(steps * nt, -1), columns=list(TEAM_METRICS))
        df.insert(0, "step", np.repeat(np.arange(1, steps + 1), nt))
        df.insert(1, "team", np.tile(np.arange(nt), steps))
        df.insert(2, "team_name", pd.Categorical.from_codes(df["team"].to_numpy(), pd.Index(o.team_names, dtype=str)))
        df.insert(3, "level", np.tile(o.team_level.astype(np.int64), steps))
        df.insert(4, "frontline", np.tile(o.frontline_team, steps))
        names = np.asarray(self.styles.names)
        df.insert(5, "style", pd.Categorical(names[df.pop("style_id").to_numpy().astype(np.int64)]))
        return df


def influence_only_matrix(model: ServiceCultureModel) -> sp.csr_matrix:
    """The Friedkin-Johnsen W of the model's current state (for closed-form checks)."""
    p = model.people
    return influence.influence_matrix(model.tie_weights, model.org.manager, p.trust, p.filled, model.dyn.influence)
