"""Scheduled interventions on a time line: training waves, leadership changes, recognition
programmes, shocks, demand spikes, hiring freezes, growth and decline, policy changes.

An event starts at ``week`` and again every ``every`` weeks, ``repeats`` times in all; a windowed
kind (recognition_programme, shock, demand_spike, hiring_freeze, growth, policy_change) holds for
``duration`` weeks each time (0: to the end of the run). Instant kinds (training_wave,
leadership_change) act on their start weeks. Steady vs on-off programmes of equal total effort
(C15) are two schedules of the same event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from omegaconf import DictConfig

from sim.config import INSTANT_KINDS, LEADER_KINDS, ORG_WIDE_KINDS, ConfigError
from sim.org import Org

INSTANT = set(INSTANT_KINDS)
logger = logging.getLogger(__name__)


@dataclass
class Week:
    """What the time line asks of one week; the model applies it."""

    shock: float = 0.0
    hiring_freeze: bool = False
    growth_rate: float = 0.0
    demand: np.ndarray | None = None  # per-team workload multiplier
    recognition_boost: np.ndarray | None = None  # per-seat extra recognition rate
    policies: dict[str, float] = field(default_factory=dict)
    training: list[tuple[np.ndarray, float]] = field(default_factory=list)
    leadership_changes: list[tuple[np.ndarray, str]] = field(default_factory=list)
    started: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Scheduled:
    name: str
    kind: str
    starts: tuple[int, ...]
    duration: int
    mask: np.ndarray
    intensity: float
    style: str
    policy: str
    value: float

    def starts_at(self, week: int) -> bool:
        return week in self.starts

    def active_at(self, week: int) -> bool:
        if self.kind in INSTANT:
            return self.starts_at(week)
        return any(s <= week and (self.duration == 0 or week < s + self.duration) for s in self.starts)


class Timeline:
    """The events of a run, resolved against an org once; :meth:`week` is O(events + seats).

    ``horizon`` is the run's last week (``steps``): an event that starts after it is reported in one
    warning line, not refused, since shortening a scenario's run (a quick try, a sweep over ``steps``)
    is a reason to leave its later events out.
    """

    def __init__(self, events_cfg: dict, org: Org, horizon: int | None = None) -> None:
        self.org = org
        self.events: list[_Scheduled] = []
        for name, ev in events_cfg.items():
            self.add(name, ev)
            if horizon is not None and ev.week > horizon:
                logger.warning(
                    "events.%s.week=%d is after the run's last week (steps=%d): the %s never happens",
                    name,
                    ev.week,
                    horizon,
                    ev.kind,
                )

    def _reach(self, name: str, ev: DictConfig) -> np.ndarray:
        """The seats ``ev`` targets; refuses (``ConfigError``) a team, level or department the org does not
        have, and warns when the target exists but reaches nobody the event's kind acts on."""
        org, target, kind = self.org, ev.target, ev.kind
        unit, _, number = target.partition(":")
        if number:
            count = {"team": org.n_teams, "level": org.depth, "department": int(org.department.max()) + 1}[unit]
            if int(number) >= count:
                have = f"{unit}s 0 to {count - 1}" if count else f"no {unit}s"
                raise ConfigError(f"events.{name}.target={target} names no {unit} of this org: it has {have}")
        mask = org.select(target)
        acted_on = mask & org.is_leader if kind in LEADER_KINDS else mask
        # a kind of group empty in this org (frontline teams, say) warns: a scenario is meant for many orgs
        if kind not in ORG_WIDE_KINDS and not acted_on.any():
            who = "no leader" if kind in LEADER_KINDS else "nobody"
            logger.warning("events.%s.target=%s reaches %s in this org: the %s does nothing", name, target, who, kind)
        return mask

    def add(self, name: str, ev: DictConfig, seats: np.ndarray | None = None) -> None:
        """Schedule one more typed event (``sim.config.typed_events``), e.g. an intervention decided mid-run.

        ``seats`` (bool per seat) narrows the event's target to those seats: the dashboard's "replace
        Manager A" is a leadership change aimed at the leaders who lead like Manager A, which no target
        name can express. A target naming a team, level or department the org does not have is refused
        (``ConfigError``).
        """
        mask = self._reach(name, ev)
        if seats is not None:
            mask = mask & seats
        self.events.append(
            _Scheduled(
                name=name,
                kind=ev.kind,
                starts=tuple(int(ev.week) + k * int(ev.every) for k in range(int(ev.repeats) if ev.every else 1)),
                duration=int(ev.duration),
                mask=mask,
                intensity=float(ev.intensity),
                style=str(ev.style),
                policy=str(ev.policy),
                value=float(ev.value),
            )
        )

    def starts(self) -> list[tuple[int, str]]:
        """``(week, event name)`` of every start of every event, in week order (for marking charts)."""
        return sorted((week, ev.name) for ev in self.events for week in ev.starts)

    def week(self, week: int) -> Week:
        """Collect the effects of every event active in ``week``."""
        out = Week()
        for ev in self.events:
            if not ev.active_at(week):
                continue
            if ev.starts_at(week):
                out.started.append(ev.name)
            match ev.kind:
                case "training_wave":
                    out.training.append((ev.mask, ev.intensity))
                case "leadership_change":
                    out.leadership_changes.append((ev.mask & self.org.is_leader, ev.style))
                case "recognition_programme":
                    if out.recognition_boost is None:
                        out.recognition_boost = np.zeros(self.org.n)
                    out.recognition_boost += ev.intensity * ev.mask
                case "shock":
                    out.shock += ev.intensity
                case "demand_spike":
                    if out.demand is None:
                        out.demand = np.ones(self.org.n_teams)
                    hit = np.zeros(self.org.n_teams, dtype=bool)
                    hit[self.org.team[ev.mask]] = True
                    out.demand += ev.intensity * hit
                case "hiring_freeze":
                    out.hiring_freeze = True
                case "growth":
                    out.growth_rate += ev.value
                case "policy_change":
                    out.policies[ev.policy] = ev.value
        return out
