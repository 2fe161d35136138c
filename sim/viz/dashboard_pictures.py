"""The workshop page's pictures as SVG the browser draws (:mod:`sim.viz.svg`): the network, the charts of
culture, people, service and turnover with the baseline's faint lines, and the weakest teams.

The server builds a week's pictures in about 10 ms (six matplotlib PNGs took about 900 ms); the
network's edges are built once per org and only its seats are redrawn each week.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.model import ServiceCultureModel
from sim.viz import svg
from sim.viz.measures import BACKOFFICE_COLOUR, FRONTLINE_COLOUR
from sim.viz.measures import label as words
from sim.viz.plots import culture_message, people_message, service_message, team_message, turnover_message
from sim.viz.workshop_model import between_steps

# ---------------------------------------------------------------------------------------- pictures
# The pictures' viewBoxes, near the pixels a 1920-wide projector gives them (three columns of about
# 500 px beside the controls), so their 16-18 unit text shows at 14 px or more.
CHART_BOX = {"width": 500, "height": 300}
NETWORK_BOX = {"width": 380, "height": 380}
TEAMS_SHOWN = 8  # the team bars show the weakest this many: more would not fit a tile at readable size
MESSAGES: dict[str, Callable[[pd.DataFrame, pd.DataFrame | None], str]] = {
    "culture": culture_message,
    "people": people_message,
    "service": service_message,
    "turnover": turnover_message,
}


def panel(
    model: ServiceCultureModel,
    name: str,
    ts: pd.DataFrame,
    baseline: pd.DataFrame | None = None,
    team_metric: str = "culture_mean",
) -> str:
    """One of the dashboard's pictures of ``model`` now, as SVG markup the browser draws (``sim.viz.svg``).

    ``name`` is ``network``, ``culture``, ``people``, ``service``, ``turnover`` or ``teams``; ``ts`` is
    ``model.timeseries()`` and ``baseline`` the baseline model's (drawn faint: the same scenario and
    seed without the room's changes). ``network`` is the seats alone, in a picture the size of
    :func:`network_edges`'s, which a page draws once per org and lays them over.
    """
    o = model.org
    if name == "network":
        with between_steps(model):  # copies of one week: Play may step the model while this one is drawn
            orientation, filled = model.people.orientation.copy(), model.people.filled.copy()
        nodes = svg.network_nodes(o.positions, orientation, o.is_leader, o.frontline, filled, **NETWORK_BOX)
        return network_picture("", nodes)
    if name == "teams":
        with between_steps(model):
            values, week = model.team_now(team_metric), model.steps
        last = pd.DataFrame(  # the columns team_message reads, this week only: cheap to build every week
            {
                "step": week,
                "team": np.arange(values.size),
                "team_name": o.team_names[: values.size].astype(str),
                "frontline": o.frontline_team[: values.size],
                team_metric: values,
            }
        )
        last = last[o.team_size[: values.size] > 1].sort_values(team_metric, kind="stable")
        shown = last.head(TEAMS_SHOWN)
        front = shown["frontline"].to_numpy(dtype=bool)
        weakest = f"{len(shown)} weakest of {len(last)}" if len(last) > len(shown) else "every team"
        return svg.bar_chart(
            [str(n) for n in shown["team_name"]],
            shown[team_metric].to_numpy(dtype=float),
            list(np.where(front, FRONTLINE_COLOUR, BACKOFFICE_COLOUR)),
            legend=[("frontline", FRONTLINE_COLOUR), ("back office / management", BACKOFFICE_COLOUR)],
            title=team_message(last, team_metric) if len(last) else "Teams",
            xlabel=f"{words(team_metric)}, {weakest}",
            name="teams",
            **CHART_BOX,
        )
    with between_steps(model):
        starts, week = model.timeline.starts(), model.steps
    return svg.charts(
        name,
        ts,
        baseline=baseline,
        events=[(start, event) for start, event in starts if start <= week],
        xmax=max(week, 1),
        only=0,
        title=MESSAGES[name](ts, baseline) if len(ts) else None,
        **CHART_BOX,
    )[0]


def network_edges(org) -> str:
    """The network picture without its seats: the org's ties and reporting lines, with the title and
    legend, drawn once per org (seats never move, people do)."""
    background = svg.network_background(org.positions, _edges(org), reports_to=_reports(org), **NETWORK_BOX)
    return network_picture(background, "")


def network_picture(background: str, nodes: str) -> str:
    """The network with its title and legend, of one size whatever it holds, so the page can lay the
    seats (``background`` empty) over the edges (``nodes`` empty) and a week sends only the seats."""
    return svg.network_svg(background, nodes, title="Service orientation", name="network", **NETWORK_BOX, font_px=20)


def _reports(org) -> np.ndarray:
    reports = np.flatnonzero(org.manager >= 0)
    return np.column_stack([reports, org.manager[reports]]).astype(np.int64)


def _edges(org) -> np.ndarray:
    """The org's peer and cross-team ties as (k, 2) seat pairs, each once."""
    ties = org.ties.tocoo()
    upper = ties.row < ties.col
    return np.column_stack([ties.row[upper], ties.col[upper]]).astype(np.int64)
