"""The model's rules written the way a competent Mesa 3 user would write them: the yardstick of the benchmark.

Every person is a Mesa agent (``NaivePerson``; ``NaiveLeader`` for a seat that leads a team) that holds its
state as plain Python floats and has a method per mechanism, which updates that one person from the people
around it: its tie neighbours (peer and cross-team ties with their weights), its boss and, for a leader, its
reports. Those lists are read off the org's ``Network`` space once at set-up and rebuilt only for the seats
around a hire or a leaver, never inside a pass. Teams are plain objects that keep their members; in the pass
that produces a value a person adds it to its team's tally (quality, mistakes, ideas, recognition, best
skill), and a team aggregate that needs the whole team first (pressure, internal service, the team norm) is
computed once, where the week needs it, from the member list.

The mechanisms run as ``model.agents.do(...)`` passes in the vectorised model's order (role modelling on
``model.agents_by_type[NaiveLeader]``). No pass needs a random order: every rule is a simultaneous update,
so a rule that reads other people's state is two-phase (each person computes its next value, then a second
pass takes it) and the others read only their own state or values fixed before the pass. Draws are one
number at a time, from the model's Python ``random.Random`` (numpy's generator for Poisson counts). The
``DataCollector`` has model reporters only (the time series); one row of values per team a week is kept in a
list beside it, as the vectorised model keeps its team table. Nothing is recorded per person.

It is the same model as ``sim.model.ServiceCultureModel``: it starts from the very state the vectorised
model builds (same generated org, same first workforce, same styles) and then steps with its own per-agent
rules. With ``mechanisms.stochastic=false`` and turnover and hiring off, both give the same time series and
team table to 1e-9; with the draws on they give the same means within sampling error
(``tests/test_naive_reference.py`` checks both). One difference by design: a person who left keeps the
values they left with, where the vectorised model's arrays keep updating the empty seat's stale entries; a
leader's seat is rarely empty for long, so this is far below sampling error.

    python experiments/naive_reference.py --seats 2000 --steps 5     # time both, print the ratio
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Iterable, Sequence
from itertools import accumulate

import numpy as np
import pandas as pd
import scipy.sparse as sp
from mesa import DataCollector, Model
from mesa.discrete_space import FixedAgent, Network
from omegaconf import DictConfig

from sim.config import load_config
from sim.mechanisms.engagement import NEUTRAL_SATISFACTION
from sim.metrics import MODEL_METRICS, TEAM_METRICS
from sim.model import ServiceCultureModel
from sim.state import PERSON_VARIABLES, STYLE_LEVERS

PEOPLE_MEANS = ("culture_mean", "engagement", "trust", "psych_safety", "skill", "cynicism")


def _clip(v: float) -> float:
    return 0.0 if v < 0.0 else 1.0 if v > 1.0 else v


class Team:
    """A team: its state, its members (present people whose seat is in it) and this week's tallies."""

    def __init__(self, index: int, frontline: bool, leader_seat: int) -> None:
        self.index, self.frontline, self.leader_seat = index, frontline, leader_seat
        self.members: list[NaivePerson] = []
        self.providers: list[Team] = []  # the back-office teams that serve it
        self.open_staff = self.open_frontline = 0  # open seats, counted when seats open or close
        self.demand, self.pressure = 1.0, 0.0
        self.performance: float | None = None  # last week's mean quality of a back-office team's staff
        self.internal: float | None = None  # the internal service it receives (None: no staffed provider)
        self.clear_tallies()

    def clear_tallies(self) -> None:
        """Start this week's sums, which the members add to in their passes."""
        self.best_skill = 0.0
        self.reported = self.hidden = self.proposed = self.adopted = 0.0
        self.quality_sum, self.served = 0.0, 0
        self.quality: float | None = None  # this week's mean quality of the staff who served (None: nobody did)
        self.recognised = self.public = 0.0

    def mean_orientation(self) -> float:
        return sum(a.orientation for a in self.members) / len(self.members)


class NaivePerson(FixedAgent):
    """One person: their state as plain attributes, a method per mechanism."""

    model: NaiveModel
    is_leader = False
    reports: Sequence[NaivePerson] = ()  # nobody reports to staff

    def __init__(self, model: NaiveModel, seat: int) -> None:
        super().__init__(model)
        self.seat = seat
        self.cell = model.space[seat]
        self.team = model.teams[model.team_of[seat]]
        self.is_root = model.boss_seat[seat] == seat
        self.frontline = model.frontline_seat[seat]
        self.present = True
        self.boss: NaivePerson = self
        self.ties: list[tuple[float, NaivePerson]] = []  # (weight, person) for everyone I am tied to
        self.tie_weight = 0.0
        self.tenure = 0.0
        self.misfit_weeks = 0
        self.hidden = self.recognised = 0.0

    # ------------------------------------------------------------ who is around me (rebuilt when they change)
    def wire(self) -> None:
        """Point at the person in my boss's seat (the one who left it, while it is empty) and list the
        people in the seats I am tied to, with the ties' weights."""
        m = self.model
        self.boss = self if self.is_root else m.in_seat[m.boss_seat[self.seat]]
        self.ties = [(w, person) for seat, w in m.seat_ties[self.seat] if (person := m.occupant(seat)) is not None]
        self.tie_weight = sum(w for w, _ in self.ties)

    def recognition_chance(self, boost: bool = True) -> float:
        """My leader's recognition rate this week, a running programme included (``boost``)."""
        rate = self.boss.recognition_rate
        if not boost or self.model.boost is None:
            return rate
        return _clip(rate + self.model.boost[self.boss.seat] * (1.0 - rate))

    # ------------------------------------------------------------ the mechanisms, one method each
    def take_orientation(self) -> None:
        self.orientation = self.next_orientation

    def take_cynicism(self) -> None:
        self.cynicism = self.next_cynicism

    def lead(self) -> None:
        m, d, b = self.model, self.model.dyn.leadership, self.boss
        target = (b.integrity + b.support + b.skill + (1.0 - b.gossip) + b.transparency) / 5.0
        trust = self.trust + d.trust_rate * (target - self.trust)
        self.trust = _clip(trust - m.shock * d.shock_trust * (1.0 - b.transparency) * self.trust)
        source = 1.0 if self.is_root else self.trust
        pull = d.pull * source * (1.0 - self.habit) * b.vision * b.orientation * (1.0 - self.orientation)
        self.next_orientation = _clip(self.orientation + pull)  # my reports read my orientation before it moves

    def influence(self) -> None:
        d, x = self.model.dyn.influence, self.orientation
        num = d.self_weight * x + sum(w * p.orientation for w, p in self.ties)
        den = d.self_weight + self.tie_weight
        b = self.boss
        if not self.is_root and b.present:
            w = d.leader_weight * self.trust
            num += w * b.orientation
            den += w
        if self.reports:
            num += d.report_weight * sum(r.orientation for r in self.reports)
            den += d.report_weight * len(self.reports)
        wx = num / den if den > 0 else x
        a = d.anchor * self.habit
        self.next_orientation = a * self.disposition + (1.0 - a) * wx

    def talk(self) -> None:
        m, d, b = self.model, self.model.dyn.negative_talk, self.boss
        rate = self.recognition_chance()
        unrest = d.rumour * m.shock * (1.0 - b.transparency) + d.whiplash * max(self.last_recognition_rate - rate, 0.0)
        self.last_recognition_rate = rate
        den = self.tie_weight
        cbar = sum(w * p.cynicism for w, p in self.ties) / den if den > 0 else self.cynicism
        bias = d.bias * cbar / (d.bias * cbar + 1.0 - cbar)
        seed = d.gossip_seed * b.gossip + d.hypocrisy * b.vision * (1.0 - 2.0 * b.integrity)
        seed = max(-1.0, min(seed, 1.0))  # a vision the leader lives curbs cynicism
        target = _clip((1.0 - m.policies["negative_talk_curb"]) * (bias + seed * (1.0 - bias)))
        c = self.cynicism + d.rate * (target - self.cynicism)
        c = _clip(c + _clip(unrest) * (1.0 - c))
        self.next_cynicism = c  # my neighbours read my cynicism before it moves
        self.orientation = _clip(self.orientation - d.drag * c * (1.0 - self.habit) * self.orientation)

    def train(self) -> None:
        m, t = self.model, self.model.dyn.training
        for seats, dose in m.training_waves:
            if self.seat in seats:
                lift = t.orientation_gain * dose * (1.0 - self.cynicism) * (1.0 - self.habit)
                self.knowledge = _clip(self.knowledge + dose * (1.0 - self.knowledge))
                self.orientation = _clip(self.orientation + lift * (1.0 - self.orientation))
        practice = m.policies["practice_support"] * (1.0 - t.support_share + t.support_share * self.boss.support)
        use = t.everyday_use + (1.0 - t.everyday_use) * practice
        a = t.application_rate * self.orientation * (1.0 - self.cynicism) * use
        gap = max(self.knowledge - self.skill, 0.0)
        fading = t.forgetting * (1.0 - use) * max(self.skill - m.dyn.hiring.market_skill, 0.0)
        self.skill = _clip(self.skill + a * gap - fading)
        self.knowledge = _clip(self.knowledge - t.decay * (1.0 - a) * gap)
        if self.skill > self.team.best_skill:
            self.team.best_skill = self.skill

    def share_knowledge(self) -> None:
        b = self.boss
        # the best practice in my team: its best skill, my leader's included (while the leader is there)
        best = max(self.team.best_skill, b.skill) if b.present else self.team.best_skill
        sharing = self.model.dyn.training.sharing * b.knowledge_sharing
        self.knowledge = _clip(self.knowledge + sharing * max(best - self.knowledge, 0.0))

    def err(self) -> None:
        m, b, team = self.model, self.boss, self.team
        if m.on.mistakes:
            k = m.dyn.mistakes
            made = m.bernoulli(k.rate * (1.0 - self.skill) * (1.0 + team.pressure))
            reported = made * m.bernoulli(self.safety)
            tol = b.mistake_tolerance
            target = tol * (1.0 - k.support_share + k.support_share * b.support) * (1.0 - k.gossip_damage * b.gossip)
            self.safety = _clip(self.safety + k.safety_rate * (k.reaction_floor + reported) * (target - self.safety))
            self.skill = _clip(self.skill + k.learning * reported * (k.learning_floor + tol) * (1.0 - self.skill))
            self.engagement = _clip(self.engagement - k.blame * reported * (1.0 - tol) * self.engagement)
            self.hidden = made - reported
            team.reported += reported
            team.hidden += self.hidden
        if m.on.ideas:
            i = m.dyn.ideas
            lam = i.rate * self.engagement * self.safety * (1.0 - i.support_share + i.support_share * b.support)
            proposed = m.poisson(lam)
            adopted = m.binomial(proposed, b.idea_support)
            e = self.engagement + i.heard_gain * adopted * (1.0 - self.engagement)
            self.engagement = _clip(e - i.ignored_loss * (proposed - adopted) * self.engagement)
            team.proposed += proposed
            team.adopted += adopted

    def serve(self) -> None:
        m, d, team = self.model, self.model.dyn.service, self.team
        internal = team.internal if self.frontline else None
        wi = d.w_internal if internal is not None else 0.0
        num = d.w_skill * self.skill + d.w_orientation * self.orientation + d.w_engagement * self.engagement
        num += wi * (internal or 0.0) + d.w_process * team.process
        cap = num / max(d.w_skill + d.w_orientation + d.w_engagement + wi + d.w_process, 1e-300)
        q = min(cap * (1.0 - d.pressure_effect * team.pressure), team.standard + d.standard_slack)
        noise = m.random.gauss(0.0, d.noise) if m.stochastic and d.noise > 0 else 0.0
        self.performance = _clip(q - d.hidden_penalty * self.hidden + noise)  # this week's quality
        if not self.is_leader:
            team.quality_sum += self.performance
            team.served += 1

    def get_recognised(self) -> None:
        m, d, team = self.model, self.model.dyn.recognition, self.team
        if self.is_root:  # nobody above to recognise the top
            self.recognised = 0.0
            return
        a = m.policies["standards_in_appraisal"]
        score = (1.0 - a) * self.performance + a * self.orientation
        norm = team.quality if team.quality is not None else 0.5
        rate, sd = self.recognition_chance(), d.observation_noise
        if not m.stochastic:
            above = 0.5 * math.erfc(-(score - norm) / sd / math.sqrt(2.0)) if sd > 0 else float(score > norm)
            self.recognised = rate * above
        else:
            seen = score + m.random.gauss(0.0, sd) if sd > 0 else score
            self.recognised = float(seen > norm and m.random.random() < rate)
        team.recognised += self.recognised
        team.public += self.recognised * self.boss.recognition_public

    def feel_recognised(self) -> None:
        d = self.model.dyn.recognition
        dose = self.recognised + d.spillover * self.team.public_share
        self.engagement = _clip(self.engagement + d.engagement_gain * dose * (1.0 - self.engagement))
        lift = d.orientation_gain * dose * (1.0 - self.habit) * (1.0 - self.orientation)
        self.orientation = _clip(self.orientation + lift)

    def engage(self) -> None:
        m, g, team = self.model, self.model.dyn.engagement, self.team
        # the customers' mood I hear: my own team's first-hand at the front, everyone's through shared feedback
        if self.frontline:
            own = team.satisfaction
            heard = own - NEUTRAL_SATISFACTION if math.isfinite(own) else 0.0
        else:
            heard = m.heard_overall
        treatment = g.base + g.w_support * self.boss.support + g.w_trust * self.trust + g.w_safety * self.safety
        treatment += g.w_calm * (1.0 - self.cynicism) - g.w_pressure * team.pressure
        target = _clip(treatment + g.customer_mood * heard)
        self.engagement = _clip(self.engagement + g.rate * (target - self.engagement))

    def hear_customers(self) -> None:
        d, sharing = self.model.dyn.feedback, self.model.policies["feedback_sharing"]
        x = self.orientation + sharing * d.orientation_rate * (1.0 - self.habit) * (1.0 - self.orientation)
        self.orientation = _clip(x)

    def form_habit(self) -> None:
        rate = self.model.dyn.habits.rate
        self.disposition += rate * (1.0 - self.habit) * (self.orientation - self.disposition)

    def settle_in(self) -> None:
        m, d = self.model, self.model.dyn.onboarding
        norm, x, x0 = self.team.norm, self.orientation, self.disposition
        w = m.policies["onboarding"] * d.pull * math.exp(-self.tenure / d.weeks)
        self.orientation = x + w * (norm - x)
        self.disposition = x0 + w * (norm - x0)

    def consider_leaving(self) -> None:
        m, d, pol = self.model, self.model.dyn.turnover, self.model.policies
        e = self.engagement
        hazard = _clip(d.quit_base + d.quit_disengaged * (1.0 - e) ** 2 + d.quit_pressure * self.team.pressure)
        leaving = m.random.random() < hazard
        below = self.orientation < self.team.norm - pol["misfit_threshold"]
        self.misfit_weeks = self.misfit_weeks + 1 if below else 0
        if below and pol["remove_misfits"] and self.misfit_weeks >= int(pol["misfit_weeks"]):
            leaving = True
        if leaving:
            m.leavers.append(self)

    def grow_older(self) -> None:
        self.tenure += 1.0


class NaiveLeader(NaivePerson):
    """A person who leads a team: a leadership style (ten levers, as attributes) and the people reporting."""

    is_leader = True

    def __init__(self, model: NaiveModel, seat: int) -> None:
        super().__init__(model, seat)
        self.reports = []
        self.own: list[float] = []  # my personal style, in STYLE_LEVERS order: what role modelling anchors to

    def wire(self) -> None:
        super().wire()
        m = self.model
        self.reports = [person for seat in m.report_seats[self.seat] if (person := m.occupant(seat)) is not None]

    def model_on_boss(self) -> None:
        b = self.boss
        if self.is_root or not b.present:
            self.next_style = None
            return
        d = self.model.dyn.role_modelling
        rate = d.rate * self.trust
        style = []
        for lever, own in zip(STYLE_LEVERS, self.own, strict=True):
            s = getattr(self, lever)
            style.append(_clip(s + rate * (getattr(b, lever) - s) + d.anchor * (own - s)))
        self.next_style = style  # the leaders reporting to me read my style before it moves

    def take_style(self) -> None:
        if self.next_style is not None:
            for lever, value in zip(STYLE_LEVERS, self.next_style, strict=True):
                setattr(self, lever, value)


class NaiveModel(Model):
    """The per-agent version of ``ServiceCultureModel``: same config, same seed, same starting state."""

    def __init__(self, config: DictConfig | None = None, seed: int | None = None) -> None:
        start = ServiceCultureModel(config, seed=seed, space=False)  # the same org, workforce and styles
        super().__init__(rng=start.seed)  # ``self.random`` and ``self.rng``: this model's own draws
        self.org, self.dyn, self.on, self.cust = start.org, start.dyn, start.on, start.customer_cfg
        self.stochastic = bool(self.on.stochastic)
        self.policies = dict(start.policies)
        self.leadership, self.style_names, self.timeline = start.leadership, start.style_names, start.timeline
        self.style_cdf = list(accumulate(float(self.leadership.mix.get(name, 0.0)) for name in self.style_names))
        o = self.org
        graph = o.graph()
        # a tie's weight lives on its edge (a pair of team leads can be peers and linked by internal
        # service at once, so it is set from the org's tie codes rather than read from the edge's kind)
        weight = {o.PEER: float(self.dyn.influence.peer_weight), o.CROSS: float(self.dyn.influence.cross_weight)}
        ties = sp.triu(o.ties, k=1).tocoo()
        for i, j, code in zip(ties.row.tolist(), ties.col.tolist(), ties.data.tolist(), strict=True):
            graph.edges[i, j]["tie"] = weight[int(code)]
        self.space = Network(graph, random=self.random, layout=None)
        # each seat's tied seats and the ties' weights, read off the space once: the graph never changes
        self.seat_ties: list[list[tuple[int, float]]] = []
        for seat in range(o.n):
            edges = graph.adj[seat]
            pairs = ((other, edges[other].get("tie")) for other in self.space[seat].connections)
            self.seat_ties.append([(other, w) for other, w in pairs if w is not None])
        self.boss_seat = np.where(o.manager >= 0, o.manager, np.arange(o.n)).tolist()
        self.root_seats = np.flatnonzero(o.manager < 0).tolist()
        self.report_seats: list[list[int]] = [[] for _ in range(o.n)]
        for seat, boss in enumerate(o.manager.tolist()):
            if boss >= 0:
                self.report_seats[boss].append(seat)
        self.team_of, self.frontline_seat = o.team.tolist(), o.frontline.tolist()
        self.staff_seats = np.flatnonzero(~o.is_leader).tolist()
        leads = zip(o.frontline_team.tolist(), o.team_leader.tolist(), strict=True)
        self.teams = [Team(k, frontline, seat) for k, (frontline, seat) in enumerate(leads)]
        serves, t = o.serves.tocsr(), start.teams
        for team in self.teams:
            k = team.index
            team.providers = [self.teams[b] for b in serves.indices[serves.indptr[k] : serves.indptr[k + 1]].tolist()]
            team.process, team.standard = float(t.process[k]), float(t.standard[k])
            team.customers, team.satisfaction = float(t.customers[k]), float(t.satisfaction[k])
            team.loyalty, team.expectation = float(t.loyalty[k]), float(t.expectation[k])
        self.seat_open = start.people.open.tolist()
        self.count_open_seats()
        self.in_seat: list[NaivePerson | None] = [None] * o.n
        p, s, own = start.people, start.styles, start.own_styles
        for seat in np.flatnonzero(p.filled).tolist():
            person = (NaiveLeader if o.is_leader[seat] else NaivePerson)(self, seat)
            for name in (*PERSON_VARIABLES, "tenure"):
                setattr(person, name, float(getattr(p, name)[seat]))
            if person.is_leader:
                for lever in STYLE_LEVERS:
                    setattr(person, lever, float(getattr(s, lever)[seat]))
                person.own = [float(getattr(own, lever)[seat]) for lever in STYLE_LEVERS]
                person.style_id = int(s.style_id[seat])
            self.in_seat[seat] = person
            person.team.members.append(person)
        self.vacant = {seat for seat in range(o.n) if self.seat_open[seat] and self.in_seat[seat] is None}
        self.boost: list[float] | None = None
        self.agents.do("wire")
        for person in self.agents:
            person.last_recognition_rate = person.recognition_chance(boost=False)
        self.leavers: list[NaivePerson] = []
        self.flows: dict[str, float] = {}
        self.datacollector = DataCollector(
            model_reporters={name: (lambda m, name=name: m.flows[name]) for name in MODEL_METRICS}
        )
        # one row of values per team a week, kept beside the collector as the vectorised model does (the
        # collector deep-copies every reporter's value, a Python call per number)
        self.team_rows: list[list[list[float]]] = []

    # ------------------------------------------------------------ seats and the people in them
    def occupant(self, seat: int) -> NaivePerson | None:
        person = self.in_seat[seat]
        return person if person is not None and person.present else None

    def count_open_seats(self) -> None:
        for team in self.teams:
            team.open_staff = team.open_frontline = 0
        for seat in self.staff_seats:
            if self.seat_open[seat]:
                team = self.teams[self.team_of[seat]]
                team.open_staff += 1
                team.open_frontline += self.frontline_seat[seat]

    def rewire(self, seats: Iterable[int]) -> None:
        """Rebuild the boss, reports and tie lists of the people in and around ``seats``, whose occupants changed."""
        around: set[int] = set()
        for seat in seats:
            around.add(seat)
            around.add(self.boss_seat[seat])
            around.update(self.report_seats[seat])
            around.update(other for other, _ in self.seat_ties[seat])
        for seat in sorted(around):
            if (person := self.occupant(seat)) is not None:
                person.wire()

    # ------------------------------------------------------------ draws, one number at a time
    def bernoulli(self, p: float) -> float:
        p = _clip(p)
        return float(self.random.random() < p) if self.stochastic else p

    def poisson(self, lam: float) -> float:
        return float(self.rng.poisson(lam)) if self.stochastic else lam

    def binomial(self, n: float, p: float) -> float:
        """Binomial(round(n), p), capped at a fractional ``n``; n * p without draws."""
        p = _clip(p)
        if not self.stochastic:
            return n * p
        trials = round(n)
        return min(float(self.random.binomialvariate(trials, p)), n) if trials > 0 else 0.0

    # ------------------------------------------------------------ the week
    def step(self) -> None:
        week = self.timeline.week(self.steps)
        self.start_week(week)
        self.set_pressure()
        on, agents = self.on, self.agents
        if on.leadership:
            agents.do("lead")
            agents.do("take_orientation")
            leaders = self.agents_by_type[NaiveLeader]
            leaders.do("model_on_boss")
            leaders.do("take_style")
        if on.influence:
            agents.do("influence")
            agents.do("take_orientation")
        if on.negative_talk:
            agents.do("talk")
            agents.do("take_cynicism")
        if on.training:
            agents.do("train")
            agents.do("share_knowledge")
        agents.do("err")
        if on.ideas:
            self.lift_processes()
        self.set_internal_service()
        agents.do("serve")
        for team in self.teams:
            team.quality = team.quality_sum / team.served if team.served else None
        if on.recognition:
            agents.do("get_recognised")
            for team in self.teams:
                team.public_share = team.public / len(team.members) if team.members else 0.0
            agents.do("feel_recognised")
        if on.engagement:
            overall = self.customer_satisfaction()  # last week's, as the customers left it
            sharing = self.policies["feedback_sharing"] if on.feedback else 0.0
            self.heard_overall = sharing * (overall - NEUTRAL_SATISFACTION if math.isfinite(overall) else 0.0)
            agents.do("engage")
        if on.service_standards:
            self.update_standards()
        churned, before = self.update_customers()
        if on.feedback:
            agents.do("hear_customers")
        if on.habits:
            agents.do("form_habit")
        if on.onboarding:
            self.set_team_norms()
            agents.do("settle_in")
        headcount = len(agents)
        leavers = self.turnover_and_hiring(week)
        self.agents.do("grow_older")
        self.record(churned, before, leavers, headcount)

    def start_week(self, week) -> None:
        """This week's events, and what the people read of them as plain Python values."""
        self.policies.update(week.policies)
        for mask, style in week.leadership_changes:
            for seat in np.flatnonzero(mask).tolist():
                if (leader := self.occupant(seat)) is not None:
                    self.give_style(leader, style)
        self.shock = float(week.shock)
        self.training_waves = [(set(np.flatnonzero(mask).tolist()), float(dose)) for mask, dose in week.training]
        self.boost = None if week.recognition_boost is None else week.recognition_boost.tolist()
        demand = week.demand.tolist() if week.demand is not None else [1.0] * len(self.teams)
        for team, level in zip(self.teams, demand, strict=True):
            team.demand = level
            team.clear_tallies()

    def set_pressure(self) -> None:
        """Each team's work pressure from this week's demand, its open seats and its staff's effort."""
        d, per_seat = self.dyn.service, self.cust.per_frontline_seat
        normal = max(d.normal_engagement, 1e-12)
        # work is routed by capacity: each frontline team carries the organisation's customers pro rata
        front = [team for team in self.teams if team.frontline]
        total_capacity = sum(per_seat * team.open_frontline for team in front)
        total_customers = sum(team.customers for team in front)
        for team in self.teams:
            effort = sum(min(a.engagement / normal, 1.0) for a in team.members if not a.is_leader)
            if not team.frontline:
                need = team.open_staff
            else:
                share = per_seat * team.open_frontline / total_capacity if total_capacity > 0 else 0.0
                need = total_customers * share / max(per_seat, 1e-12)
            load = team.demand * (need / max(effort, 1e-12)) if effort > 0 else (2.0 if need > 0 else 0.0)
            team.pressure = _clip(load - 1.0)

    def lift_processes(self) -> None:
        i = self.dyn.ideas
        for team in self.teams:
            per_head = team.adopted / len(team.members) if team.members else 0.0
            p = team.process
            team.process = _clip(p + i.lift * per_head * (1.0 - p) - i.process_decay * (p - i.process_baseline))

    def set_internal_service(self) -> None:
        """Per frontline team: the mean of last week's quality of the back-office teams serving it."""
        for team in self.teams:
            if not team.frontline:
                staff = [a.performance for a in team.members if not a.is_leader]
                team.performance = sum(staff) / len(staff) if staff else None
        for team in self.teams:
            if team.frontline:
                given = [b.performance for b in team.providers if b.performance is not None]
                team.internal = sum(given) / len(given) if given else None

    def set_team_norms(self) -> None:
        for team in self.teams:
            if team.members:
                team.norm = team.mean_orientation()

    def update_standards(self) -> None:
        d, appraisal = self.dyn.service_standards, self.policies["standards_in_appraisal"]
        for team in self.teams:
            anchoring = max(self.in_seat[team.leader_seat].vision, appraisal)
            q = team.quality if team.quality is not None else team.standard
            s = team.standard
            team.standard = _clip(s + d.drift * (1.0 - anchoring) * (q - s) + d.anchor * anchoring * (1.0 - s))

    def update_customers(self) -> tuple[float, float]:
        c = self.cust
        before = sum(team.customers for team in self.teams)
        if not self.on.customers:
            return 0.0, before
        churned = 0.0
        for team in self.teams:
            if not team.frontline:
                continue
            if team.quality is not None:
                q = _clip(team.quality - team.expectation)
                team.satisfaction = (1.0 - c.memory) * team.satisfaction + c.memory * q
            team.loyalty += c.loyalty_rate * (team.satisfaction - team.loyalty)
            p_churn = c.base_churn + c.churn_sensitivity * (1.0 - team.satisfaction) * (1.0 - team.loyalty)
            lost = self.binomial(team.customers, p_churn)
            room = max((1.0 + c.headroom) * c.per_frontline_seat * team.open_frontline - team.customers, 0.0)
            won = self.poisson(c.acquisition * team.satisfaction * room)
            team.customers = max(team.customers - lost + won, 0.0)
            team.satisfaction, team.loyalty = _clip(team.satisfaction), _clip(team.loyalty)
            churned += lost
        return churned, before

    def customer_satisfaction(self) -> float:
        front = [team for team in self.teams if team.frontline]
        weight = sum(team.customers for team in front)
        if weight <= 0:
            return sum(team.satisfaction for team in front) / len(front) if front else math.nan
        return sum(team.satisfaction * team.customers for team in front) / weight

    def turnover_and_hiring(self, week) -> float:
        """Quits and misfits leave, then growth or decline opens or closes seats, then vacancies are filled;
        the people around every seat that changed hands are rewired once at the end."""
        changed: list[int] = []
        if self.on.turnover:
            self.set_team_norms()
            self.leavers = []
            self.agents.do("consider_leaving")
            for person in self.leavers:
                self.leave(person)
                changed.append(person.seat)
        leavers = float(len(changed))
        if self.on.growth and week.growth_rate != 0.0:
            laid_off = self.resize(week.growth_rate)
            changed += laid_off
            leavers += len(laid_off)
        if self.on.hiring and not week.hiring_freeze:
            rate = self.policies["hire_rate"]
            for seat in sorted(self.vacant):
                if self.random.random() < rate:
                    self.hire(seat)
                    changed.append(seat)
        self.rewire(changed)
        return leavers

    def leave(self, person: NaivePerson) -> None:
        """``person`` leaves: their seat remembers them until it is filled, and is a vacancy unless closed."""
        person.present = False
        person.team.members.remove(person)
        if self.seat_open[person.seat]:  # a lay-off closes the seat first
            self.vacant.add(person.seat)
        person.remove()

    def hire(self, seat: int) -> None:
        """A newcomer from the labour market (best of k candidates by orientation), as ``draw_newcomers``."""
        d, draw = self.dyn.hiring, self.random.gauss
        person = (NaiveLeader if self.org.is_leader[seat] else NaivePerson)(self, seat)
        k = 1 + int(round(self.policies["hiring_selectivity"] * (int(d.candidates_max) - 1)))
        best = max(draw(0.0, 1.0) for _ in range(k))
        person.orientation = person.disposition = _clip(d.market_orientation + d.market_spread * best)
        person.skill = _clip(d.market_skill + d.market_skill_spread * draw(0.0, 1.0))
        person.knowledge = person.performance = person.skill
        person.habit = _clip(d.habit_mean + d.habit_spread * draw(0.0, 1.0))
        person.engagement, person.trust = d.newcomer_engagement, d.newcomer_trust
        person.safety, person.cynicism = d.newcomer_safety, d.newcomer_cynicism
        self.in_seat[seat] = person
        self.vacant.discard(seat)
        person.team.members.append(person)
        if person.is_leader:
            pick = self.random.random() * self.style_cdf[-1]
            k = next((i for i, total in enumerate(self.style_cdf) if pick < total), len(self.style_cdf) - 1)
            self.give_style(person, "executive" if person.is_root else self.style_names[k])
        person.wire()
        person.last_recognition_rate = person.recognition_chance(boost=False)

    def give_style(self, leader: NaiveLeader, name: str) -> None:
        """The preset ``name`` (a style, or ``executive``) plus N(0, spread) per lever, as the leader's own."""
        if name == "executive":
            style, leader.style_id = self.leadership.executive, len(self.style_names)
        else:
            style, leader.style_id = self.leadership.styles[name], self.style_names.index(name)
        spread = self.leadership.spread
        leader.own = [_clip(float(getattr(style, lever)) + self.random.gauss(0.0, spread)) for lever in STYLE_LEVERS]
        for lever, value in zip(STYLE_LEVERS, leader.own, strict=True):
            setattr(leader, lever, value)

    def resize(self, rate: float) -> list[int]:
        """Growth opens closed staff seats, decline closes open ones (empty first, then lay-offs);
        returns the seats of the people laid off."""
        staff = self.staff_seats
        count = self.random.binomialvariate(sum(self.seat_open[s] for s in staff), min(abs(rate), 1.0))
        laid_off = []
        if rate > 0:
            closed = [s for s in staff if not self.seat_open[s]]
            self.random.shuffle(closed)
            for seat in closed[:count]:
                self.seat_open[seat] = True
                self.vacant.add(seat)
        else:
            empty = [s for s in staff if self.seat_open[s] and self.occupant(s) is None]
            occupied = [s for s in staff if self.seat_open[s] and self.occupant(s) is not None]
            self.random.shuffle(empty)
            self.random.shuffle(occupied)
            for seat in (empty + occupied)[:count]:
                self.seat_open[seat] = False
                self.vacant.discard(seat)
                if (person := self.occupant(seat)) is not None:
                    self.leave(person)
                    laid_off.append(seat)
        self.count_open_seats()
        return laid_off

    # ------------------------------------------------------------ records
    def record(self, churned: float, before: float, leavers: float, headcount: float) -> None:
        """This week's team rows and model metrics, from one pass over each team's members (plus one for
        the spreads, which need the means first) and the tallies the week's passes left in the teams."""
        nan, teams = math.nan, self.teams
        rows: list[dict[str, float]] = []
        sums = dict.fromkeys(PEOPLE_MEANS, 0.0)
        for team in teams:
            x = e = tr = sa = sk = cy = 0.0
            for a in team.members:
                x += a.orientation
                e += a.engagement
                tr += a.trust
                sa += a.safety
                sk += a.skill
                cy += a.cynicism
            n = len(team.members)
            for name, total in zip(PEOPLE_MEANS, (x, e, tr, sa, sk, cy), strict=True):
                sums[name] += total
            means = [total / n for total in (x, e, tr, sa, sk, cy)] if n else [nan] * 6
            rows.append(dict(zip(PEOPLE_MEANS, means, strict=True)))
        people = sum(len(team.members) for team in teams)
        mu = sums["culture_mean"] / people if people else nan
        spread = gap = 0.0
        newcomers = 0
        weeks = self.dyn.onboarding.weeks
        for team, row in zip(teams, rows, strict=True):
            team_mean, dev = row["culture_mean"], 0.0
            for a in team.members:
                dx = a.orientation - team_mean
                dev += dx * dx
                spread += (a.orientation - mu) ** 2
                if a.tenure < weeks:
                    gap += abs(dx)
                    newcomers += 1
            quality = team.quality
            row |= {
                "culture_spread": math.sqrt(dev / len(team.members)) if team.members else nan,
                "service_quality": nan if quality is None else quality,
                "customer_satisfaction": team.satisfaction,
                "customers": team.customers if team.frontline else 0.0,
                "headcount": float(len(team.members)),
                "service_standard": team.standard,
                "process_quality": team.process,
                "style_id": float(self.in_seat[team.leader_seat].style_id),
            }
        self.team_rows.append([[row[name] for name in TEAM_METRICS] for row in rows])
        roots = [person for seat in self.root_seats if (person := self.occupant(seat)) is not None]
        front = [team for team in teams if team.frontline]
        back = [team for team in teams if not team.frontline]
        customers = sum(team.customers for team in teams)

        def served_mean(group: list[Team]) -> float:
            served = sum(team.served for team in group)
            return sum(team.quality_sum for team in group) / served if served else nan

        def mean(name: str) -> float:
            return sums[name] / people if people else nan

        below_top = people - len(roots)  # the top reports to nobody: no trust in a leader
        trust = (sums["trust"] - sum(a.trust for a in roots)) / below_top if below_top else nan

        self.flows = {
            "culture_mean": mu,
            "culture_spread": math.sqrt(spread / people) if people else nan,
            "engagement": mean("engagement"),
            "trust": trust,
            "psych_safety": mean("psych_safety"),
            "skill": mean("skill"),
            "cynicism": mean("cynicism"),
            "service_quality": served_mean(front),
            "internal_service_quality": served_mean(back),
            "customer_satisfaction": self.customer_satisfaction(),
            "customer_retention": 1.0 - churned / before if before > 0 else nan,
            "customers": customers,
            "revenue": customers * self.cust.price,
            "turnover_rate": leavers / headcount if headcount > 0 else 0.0,
            "headcount": float(people),
            "vacancies": float(len(self.vacant)),
            "mistakes_reported": sum(team.reported for team in teams),
            "mistakes_hidden": sum(team.hidden for team in teams),
            "ideas_proposed": sum(team.proposed for team in teams),
            "ideas_adopted": sum(team.adopted for team in teams),
            "recognitions": sum(team.recognised for team in teams),
            "service_standard": sum(t.standard * len(t.members) for t in teams) / people if people else nan,
            "newcomer_gap": gap / newcomers if newcomers else nan,
        }
        self.datacollector.collect(self)

    def timeseries(self) -> pd.DataFrame:
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(1, len(df) + 1))
        return df

    def team_table(self) -> pd.DataFrame:
        """One row per step x team, as ``ServiceCultureModel.team_table``."""
        o = self.org
        values = np.array(self.team_rows, dtype=float)
        df = pd.DataFrame(values.reshape(self.steps * o.n_teams, -1), columns=list(TEAM_METRICS))
        df.insert(0, "step", np.repeat(np.arange(1, self.steps + 1), o.n_teams))
        df.insert(1, "team", np.tile(np.arange(o.n_teams), self.steps))
        df.insert(2, "team_name", pd.Categorical.from_codes(df["team"].to_numpy(), pd.Index(o.team_names, dtype=str)))
        df.insert(3, "level", np.tile(o.team_level.astype(np.int64), self.steps))
        df.insert(4, "frontline", np.tile(o.frontline_team, self.steps))
        names = np.asarray((*self.style_names, "executive"))
        df.insert(5, "style", pd.Categorical(names[df.pop("style_id").to_numpy().astype(np.int64)]))
        return df


def org_of_about(seats: int) -> list[str]:
    """Overrides for a generated org of about ``seats`` seats: company's shape, 10 staff per team, 10 teams
    per department."""
    departments = max(1, round((seats - 1) / 111))
    return [f"org.departments={departments}", "org.teams_per_department=10", "org.team_size=10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    cfg = load_config(org_of_about(args.seats))
    fast = ServiceCultureModel(cfg, seed=0, space=False)
    naive = NaiveModel(cfg, seed=0)
    timings = {}
    for name, model in (("vectorised", fast), ("naive", naive)):
        start = time.perf_counter()
        for _ in range(args.steps):
            model.step()
        timings[name] = (time.perf_counter() - start) / args.steps
    print(
        f"{fast.org.n} seats: vectorised {timings['vectorised'] * 1e3:.2f} ms/step, naive "
        f"{timings['naive'] * 1e3:.1f} ms/step, ratio {timings['naive'] / timings['vectorised']:.0f}x"
    )


if __name__ == "__main__":
    main()
