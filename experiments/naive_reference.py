"""The model's rules written the way a Mesa user would write them: the yardstick of the benchmark.

Every person is a Mesa agent with a ``step``-style method per mechanism, scalar Python arithmetic,
neighbours read through the ``Network`` space (each agent looks at the cells it is connected to and
the agents in them), and the mechanisms run as ``model.agents.shuffle_do(...)`` passes. Updates that
read other people's state are two-phase (compute everyone's new value, then ``commit``), which is how
a Mesa user gets the simultaneous update the vectorised model makes; Mesa's order then does not matter.
Records go through Mesa's ``DataCollector``: model reporters for the time series, agent reporters
(every person's values each week) for the team table.

It is the same model as ``sim.model.ServiceCultureModel``: it starts from the very state the
vectorised model builds (same org, same first workforce, same styles) and then steps with its own
per-agent rules. With ``mechanisms.stochastic=false`` and turnover and hiring off, both give the same
time series and team table to 1e-9; with the draws on (each agent draws its own numbers, one at a time) they give
the same means within sampling error (``tests/test_naive_reference.py`` checks both). One difference
by design: a person who left keeps the values they left with, where the vectorised model's arrays keep
updating the empty seat's stale entries; a leader's seat is rarely empty for long, so this is far below
sampling error.

    python experiments/naive_reference.py --seats 2000 --steps 5     # time both, print the ratio
"""

from __future__ import annotations

import argparse
import math
import time

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


def _clip(v: float) -> float:
    return 0.0 if v < 0.0 else 1.0 if v > 1.0 else v


class NaivePerson(FixedAgent):
    """One person: their state as plain attributes, a method per mechanism."""

    model: NaiveModel

    def __init__(self, model: NaiveModel, seat: int) -> None:
        super().__init__(model)
        self.seat = seat
        self.cell = model.space[seat]
        org = model.org
        self.team = int(org.team[seat])
        self.is_leader = bool(org.is_leader[seat])
        self.is_root = bool(org.manager[seat] < 0)
        self.frontline = bool(org.frontline[seat])
        self.backoffice = bool(org.backoffice[seat])
        self.tenure = 0.0
        self.misfit_weeks = 0
        self.quality = math.nan
        self.new: dict[str, float] = {}

    # ------------------------------------------------------------ who is around me (through the space)
    @property
    def boss(self) -> NaivePerson:
        """The person in my manager's seat (the one who left it, while it is empty); myself at the top."""
        return self if self.is_root else self.model.in_seat[self.model.boss_seat[self.seat]]

    def boss_present(self) -> bool:
        return not self.is_root and bool(self.model.space[self.model.boss_seat[self.seat]].agents)

    def tied(self):
        """(tie weight, person) for everyone in a cell I am tied to (peer or cross-team) through the space."""
        edges = self.model.space.G.adj[self.seat]
        for seat, cell in self.cell.connections.items():
            weight = edges[seat].get("tie")
            if weight is not None:
                for other in cell.agents:
                    yield weight, other

    def reports(self):
        for cell in self.model.report_cells[self.seat]:
            yield from cell.agents

    # ------------------------------------------------------------ the mechanisms, one method each
    def commit(self) -> None:
        for name, value in self.new.items():
            setattr(self, name, value)
        self.new = {}

    def lead(self) -> None:
        m, d, b = self.model, self.model.dyn, self.boss
        target = (b.integrity + b.support + b.skill + (1.0 - b.gossip) + b.transparency) / 5.0
        trust = self.trust + d.leadership.trust_rate * (target - self.trust)
        trust = _clip(trust - m.week.shock * d.leadership.shock_trust * (1.0 - b.transparency) * self.trust)
        source = 1.0 if self.is_root else trust
        pull = d.leadership.pull * source * (1.0 - self.habit) * b.vision * b.orientation * (1.0 - self.orientation)
        self.new = {"trust": trust, "orientation": _clip(self.orientation + pull)}

    def model_on_boss(self) -> None:
        if not self.is_leader or self.is_root or not self.boss_present():
            return
        d, b = self.model.dyn, self.boss
        for lever in STYLE_LEVERS:
            s = getattr(self, lever)
            moved = (
                s
                + d.role_modelling.rate * self.trust * (getattr(b, lever) - s)
                + d.role_modelling.anchor * (self.own[lever] - s)
            )
            self.new[lever] = _clip(moved)

    def influence(self) -> None:
        d = self.model.dyn
        num, den = d.influence.self_weight * self.orientation, d.influence.self_weight
        for weight, other in self.tied():
            num += weight * other.orientation
            den += weight
        if self.boss_present():
            w = d.influence.leader_weight * self.trust
            num += w * self.boss.orientation
            den += w
        for other in self.reports():
            num += d.influence.report_weight * other.orientation
            den += d.influence.report_weight
        wx = num / den if den > 0 else self.orientation
        a = d.influence.anchor * self.habit
        self.new = {"orientation": a * self.disposition + (1.0 - a) * wx}

    def talk(self) -> None:
        m, d, b = self.model, self.model.dyn, self.boss
        rate = m.recognition_rate(self)
        unrest = d.negative_talk.rumour * m.week.shock * (1.0 - b.transparency)
        unrest += d.negative_talk.whiplash * max(self.last_recognition_rate - rate, 0.0)
        num = den = 0.0
        for weight, other in self.tied():
            num += weight * other.cynicism
            den += weight
        cbar = num / den if den > 0 else self.cynicism
        bias = d.negative_talk.bias * cbar / (d.negative_talk.bias * cbar + 1.0 - cbar)
        seed = d.negative_talk.gossip_seed * b.gossip + d.negative_talk.hypocrisy * b.vision * (1.0 - 2.0 * b.integrity)
        seed = max(-1.0, min(seed, 1.0))  # a vision the leader lives curbs cynicism
        target = _clip((1.0 - m.policies["negative_talk_curb"]) * (bias + seed * (1.0 - bias)))
        c = self.cynicism + d.negative_talk.rate * (target - self.cynicism)
        c = _clip(c + _clip(unrest) * (1.0 - c))
        x = _clip(self.orientation - d.negative_talk.drag * c * (1.0 - self.habit) * self.orientation)
        self.new = {"cynicism": c, "orientation": x, "last_recognition_rate": rate}

    def train(self) -> None:
        m, d = self.model, self.model.dyn
        for mask, dose in m.week.training:
            if mask[self.seat]:
                lift = d.training.orientation_gain * dose * (1.0 - self.cynicism) * (1.0 - self.habit)
                self.knowledge = _clip(self.knowledge + dose * (1.0 - self.knowledge))
                self.orientation = _clip(self.orientation + lift * (1.0 - self.orientation))
        t = d.training
        practice = m.policies["practice_support"] * (1.0 - t.support_share + t.support_share * self.boss.support)
        use = t.everyday_use + (1.0 - t.everyday_use) * practice
        a = d.training.application_rate * self.orientation * (1.0 - self.cynicism) * use
        gap = max(self.knowledge - self.skill, 0.0)
        fading = d.training.forgetting * (1.0 - use) * max(self.skill - d.hiring.market_skill, 0.0)
        self.skill = _clip(self.skill + a * gap - fading)
        self.knowledge = _clip(self.knowledge - d.training.decay * (1.0 - a) * gap)

    def share_knowledge(self) -> None:
        m, d, b = self.model, self.model.dyn, self.boss
        # the best practice in my team: its best skill, my leader's included (while the leader is there)
        best = m.best_skill.get(self.team, 0.0)
        if self.is_root or self.boss_present():
            best = max(best, b.skill)
        self.knowledge = _clip(
            self.knowledge + d.training.sharing * b.knowledge_sharing * max(best - self.knowledge, 0.0)
        )

    def err(self) -> None:
        m, d, b = self.model, self.model.dyn, self.boss
        if m.on.mistakes:
            made = m.bernoulli(d.mistakes.rate * (1.0 - self.skill) * (1.0 + m.pressure[self.team]))
            reported = made * m.bernoulli(self.safety)
            tol, k = b.mistake_tolerance, d.mistakes
            target = tol * (1.0 - k.support_share + k.support_share * b.support) * (1.0 - k.gossip_damage * b.gossip)
            self.safety = _clip(self.safety + k.safety_rate * (k.reaction_floor + reported) * (target - self.safety))
            self.skill = _clip(self.skill + k.learning * reported * (k.learning_floor + tol) * (1.0 - self.skill))
            self.engagement = _clip(self.engagement - k.blame * reported * (1.0 - tol) * self.engagement)
            self.reported, self.hidden = reported, made - reported
        else:
            self.reported = self.hidden = 0.0
        if m.on.ideas:
            i = d.ideas
            lam = i.rate * self.engagement * self.safety * (1.0 - i.support_share + i.support_share * b.support)
            self.proposed = m.poisson(lam)
            self.adopted = m.binomial(self.proposed, b.idea_support)
            e = self.engagement + i.heard_gain * self.adopted * (1.0 - self.engagement)
            self.engagement = _clip(e - i.ignored_loss * (self.proposed - self.adopted) * self.engagement)
        else:
            self.proposed = self.adopted = 0.0

    def serve(self) -> None:
        m, d = self.model, self.model.dyn
        internal = m.internal[self.team] if self.frontline else None
        wi = d.service.w_internal if internal is not None else 0.0
        num = (
            d.service.w_skill * self.skill
            + d.service.w_orientation * self.orientation
            + d.service.w_engagement * self.engagement
        )
        num += wi * (internal or 0.0) + d.service.w_process * m.process[self.team]
        cap = num / (d.service.w_skill + d.service.w_orientation + d.service.w_engagement + wi + d.service.w_process)
        q = min(
            cap * (1.0 - d.service.pressure_effect * m.pressure[self.team]),
            m.standard[self.team] + d.service.standard_slack,
        )
        noise = m.rng.normal(0.0, d.service.noise) if m.on.stochastic and d.service.noise > 0 else 0.0
        self.quality = _clip(q - d.service.hidden_penalty * self.hidden + noise)
        self.performance = self.quality

    def get_recognised(self) -> None:
        m, d = self.model, self.model.dyn
        if self.is_root:
            self.recognised = 0.0
            return
        a = m.policies["standards_in_appraisal"]
        score = (1.0 - a) * self.performance + a * self.orientation
        norm = m.team_quality.get(self.team, 0.5)
        rate, sd = m.recognition_rate(self), d.recognition.observation_noise
        if not m.on.stochastic:
            above = 0.5 * math.erfc(-(score - norm) / sd / math.sqrt(2.0)) if sd > 0 else float(score > norm)
            self.recognised = rate * above
        else:
            seen = score + m.rng.normal(0.0, sd) if sd > 0 else score
            self.recognised = float(seen > norm and m.rng.random() < rate)

    def feel_recognised(self) -> None:
        m, d = self.model, self.model.dyn
        dose = self.recognised + d.recognition.spillover * m.public_share[self.team]
        self.engagement = _clip(self.engagement + d.recognition.engagement_gain * dose * (1.0 - self.engagement))
        lift = d.recognition.orientation_gain * dose * (1.0 - self.habit) * (1.0 - self.orientation)
        self.orientation = _clip(self.orientation + lift)

    def engage(self) -> None:
        m, d = self.model, self.model.dyn
        # the customers' mood I hear: my own team's first-hand at the front, everyone's through shared feedback
        if self.frontline:
            own = m.satisfaction[self.team]
            heard = own - NEUTRAL_SATISFACTION if math.isfinite(own) else 0.0
        else:
            sharing = m.policies["feedback_sharing"] if m.on.feedback else 0.0
            overall = m.overall_satisfaction
            heard = sharing * (overall - NEUTRAL_SATISFACTION if math.isfinite(overall) else 0.0)
        g = d.engagement
        treatment = g.base + g.w_support * self.boss.support + g.w_trust * self.trust + g.w_safety * self.safety
        treatment += g.w_calm * (1.0 - self.cynicism) - g.w_pressure * m.pressure[self.team]
        target = _clip(treatment + d.engagement.customer_mood * heard)
        self.engagement = _clip(self.engagement + d.engagement.rate * (target - self.engagement))

    def hear_customers(self) -> None:
        d, sharing = self.model.dyn, self.model.policies["feedback_sharing"]
        x = self.orientation + sharing * d.feedback.orientation_rate * (1.0 - self.habit) * (1.0 - self.orientation)
        self.orientation = _clip(x)

    def form_habit(self) -> None:
        rate = self.model.dyn.habits.rate
        self.disposition += rate * (1.0 - self.habit) * (self.orientation - self.disposition)

    def settle_in(self) -> None:
        m, d = self.model, self.model.dyn
        norm = m.team_orientation[self.team]
        w = m.policies["onboarding"] * d.onboarding.pull * math.exp(-self.tenure / d.onboarding.weeks)
        self.new = {
            "orientation": self.orientation + w * (norm - self.orientation),
            "disposition": self.disposition + w * (norm - self.disposition),
        }

    def consider_leaving(self) -> None:
        m, d, pol = self.model, self.model.dyn, self.model.policies
        hazard = _clip(
            d.turnover.quit_base
            + d.turnover.quit_disengaged * (1.0 - self.engagement) ** 2
            + d.turnover.quit_pressure * m.pressure[self.team]
        )
        self.leaving = m.rng.random() < hazard
        below = self.orientation < m.misfit_norm[self.team] - pol["misfit_threshold"]
        self.misfit_weeks = self.misfit_weeks + 1 if below else 0
        if below and pol["remove_misfits"] and self.misfit_weeks >= int(pol["misfit_weeks"]):
            self.leaving = True


class NaiveModel(Model):
    """The per-agent version of ``ServiceCultureModel``: same config, same seed, same starting state."""

    def __init__(self, config: DictConfig | None = None, seed: int | None = None) -> None:
        start = ServiceCultureModel(config, seed=seed, space=False)  # the same org, workforce and styles
        super().__init__(rng=start.seed)  # ``self.rng``: this model's own draws, one number at a time
        self.org, self.dyn, self.on, self.cust = start.org, start.dyn, start.on, start.customer_cfg
        self.policies = dict(start.policies)
        self.leadership, self.style_names, self.timeline = start.leadership, start.style_names, start.timeline
        o = self.org
        graph = o.graph()
        # a tie's weight lives on its edge (a pair of team leads can be peers and linked by internal
        # service at once, so it is set from the org's tie codes rather than read from the edge's kind)
        weight = {o.PEER: float(self.dyn.influence.peer_weight), o.CROSS: float(self.dyn.influence.cross_weight)}
        ties = sp.triu(o.ties, k=1).tocoo()
        for i, j, code in zip(ties.row.tolist(), ties.col.tolist(), ties.data.tolist(), strict=True):
            graph.edges[i, j]["tie"] = weight[int(code)]
        self.space = Network(graph, random=self.random, layout=None)
        self.boss_seat = np.where(o.manager >= 0, o.manager, np.arange(o.n)).tolist()
        self.report_cells = [[] for _ in range(o.n)]
        for seat, boss in enumerate(o.manager.tolist()):
            if boss >= 0:
                self.report_cells[boss].append(self.space[seat])
        self.seat_open = start.people.open.tolist()
        self.in_seat: list[NaivePerson | None] = [None] * o.n
        p, s, own = start.people, start.styles, start.own_styles
        for seat in np.flatnonzero(p.filled).tolist():
            agent = NaivePerson(self, seat)
            for name in (*PERSON_VARIABLES, "tenure"):
                setattr(agent, name, float(getattr(p, name)[seat]))
            for lever in STYLE_LEVERS:
                setattr(agent, lever, float(getattr(s, lever)[seat]))
            agent.own = {lever: float(getattr(own, lever)[seat]) for lever in STYLE_LEVERS}
            agent.style_id = int(s.style_id[seat])
            self.in_seat[seat] = agent
        for agent in self.agents:
            agent.last_recognition_rate = self.recognition_rate(agent, boost=None)
        t = start.teams
        self.process, self.standard = t.process.tolist(), t.standard.tolist()
        self.customers, self.satisfaction = t.customers.tolist(), t.satisfaction.tolist()
        self.loyalty, self.expectation = t.loyalty.tolist(), t.expectation.tolist()
        self.demand = [1.0] * o.n_teams
        self.week = start.week
        self.flows: dict[str, float] = {}
        # the Mesa way to the team table: every person's values each week (agent reporters), grouped later
        self.datacollector = DataCollector(
            model_reporters={
                **{name: (lambda m, name=name: m.flows[name]) for name in MODEL_METRICS},
                "teams": lambda m: m.team_state(),
            },
            agent_reporters={
                **{name: name for name in ("team", "orientation", "engagement", "trust", "safety", "skill")},
                **{name: name for name in ("cynicism", "quality", "is_leader")},
            },
        )

    # ------------------------------------------------------------ draws, one number at a time
    def bernoulli(self, p: float) -> float:
        p = _clip(p)
        return float(self.rng.random() < p) if self.on.stochastic else p

    def poisson(self, lam: float) -> float:
        return float(self.rng.poisson(lam)) if self.on.stochastic else lam

    def binomial(self, n: float, p: float) -> float:
        p = _clip(p)
        return float(self.rng.binomial(round(n), p)) if self.on.stochastic else n * p

    def recognition_rate(self, agent: NaivePerson, boost: str | None = "week") -> float:
        rate = agent.boss.recognition_rate
        if boost is None or self.week.recognition_boost is None:
            return rate
        return _clip(rate + self.week.recognition_boost[self.boss_seat[agent.seat]] * (1.0 - rate))

    def members(self, team_of=lambda a: True) -> dict[int, list[NaivePerson]]:
        teams: dict[int, list[NaivePerson]] = {}
        for agent in self.agents:
            if team_of(agent):
                teams.setdefault(agent.team, []).append(agent)
        return teams

    # ------------------------------------------------------------ the week
    def step(self) -> None:
        self.week = week = self.timeline.week(self.steps)
        self.policies.update(week.policies)
        for mask, style in week.leadership_changes:
            for agent in list(self.agents):
                if mask[agent.seat]:
                    self.give_style(agent, style)
        if self.on.growth and week.growth_rate != 0.0:
            self.resize(week.growth_rate)
        self.demand = week.demand.tolist() if week.demand is not None else [1.0] * self.org.n_teams
        self.pressure = self.team_pressure()
        on = self.on
        agents = self.agents
        if on.leadership:
            agents.shuffle_do("lead")
            agents.do("commit")
            agents.shuffle_do("model_on_boss")
            agents.do("commit")
        if on.influence:
            agents.shuffle_do("influence")
            agents.do("commit")
        if on.negative_talk:
            agents.shuffle_do("talk")
            agents.do("commit")
        if on.training:
            agents.shuffle_do("train")
            teams = self.members()
            self.best_skill = {t: max(a.skill for a in ms) for t, ms in teams.items()}
            agents.shuffle_do("share_knowledge")
        agents.shuffle_do("err")
        if on.ideas:
            self.lift_processes()
        self.internal = self.internal_service()
        agents.shuffle_do("serve")
        staff = self.members(lambda a: not a.is_leader)
        self.team_quality = {t: sum(a.quality for a in ms) / len(ms) for t, ms in staff.items()}
        if on.recognition:
            agents.shuffle_do("get_recognised")
            teams = self.members()
            public = {t: sum(a.recognised * a.boss.recognition_public for a in ms) / len(ms) for t, ms in teams.items()}
            self.public_share = [public.get(t, 0.0) for t in range(self.org.n_teams)]
            agents.shuffle_do("feel_recognised")
        else:
            agents.do(lambda a: setattr(a, "recognised", 0.0))
        if on.engagement:
            self.overall_satisfaction = self.customer_satisfaction()  # last week's, as the customers left it
            agents.shuffle_do("engage")
        if on.service_standards:
            self.update_standards()
        churned, before = self.update_customers()
        if on.feedback:
            agents.shuffle_do("hear_customers")
        if on.habits:
            agents.shuffle_do("form_habit")
        if on.onboarding:
            teams = self.members()
            self.team_orientation = {t: sum(a.orientation for a in ms) / len(ms) for t, ms in teams.items()}
            agents.shuffle_do("settle_in")
            agents.do("commit")
        flows = {
            "reported": sum(a.reported for a in agents),
            "hidden": sum(a.hidden for a in agents),
            "proposed": sum(a.proposed for a in agents),
            "adopted": sum(a.adopted for a in agents),
            "recognised": sum(a.recognised for a in agents),
        }
        served = [(a.seat, a.quality) for a in agents]
        headcount = len(agents)
        leavers = self.turnover_and_hiring(week)
        for agent in self.agents:
            agent.tenure += 1.0
        self.record(flows, served, churned, before, leavers, headcount)

    def capacity(self) -> list[float]:
        """Per team: the customers it can look after, customers per seat x its open frontline seats."""
        o = self.org
        seats = [0.0] * o.n_teams
        for seat in np.flatnonzero(o.frontline).tolist():
            seats[int(o.team[seat])] += self.seat_open[seat]
        return [self.cust.per_frontline_seat * n for n in seats]

    def team_pressure(self) -> list[float]:
        o, d = self.org, self.dyn
        # work is routed by capacity: each frontline team carries the organisation's customers pro rata
        capacity, front = self.capacity(), np.flatnonzero(o.frontline_team).tolist()
        total_capacity = sum(capacity[t] for t in front)
        total_customers = sum(self.customers[t] for t in front)
        open_staff = [0.0] * o.n_teams
        for seat in np.flatnonzero(~o.is_leader).tolist():
            open_staff[int(o.team[seat])] += self.seat_open[seat]
        effort = [0.0] * o.n_teams
        for agent in self.agents:
            if not agent.is_leader:
                effort[agent.team] += min(agent.engagement / max(d.service.normal_engagement, 1e-12), 1.0)
        out = []
        for t in range(o.n_teams):
            if not o.frontline_team[t]:
                need = open_staff[t]
            else:
                routed = total_customers * capacity[t] / total_capacity if total_capacity > 0 else 0.0
                need = routed / max(self.cust.per_frontline_seat, 1e-12)
            load = self.demand[t] * need / effort[t] if effort[t] > 0 else (2.0 if need > 0 else 0.0)
            out.append(_clip(load - 1.0))
        return out

    def lift_processes(self) -> None:
        d = self.dyn
        for t, ms in self.members().items():
            per_head = sum(a.adopted for a in ms) / len(ms)
            p = self.process[t]
            self.process[t] = _clip(
                p + d.ideas.lift * per_head * (1.0 - p) - d.ideas.process_decay * (p - d.ideas.process_baseline)
            )
        for t in set(range(self.org.n_teams)) - set(self.members()):
            p = self.process[t]
            self.process[t] = _clip(p - d.ideas.process_decay * (p - d.ideas.process_baseline))

    def internal_service(self) -> list[float | None]:
        """Per team: the mean of last week's quality of the back-office teams serving it (None: no provider)."""
        back = self.members(lambda a: a.backoffice)
        q = {t: sum(a.performance for a in ms) / len(ms) for t, ms in back.items()}
        serves = self.org.serves.tolil()
        out: list[float | None] = []
        for t in range(self.org.n_teams):
            given = [q[b] for b in serves.rows[t] if b in q]
            out.append(sum(given) / len(given) if given else None)
        return out

    def update_standards(self) -> None:
        d, pol = self.dyn, self.policies
        for t in range(self.org.n_teams):
            leader = self.in_seat[int(self.org.team_leader[t])]
            anchoring = max(leader.vision, pol["standards_in_appraisal"])
            q = self.team_quality.get(t, self.standard[t])
            s = self.standard[t]
            self.standard[t] = _clip(
                s
                + d.service_standards.drift * (1.0 - anchoring) * (q - s)
                + d.service_standards.anchor * anchoring * (1.0 - s)
            )

    def update_customers(self) -> tuple[float, float]:
        c, o = self.cust, self.org
        before = sum(n for n in self.customers if math.isfinite(n))
        if not self.on.customers:
            return 0.0, before
        capacity = self.capacity()
        churned = 0.0
        for t in np.flatnonzero(o.frontline_team).tolist():
            quality = self.team_quality.get(t)
            if quality is not None:
                q = _clip(quality - self.expectation[t])
                self.satisfaction[t] = (1.0 - c.memory) * self.satisfaction[t] + c.memory * q
            self.loyalty[t] += c.loyalty_rate * (self.satisfaction[t] - self.loyalty[t])
            p_churn = c.base_churn + c.churn_sensitivity * (1.0 - self.satisfaction[t]) * (1.0 - self.loyalty[t])
            lost = self.binomial(self.customers[t], p_churn)
            room = max((1.0 + c.headroom) * capacity[t] - self.customers[t], 0.0)
            won = self.poisson(c.acquisition * self.satisfaction[t] * room)
            self.customers[t] = max(self.customers[t] - lost + won, 0.0)
            self.satisfaction[t], self.loyalty[t] = _clip(self.satisfaction[t]), _clip(self.loyalty[t])
            churned += lost
        return churned, before

    def customer_satisfaction(self) -> float:
        front = np.flatnonzero(self.org.frontline_team).tolist()
        weight = sum(self.customers[t] for t in front)
        if weight <= 0:
            return sum(self.satisfaction[t] for t in front) / len(front) if front else math.nan
        return sum(self.satisfaction[t] * self.customers[t] for t in front) / weight

    def turnover_and_hiring(self, week) -> float:
        leavers = 0.0
        if self.on.turnover:
            teams = self.members()
            self.misfit_norm = {t: sum(a.orientation for a in ms) / len(ms) for t, ms in teams.items()}
            self.agents.shuffle_do("consider_leaving")
            for agent in [a for a in self.agents if a.leaving]:
                agent.remove()  # the seat remembers them (``in_seat``) until it is filled
                leavers += 1
        if self.on.hiring and not week.hiring_freeze:
            rate = self.policies["hire_rate"]
            for seat in range(self.org.n):
                if self.seat_open[seat] and not self.space[seat].agents and self.rng.random() < rate:
                    self.hire(seat)
        return leavers

    def hire(self, seat: int) -> None:
        """A newcomer from the labour market (best of k candidates by orientation), as ``draw_newcomers``."""
        d = self.dyn
        k = 1 + int(round(self.policies["hiring_selectivity"] * (int(d.hiring.candidates_max) - 1)))
        agent = NaivePerson(self, seat)
        best = max(self.rng.standard_normal() for _ in range(k))
        agent.orientation = _clip(d.hiring.market_orientation + d.hiring.market_spread * best)
        agent.disposition = agent.orientation
        agent.skill = _clip(d.hiring.market_skill + d.hiring.market_skill_spread * self.rng.standard_normal())
        agent.knowledge = agent.performance = agent.skill
        agent.habit = _clip(d.hiring.habit_mean + d.hiring.habit_spread * self.rng.standard_normal())
        agent.engagement, agent.trust = d.hiring.newcomer_engagement, d.hiring.newcomer_trust
        agent.safety, agent.cynicism = d.hiring.newcomer_safety, d.hiring.newcomer_cynicism
        self.in_seat[seat] = agent
        if agent.is_leader:
            shares = [float(self.leadership.mix.get(name, 0.0)) for name in self.style_names]
            pick = self.rng.random() * sum(shares)
            k = next((i for i, total in enumerate(np.cumsum(shares)) if pick < total), len(shares) - 1)
            self.give_style(agent, "executive" if agent.is_root else self.style_names[k])
        agent.last_recognition_rate = self.recognition_rate(agent, boost=None)

    def give_style(self, agent: NaivePerson, name: str) -> None:
        """The preset ``name`` (a style, or ``executive``) plus N(0, spread) per lever, as the leader's own."""
        if name == "executive":
            style, agent.style_id = self.leadership.executive, len(self.style_names)
        else:
            style, agent.style_id = self.leadership.styles[name], self.style_names.index(name)
        agent.own = {}
        for lever in STYLE_LEVERS:
            agent.own[lever] = _clip(float(getattr(style, lever)) + self.rng.normal(0.0, self.leadership.spread))
            setattr(agent, lever, agent.own[lever])

    def resize(self, rate: float) -> None:
        """Growth opens closed staff seats, decline closes open ones (empty first, then lay-offs)."""
        staff = np.flatnonzero(~self.org.is_leader).tolist()
        count = int(self.rng.binomial(sum(self.seat_open[s] for s in staff), min(abs(rate), 1.0)))
        if rate > 0:
            chosen = [s for s in staff if not self.seat_open[s]]
            self.random.shuffle(chosen)
            for seat in chosen[:count]:
                self.seat_open[seat] = True
            return
        empty = [s for s in staff if self.seat_open[s] and not self.space[s].agents]
        occupied = [s for s in staff if self.seat_open[s] and self.space[s].agents]
        self.random.shuffle(empty)
        self.random.shuffle(occupied)
        for seat in (empty + occupied)[:count]:
            self.seat_open[seat] = False
            for agent in list(self.space[seat].agents):
                agent.remove()

    # ------------------------------------------------------------ records
    def record(
        self, flows: dict, served: list, churned: float, before: float, leavers: float, headcount: float
    ) -> None:
        agents, o, d = list(self.agents), self.org, self.dyn

        def mean(values: list[float]) -> float:
            return sum(values) / len(values) if values else math.nan

        x = [a.orientation for a in agents]
        mu = mean(x)
        customers = sum(n for n in self.customers if math.isfinite(n))
        teams = self.members()
        team_x = {t: mean([a.orientation for a in ms]) for t, ms in teams.items()}
        new = [abs(a.orientation - team_x[a.team]) for a in agents if a.tenure < d.onboarding.weeks]
        members = {t: len(ms) for t, ms in teams.items()}
        total = sum(members.values())
        self.flows = {
            "culture_mean": mu,
            "culture_spread": math.sqrt(mean([(v - mu) ** 2 for v in x])) if x else math.nan,
            "engagement": mean([a.engagement for a in agents]),
            "trust": mean([a.trust for a in agents if not a.is_root]),
            "psych_safety": mean([a.safety for a in agents]),
            "skill": mean([a.skill for a in agents]),
            "cynicism": mean([a.cynicism for a in agents]),
            "service_quality": mean([q for seat, q in served if o.frontline[seat]]),
            "internal_service_quality": mean([q for seat, q in served if o.backoffice[seat]]),
            "customer_satisfaction": self.customer_satisfaction(),
            "customer_retention": 1.0 - churned / before if before > 0 else math.nan,
            "customers": customers,
            "revenue": customers * self.cust.price,
            "turnover_rate": leavers / headcount if headcount > 0 else 0.0,
            "headcount": float(len(agents)),
            "vacancies": float(sum(self.seat_open[s] and not self.space[s].agents for s in range(o.n))),
            "mistakes_reported": flows["reported"],
            "mistakes_hidden": flows["hidden"],
            "ideas_proposed": flows["proposed"],
            "ideas_adopted": flows["adopted"],
            "recognitions": flows["recognised"],
            "service_standard": sum(self.standard[t] * n for t, n in members.items()) / total if total else math.nan,
            "newcomer_gap": mean(new),
        }
        self.datacollector.collect(self)

    def team_state(self) -> dict[str, list]:
        """This week's team-level values (the ones that belong to a team, not to its people)."""
        front = self.org.frontline_team.tolist()
        return {
            "customer_satisfaction": list(self.satisfaction),
            "customers": [n if f else 0.0 for n, f in zip(self.customers, front, strict=True)],
            "service_standard": list(self.standard),
            "process_quality": list(self.process),
            "style_id": [float(self.in_seat[int(s)].style_id) for s in self.org.team_leader],
        }

    def timeseries(self) -> pd.DataFrame:
        df = self.datacollector.get_model_vars_dataframe().drop(columns="teams").reset_index(drop=True)
        df.insert(0, "step", np.arange(1, len(df) + 1))
        return df

    def team_table(self) -> pd.DataFrame:
        """One row per step x team, as ``ServiceCultureModel.team_table``: people's values grouped by team."""
        o = self.org
        people = self.datacollector.get_agent_vars_dataframe().reset_index()
        people["served"] = people["quality"].fillna(0.0).where(~people["is_leader"].astype(bool))
        by = people.groupby(["Step", "team"])
        grid = pd.MultiIndex.from_product([range(1, self.steps + 1), range(o.n_teams)], names=["Step", "team"])
        means = by[["orientation", "engagement", "trust", "safety", "skill", "cynicism", "served"]].mean()
        people_side = pd.DataFrame(
            {
                "culture_mean": means["orientation"],
                "culture_spread": by["orientation"].std(ddof=0),
                "engagement": means["engagement"],
                "trust": means["trust"],
                "psych_safety": means["safety"],
                "skill": means["skill"],
                "cynicism": means["cynicism"],
                "service_quality": means["served"],
                "headcount": by.size().astype(float),
            }
        ).reindex(grid)
        people_side["headcount"] = people_side["headcount"].fillna(0.0)
        teams = self.datacollector.get_model_vars_dataframe()["teams"]
        team_side = pd.DataFrame({key: np.concatenate([week[key] for week in teams]) for key in teams.iloc[0]})
        df = pd.concat([people_side.reset_index(drop=True), team_side], axis=1)[list(TEAM_METRICS)]
        df.insert(0, "step", np.repeat(np.arange(1, self.steps + 1), o.n_teams))
        df.insert(1, "team", np.tile(np.arange(o.n_teams), self.steps))
        df.insert(2, "level", np.tile(o.team_level.astype(np.int64), self.steps))
        df.insert(3, "frontline", np.tile(o.frontline_team, self.steps))
        names = np.asarray((*self.style_names, "executive"))
        df.insert(4, "style", pd.Categorical(names[df.pop("style_id").to_numpy().astype(np.int64)]))
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
