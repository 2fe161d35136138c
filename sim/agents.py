"""Leaders and employees: Mesa agents that are thin views over the model's state arrays.

Each agent sits in a seat (a cell of the model's ``Network`` space). Its attributes read and
write the arrays of ``model.people`` (and, for leaders, ``model.styles``) at that seat, so
``model.agents``, AgentSet selection, DataCollector agent reporters and the dashboard work,
while the mechanisms update everyone at once. A new hire is a new agent (new ``unique_id``) in
the same seat. Agents are lazy: a hire reserves the id, and the object is created on first access
(``model.agents``, ``model.agents_by_type``, ``model.agent_at``) with that id, so a million-seat run
that never asks for them never builds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent
from mesa.discrete_space import FixedAgent

from sim.state import PERSON_VARIABLES, STYLE_LEVERS

if TYPE_CHECKING:
    from sim.model import ServiceCultureModel


class _View:
    """A descriptor mapping ``agent.<name>`` to ``model.<source>.<name>[agent.seat]``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: Person | None, owner: type | None = None):
        if agent is None:
            return self
        return getattr(getattr(agent.model, self.source), self.name)[agent.seat].item()

    def __set__(self, agent: Person, value) -> None:
        getattr(getattr(agent.model, self.source), self.name)[agent.seat] = value


class Person(FixedAgent):
    """Someone in a seat. Attributes are live views of the state arrays (see ``sim.state``)."""

    model: ServiceCultureModel

    def __init__(self, model: ServiceCultureModel, seat: int) -> None:
        # The model reserved this person's id when they were hired (``model.people.person_id``) and
        # creates the object only on first access; Mesa's registration hands out the counter's value,
        # so point the counter at the reserved id for this one registration.
        counter = model.agent_id_counter
        model.agent_id_counter = int(model.people.person_id[seat])
        try:
            super().__init__(model)
        finally:
            model.agent_id_counter = counter
        self.seat = int(seat)
        if model.space is not None:
            self.cell = model.space[self.seat]

    def remove(self) -> None:
        """Leave the model (and the seat's cell, when the model has a space)."""
        if self.cell is None:
            Agent.remove(self)
        else:
            super().remove()

    @property
    def team(self) -> int:
        return int(self.model.org.team[self.seat])

    @property
    def level(self) -> int:
        return int(self.model.org.level[self.seat])

    @property
    def frontline(self) -> bool:
        return bool(self.model.org.frontline[self.seat])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.unique_id}, seat={self.seat})"


for _name in PERSON_VARIABLES + ("tenure",):
    _view = _View("people")
    setattr(Person, _name, _view)
    _view.__set_name__(Person, _name)


class Employee(Person):
    """A member of staff: frontline (serves customers) or back office (serves colleagues)."""


class Leader(Person):
    """Someone with reports. Style levers (``vision``, ``integrity``, ...) are views of ``model.styles``."""

    @property
    def style(self) -> str:
        styles = self.model.styles
        return styles.names[styles.style_id[self.seat]]

    @property
    def leads(self) -> int:
        """The team this leader leads."""
        return int(self.model.org.leads[self.seat])


for _name in STYLE_LEVERS:
    _view = _View("styles")
    setattr(Leader, _name, _view)
    _view.__set_name__(Leader, _name)
