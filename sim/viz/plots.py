"""The standard figures of a run.

Object-oriented matplotlib only (``Figure`` objects, never pyplot), so it needs no backend, works
headless and can be called from several threads at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

if TYPE_CHECKING:
    from sim.model import ServiceCultureModel
    from sim.run import RunResult

WEEK = "week"
FRONTLINE_COLOUR, BACKOFFICE_COLOUR = "tab:orange", "tab:blue"
# Metrics that are not shares or scores in [0, 1] (docs/outputs.md: the name says so).
UNBOUNDED = frozenset(
    {
        "customers",
        "revenue",
        "headcount",
        "vacancies",
        "mistakes_reported",
        "mistakes_hidden",
        "ideas_proposed",
        "ideas_adopted",
        "recognitions",
    }
)
EDGE_STYLES = {
    "reports_to": {"colors": "0.3", "linewidths": 0.8, "linestyles": "solid"},
    "peer": {"colors": "0.7", "linewidths": 0.4, "linestyles": "solid"},
    "cross": {"colors": "0.8", "linewidths": 0.3, "linestyles": "solid"},
    "internal_service": {"colors": "0.55", "linewidths": 0.6, "linestyles": "dashed"},
}


def _label(column: str) -> str:
    return column.replace("_", " ")


def _finish(ax: Axes, title: str, ylabel: str, unit_interval: bool) -> None:
    ax.set(title=title, xlabel=WEEK, ylabel=ylabel)
    if unit_interval:
        ax.set_ylim(0, 1)
    else:
        ax.set_ylim(bottom=0)
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)


def _lines(ax: Axes, ts: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        ax.plot(ts["step"], ts[column], label=_label(column))


def culture_figure(ts: pd.DataFrame) -> Figure:
    """Culture strength (mean service orientation +/- one spread) and consensus (the spread).

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series (``step``, ``culture_mean``, ``culture_spread``).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: the mean with its band, and the spread.
    """
    fig = Figure(figsize=(10, 4), layout="constrained")
    level, spread = fig.subplots(1, 2)
    mean, sd = ts["culture_mean"], ts["culture_spread"]
    level.fill_between(ts["step"], mean - sd, mean + sd, alpha=0.25, label="+/- spread")
    level.plot(ts["step"], mean, label="culture mean")
    _finish(level, "Culture strength", "service orientation (0-1)", unit_interval=True)
    spread.plot(ts["step"], sd, color="tab:purple", label="culture spread")
    # The spread of values in [0, 1] is at most 0.5 and usually far less: a 0..1 axis would flatten it.
    _finish(spread, "Consensus (lower spread = stronger)", "sd of orientation", unit_interval=False)
    return fig


def people_figure(ts: pd.DataFrame) -> Figure:
    """Engagement, trust, psychological safety, skill and cynicism over the weeks.

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.

    Returns
    -------
    matplotlib.figure.Figure
        One panel, five lines.
    """
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    _lines(ax, ts, ["engagement", "trust", "psych_safety", "skill", "cynicism"])
    _finish(ax, "People", "mean over staff (0-1)", unit_interval=True)
    return fig


def service_figure(ts: pd.DataFrame) -> Figure:
    """Service and customer scores (left) and revenue (right).

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: four lines in [0, 1], and revenue.
    """
    fig = Figure(figsize=(10, 4), layout="constrained")
    quality, money = fig.subplots(1, 2)
    _lines(quality, ts, ["service_quality", "internal_service_quality", "customer_satisfaction", "customer_retention"])
    _finish(quality, "Service and customers", "score / share (0-1)", unit_interval=True)
    money.plot(ts["step"], ts["revenue"], color="tab:green", label="revenue")
    _finish(money, "Revenue", "currency units per week", unit_interval=False)
    return fig


def turnover_figure(ts: pd.DataFrame) -> Figure:
    """Turnover rate (left) and headcount and vacancies (right).

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: one line, and two lines.
    """
    fig = Figure(figsize=(10, 4), layout="constrained")
    rate, heads = fig.subplots(1, 2)
    rate.plot(ts["step"], ts["turnover_rate"], color="tab:red", label="turnover rate")
    # Weekly quit rates are a few percent at most: a 0..1 axis would hide them.
    _finish(rate, "Turnover", "leavers / headcount per week", unit_interval=False)
    _lines(heads, ts, ["headcount", "vacancies"])
    _finish(heads, "Headcount", "people / open seats", unit_interval=False)
    return fig


def team_figure(teams: pd.DataFrame, metric: str = "culture_mean") -> Figure:
    """The last week's ``metric`` per team as sorted horizontal bars, frontline and back office in two colours.

    Parameters
    ----------
    teams : pandas.DataFrame
        The team table (``step``, ``team``, ``level``, ``frontline``, metrics; ``style`` is shown if present).
    metric : str
        The column to show.

    Returns
    -------
    matplotlib.figure.Figure
        One panel of bars (none when the table is empty).
    """
    last = teams[teams["step"] == teams["step"].max()].dropna(subset=[metric]).sort_values(metric)
    fig = Figure(figsize=(7, max(3.0, 0.18 * len(last) + 1.2)), layout="constrained")
    ax = fig.subplots()
    suffixes = [f" ({style})" for style in last["style"]] if "style" in last else [""] * len(last)
    labels = [f"team {t}{suffix}" for t, suffix in zip(last["team"], suffixes, strict=True)]
    colours = np.where(last["frontline"].astype(bool), FRONTLINE_COLOUR, BACKOFFICE_COLOUR)
    ax.barh(labels, last[metric], color=colours)
    week = f", week {int(last['step'].iloc[0])}" if len(last) else ""
    ax.set(title=f"{_label(metric)} by team{week}", xlabel=_label(metric), ylabel="team")
    if metric not in UNBOUNDED:
        ax.set_xlim(0, 1)
    ax.tick_params(axis="y", labelsize="x-small")
    ax.legend(
        handles=[
            Line2D([], [], color=FRONTLINE_COLOUR, lw=6, label="frontline"),
            Line2D([], [], color=BACKOFFICE_COLOUR, lw=6, label="back office / management"),
        ],
        fontsize="small",
        loc="lower right",
    )
    return fig


def _positions(pos: Mapping | np.ndarray, n: int) -> np.ndarray:
    if isinstance(pos, Mapping):
        return np.array([pos[i] for i in range(n)], dtype=float).reshape(n, 2)
    return np.asarray(pos, dtype=float)


def _edge_segments(graph: nx.Graph, xy: np.ndarray) -> dict[str, np.ndarray]:
    ends: dict[str, list[tuple[int, int]]] = {}
    for u, v, kind in graph.edges(data="kind", default="peer"):
        ends.setdefault(kind if kind in EDGE_STYLES else "peer", []).append((u, v))
    return {kind: xy[np.array(uv)] for kind, uv in ends.items()}  # (edges, 2 ends, 2 coords)


def network_figure(
    graph: nx.Graph,
    pos: Mapping | np.ndarray,
    orientation: np.ndarray,
    is_leader: np.ndarray,
    frontline: np.ndarray,
    filled: np.ndarray,
    title: str = "Service orientation across the organisation",
    colorbar_label: str = "service orientation (0-1)",
) -> Figure:
    """The organisation coloured by service orientation.

    Leaders are large black-edged squares, frontline staff circles, back-office staff triangles and
    vacant seats small hollow grey circles. Edges are one ``LineCollection`` per kind (fast for
    thousands of seats): reporting lines darker, internal-service links dashed.

    Parameters
    ----------
    graph : networkx.Graph
        Seats ``0..n-1``; edges may carry ``kind`` (``reports_to``, ``peer``, ``cross``, ``internal_service``).
    pos : dict or numpy.ndarray
        Seat positions, ``{seat: (x, y)}`` or an ``(n, 2)`` array.
    orientation : numpy.ndarray
        Service orientation per seat, in [0, 1] (or any other person variable in [0, 1], named by
        ``colorbar_label``).
    is_leader, frontline, filled : numpy.ndarray of bool
        Per seat: leads a team, serves customers, is occupied.
    title : str
        Figure title.
    colorbar_label : str
        What the colours show.

    Returns
    -------
    matplotlib.figure.Figure
    """
    orientation = np.asarray(orientation, dtype=float)
    is_leader, frontline, filled = (np.asarray(a, dtype=bool) for a in (is_leader, frontline, filled))
    xy = _positions(pos, len(orientation))
    fig = Figure(figsize=(8, 8), layout="constrained")
    ax = fig.subplots()
    for kind, segments in _edge_segments(graph, xy).items():
        ax.add_collection(LineCollection(segments, zorder=1, **EDGE_STYLES[kind]))
    norm, cmap = Normalize(vmin=0.0, vmax=1.0), "viridis"
    shapes = (
        (filled & ~is_leader & frontline, "o", 18, "none"),
        (filled & ~is_leader & ~frontline, "^", 20, "none"),
        (filled & is_leader, "s", 60, "black"),
    )
    for mask, marker, size, edge in shapes:
        if mask.any():
            ax.scatter(
                xy[mask, 0],
                xy[mask, 1],
                c=orientation[mask],
                cmap=cmap,
                norm=norm,
                marker=marker,
                s=size,
                edgecolors=edge,
                linewidths=0.8,
                zorder=3 if marker == "s" else 2,
            )
    if (~filled).any():
        ax.scatter(xy[~filled, 0], xy[~filled, 1], marker="o", s=12, facecolors="none", edgecolors="0.5", zorder=2)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7, label=colorbar_label)
    ax.legend(
        handles=[
            Line2D([], [], marker="s", ls="", color="0.4", markeredgecolor="black", label="leader"),
            Line2D([], [], marker="o", ls="", color="0.4", label="frontline"),
            Line2D([], [], marker="^", ls="", color="0.4", label="back office"),
            Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor="0.5", label="vacant seat"),
            Line2D([], [], color="0.3", lw=0.8, label="reports to"),
            Line2D([], [], color="0.55", lw=0.6, ls="--", label="internal service"),
        ],
        loc="upper right",
        fontsize="small",
    )
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_axis_off()
    return fig


def model_network_figure(
    model: ServiceCultureModel, *, team: int | None = None, variable: str = "orientation", title: str | None = None
) -> Figure:
    """:func:`network_figure` of a model as it is now: the whole organisation, or one team.

    Parameters
    ----------
    model : ServiceCultureModel
        A model, e.g. ``run(...).model`` after its last week.
    team : int, optional
        A team number (the ``team`` column of the team table): only its leader and members, laid out
        afresh (a spring layout, fixed seed) so that the team fills the picture. The whole org when None.
    variable : str
        The person variable the colours show (one of ``sim.state.PERSON_VARIABLES``).
    title : str, optional
        Figure title; by default it names the team (if any) and the week.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from sim.state import PERSON_VARIABLES

    if variable not in PERSON_VARIABLES:
        raise ValueError(f"unknown person variable {variable!r}: one of {', '.join(PERSON_VARIABLES)}")
    org, people = model.org, model.people
    week = model.steps
    words = "service orientation" if variable == "orientation" else variable.replace("_", " ")
    if team is None:
        seats, graph, pos = np.arange(org.n), org.graph(), org.positions
    else:
        if not 0 <= int(team) < org.n_teams:
            raise ValueError(f"team {team} does not exist: teams are 0..{org.n_teams - 1}")
        seats = np.flatnonzero(org.select(f"team:{int(team)}"))
        graph = nx.convert_node_labels_to_integers(org.graph().subgraph(seats.tolist()), ordering="sorted")
        pos = nx.spring_layout(graph, seed=0)
    if title is None:
        where = "the organisation" if team is None else f"team {int(team)}"
        title = f"{words.capitalize()} across {where} after {week} weeks"
    return network_figure(
        graph,
        pos,
        getattr(people, variable)[seats],
        org.is_leader[seats],
        org.frontline[seats],
        people.filled[seats],
        title=title,
        colorbar_label=f"{words} (0-1)",
    )


def band_plot(
    ax: Axes,
    frame: pd.DataFrame,
    metric: str,
    *,
    level: float = 0.9,
    label: str | None = None,
    color: str | None = None,
) -> Axes:
    """Draw the mean of ``metric`` over seeds per week as a line, its ``level`` interval as a band.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (a pyplot or an object-oriented axes).
    frame : pandas.DataFrame
        One row per seed and step (``step``, ``seed``, ``metric``), e.g. ``run_seeds(...).timeseries``.
    metric : str
        The column to draw.
    level : float
        Share of seeds inside the band (0.9: from the 5% to the 95% quantile).
    label, color : str, optional
        Legend label (``metric`` in words by default) and colour of line and band.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with ``week`` as the x label.
    """
    from sim.run import band

    b = band(frame, metric, level)
    (line,) = ax.plot(b["step"], b["mean"], color=color, label=label if label is not None else _label(metric))
    ax.fill_between(b["step"], b["low"], b["high"], color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel(WEEK)
    return ax


def standard_figures(ts: pd.DataFrame, teams: pd.DataFrame, network: dict | None = None) -> dict[str, Figure]:
    """Every standard figure of a run, keyed by file name.

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.
    teams : pandas.DataFrame
        The run's team table.
    network : dict, optional
        Keyword arguments of :func:`network_figure`; adds the ``network`` figure.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``culture``, ``people``, ``service``, ``turnover``, ``teams`` and, with ``network``, ``network``.
    """
    figures = {
        "culture": culture_figure(ts),
        "people": people_figure(ts),
        "service": service_figure(ts),
        "turnover": turnover_figure(ts),
        "teams": team_figure(teams),
    }
    if network is not None:
        figures["network"] = network_figure(**network)
    return figures


def run_figures(result: RunResult) -> dict[str, Figure]:
    """The standard figures of a finished run (:func:`standard_figures`), the org's network in its
    final state included: what ``python -m sim`` writes to ``figures/`` (``sim.run.run_and_write``)."""
    o, p = result.model.org, result.model.people
    network = {
        "graph": o.graph(),
        "pos": o.positions,
        "orientation": p.orientation,
        "is_leader": o.is_leader,
        "frontline": o.frontline,
        "filled": p.filled,
        "title": f"Service orientation after {len(result.timeseries)} weeks",
    }
    return standard_figures(result.timeseries, result.teams, network=network)
