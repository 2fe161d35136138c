"""The standard figures of a run.

Each figure is titled by its message, computed from the data ("Culture rose from 0.66 to 0.79 over
156 weeks"), keeps its axis labels and units, and has its legend below the panels, where it covers no
data. Given the baseline (the same run without its events, ``sim.run.baseline_run``), each line is
drawn again faint in its colour and the title gives the baseline's value.

Object-oriented matplotlib only (``Figure`` objects, never pyplot), so it needs no backend, works
headless and can be called from several threads at once.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
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

from sim.viz.measures import (
    BACKOFFICE_COLOUR,
    BAND_ALPHA,
    BASELINE_ALPHA,
    BASELINE_LABEL,
    CHARTS,
    FRONTLINE_COLOUR,
    PEOPLE,
    Panel,
)
from sim.viz.measures import label as _label

if TYPE_CHECKING:
    from sim.model import ServiceCultureModel
    from sim.run import RunResult

WEEK = "week"
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
#: A change of at most this on a 0-1 scale is called steady in a title: the final week of a company-size
#: run varies by about this much from seed to seed (sd 0.012-0.021 for culture, service quality,
#: engagement and trust over seeds 0-5), so a smaller change is no message.
STEADY = 0.02
#: Staff turnover is compared between the first and the last quarter and called steady when the two
#: differ by at most this share of the larger: with a few leavers a week, a quarter's mean weekly quit
#: rate varies by about a fifth between the quarters of a run in which nothing changes.
TURNOVER_STEADY = 0.2
QUARTER, YEAR = 13, 52  # weeks
BASELINE_GID = "baseline"  # marks the baseline's artists, for whoever inspects a figure
# A title's characters per inch of figure at matplotlib's "large" size (12 pt DejaVu Sans), a little
# under the measured average (~11), so a wrapped title never runs past the figure's edges.
TITLE_CHARS_PER_INCH = 10
#: How a title names a team-table measure.
NOUNS = {"culture_mean": "Culture", "culture_spread": "Disagreement on culture"}
#: Measures where the weakest team is the one with the highest value.
HIGHER_IS_WORSE = frozenset({"culture_spread", "cynicism"})
EDGE_STYLES = {
    "reports_to": {"colors": "0.3", "linewidths": 0.8, "linestyles": "solid"},
    "peer": {"colors": "0.7", "linewidths": 0.4, "linestyles": "solid"},
    "cross": {"colors": "0.8", "linewidths": 0.3, "linestyles": "solid"},
    "internal_service": {"colors": "0.55", "linewidths": 0.6, "linestyles": "dashed"},
}


def _number(value: float, metric: str) -> str:
    return f"{value:.3g}" if metric in UNBOUNDED else f"{value:.2f}"


def _percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.1 else f"{share:.1%}"


def _verb(first: float, last: float, tolerance: float) -> str:
    if abs(last - first) <= tolerance:
        return "held steady"
    return "rose" if last > first else "fell"


def _change(name: str, ts: pd.DataFrame, column: str) -> str:
    """``<name> rose from a to b``, ``... fell ...`` or ``<name> held steady at b`` (first to last week)."""
    first, last = float(ts[column].iloc[0]), float(ts[column].iloc[-1])
    verb = _verb(first, last, STEADY)
    if verb == "held steady":
        return f"{name} held steady at {last:.2f}"
    return f"{name} {verb} from {first:.2f} to {last:.2f}"


def _weeks(ts: pd.DataFrame) -> str:
    return f"over {int(ts['step'].iloc[-1])} weeks"


def _without(baseline: pd.DataFrame | None, column: str) -> str:
    """`` (b without the change)``: the baseline's last week, when there is one."""
    if baseline is None or len(baseline) == 0 or column not in baseline:
        return ""
    return f" ({float(baseline[column].iloc[-1]):.2f} {BASELINE_LABEL})"


def culture_message(ts: pd.DataFrame, baseline: pd.DataFrame | None = None) -> str:
    """The culture figure's title: how culture (mean service orientation) moved from the first week to the last.

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.
    baseline : pandas.DataFrame, optional
        The time series of the same run without its events; adds its last week's value.

    Returns
    -------
    str
        E.g. ``Culture rose from 0.66 to 0.79 over 156 weeks (0.78 without the change)``; a change of at
        most :data:`STEADY` is ``held steady at``.
    """
    if len(ts) == 0:
        return "Culture: no weeks run yet"
    return f"{_change('Culture', ts, 'culture_mean')} {_weeks(ts)}{_without(baseline, 'culture_mean')}"


def people_message(ts: pd.DataFrame, baseline: pd.DataFrame | None = None) -> str:
    """The people figure's title: the measures that moved most from the first week to the last.

    Names the two that moved most by more than :data:`STEADY` (only the first, with its baseline value,
    when ``baseline`` is given), or says that all held steady.
    """
    if len(ts) == 0:
        return "People: no weeks run yet"
    moves = sorted(PEOPLE, key=lambda c: abs(float(ts[c].iloc[-1]) - float(ts[c].iloc[0])), reverse=True)
    moved = [c for c in moves if abs(float(ts[c].iloc[-1]) - float(ts[c].iloc[0])) > STEADY]
    if not moved:
        return f"Engagement, trust, safety, skill and cynicism held steady {_weeks(ts)}"
    shown = moved[:1] if baseline is not None else moved[:2]
    text = " and ".join(_change(_label(c), ts, c) for c in shown)
    return f"{text[0].upper()}{text[1:]} {_weeks(ts)}{_without(baseline, shown[0])}"


def service_message(ts: pd.DataFrame, baseline: pd.DataFrame | None = None) -> str:
    """The service figure's title: how service quality moved, and whether it moved with culture."""
    if len(ts) == 0:
        return "Service: no weeks run yet"
    quality, culture = ts["service_quality"], ts["culture_mean"]
    verb = _verb(float(quality.iloc[0]), float(quality.iloc[-1]), STEADY)
    text = _change("Service quality", ts, "service_quality")
    if verb != "held steady" and verb == _verb(float(culture.iloc[0]), float(culture.iloc[-1]), STEADY):
        text = f"Service quality {verb} with culture, from {quality.iloc[0]:.2f} to {quality.iloc[-1]:.2f},"
    return f"{text} {_weeks(ts)}{_without(baseline, 'service_quality')}"


def _yearly_turnover(ts: pd.DataFrame, weeks: int, *, last: bool) -> float:
    rate = ts["turnover_rate"]
    return float((rate.iloc[-weeks:] if last else rate.iloc[:weeks]).mean()) * YEAR


def turnover_message(ts: pd.DataFrame, baseline: pd.DataFrame | None = None) -> str:
    """The turnover figure's title: staff turnover a year, the first quarter's against the last's.

    A run shorter than two quarters gives its mean over all weeks. The rates are called steady when
    they differ by at most :data:`TURNOVER_STEADY` of the larger.
    """
    if len(ts) == 0:
        return "Staff turnover: no weeks run yet"
    if len(ts) < 2 * QUARTER:
        return f"Staff turnover ran at {_percent(_yearly_turnover(ts, len(ts), last=True))} a year {_weeks(ts)}"
    first, last = _yearly_turnover(ts, QUARTER, last=False), _yearly_turnover(ts, QUARTER, last=True)
    verb = _verb(first, last, TURNOVER_STEADY * max(first, last))
    if verb == "held steady":
        text = f"Staff turnover held steady at {_percent(last)} a year"
    else:
        text = f"Staff turnover {verb} from {_percent(first)} to {_percent(last)} a year (first to last quarter)"
    if baseline is not None and len(baseline) >= QUARTER:
        text += f" ({_percent(_yearly_turnover(baseline, QUARTER, last=True))} {BASELINE_LABEL})"
    return text


def team_message(teams: pd.DataFrame, metric: str = "culture_mean") -> str:
    """The team figure's title: the team(s) where ``metric`` is weakest in the table's last week.

    Names the weakest team and the next when it lies within :data:`STEADY` of it (for a score; any
    other measure names the lowest one or two), e.g. ``Culture is weakest in Back office 2.3 (0.41) and
    Frontline 4.1 (0.42)``; for cynicism and the culture spread the weakest is the highest.
    """
    last = _last_week(teams, metric)
    noun = NOUNS.get(metric, _label(metric).capitalize())
    if len(last) == 0:
        return f"{noun} by team: no teams yet"
    worse_high = metric in HIGHER_IS_WORSE
    ordered = last.sort_values(metric, ascending=not worse_high)
    values, names = ordered[metric].to_numpy(dtype=float), _team_names(ordered)
    near = np.abs(values - values[0]) <= (STEADY if metric not in UNBOUNDED else 0.0)
    shown = [f"{names[i]} ({_number(values[i], metric)})" for i in range(min(2, len(values))) if i == 0 or near[i]]
    word = "highest" if worse_high else ("lowest" if metric in UNBOUNDED else "weakest")
    return f"{noun} is {word} in {' and '.join(shown)}"


def _message(fig: Figure, text: str) -> None:
    """``text`` as the figure's title, wrapped to the figure's width (no renderer needed to measure it)."""
    width = int(fig.get_figwidth() * TITLE_CHARS_PER_INCH)
    if len(text) > width:  # two clauses read best one a line
        text = text.replace(" and ", " and\n", 1)
    lines = (textwrap.fill(line, width, break_long_words=False) for line in text.split("\n"))
    fig.suptitle("\n".join(lines), fontsize="large")


def mark_events(ax: Axes, events: Sequence[tuple[int, str]]) -> None:
    """A labelled dotted line at each week an event started (``model.timeline.starts()``): the
    before/after a reader is asked to look at."""
    for start, name in events:
        ax.axvline(start, color="0.25", ls=":", lw=1.2, zorder=0, label="_event")
        ax.annotate(
            name,
            xy=(start, 0.98),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize="x-small",
            color="0.25",
        )


def _legend_below(fig: Figure, *, baseline: bool) -> None:
    """One legend for every panel of ``fig``, below them (outside the axes, so it covers no data)."""
    handles, seen = [], set()
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in seen:
                seen.add(label)
                handles.append(handle)
    if baseline:
        handles.append(Line2D([], [], color="0.2", alpha=BASELINE_ALPHA, lw=2, label=f"faint: {BASELINE_LABEL}"))
    # more than four entries go into two rows, which fit the narrowest figure
    columns = len(handles) if len(handles) <= 4 else -(-len(handles) // 2)
    fig.legend(handles=handles, loc="outside lower center", ncols=columns, fontsize="small", frameon=False)


def _panel(
    ax: Axes, ts: pd.DataFrame, panel: Panel, baseline: pd.DataFrame | None, events: Sequence[tuple[int, str]]
) -> None:
    """``panel``'s lines (:data:`sim.viz.measures.CHARTS`), titled and labelled; with ``baseline``, each
    column's baseline faint in the same colour beneath its line."""
    limits = panel.band_limits(ts)
    if limits is not None:
        ax.fill_between(ts["step"], *limits, color=panel.lines[0][1], alpha=BAND_ALPHA, label=panel.band[1])
    for column, colour in panel.lines:
        ax.plot(ts["step"], ts[column], color=colour, label=_label(column), zorder=3)
        if baseline is not None and column in baseline:
            ax.plot(
                baseline["step"],
                baseline[column],
                color=colour,
                alpha=BASELINE_ALPHA,
                label=f"_{_label(column)} {BASELINE_LABEL}",
                gid=BASELINE_GID,
                zorder=2,
            )
    ax.set(title=panel.title, xlabel=WEEK, ylabel=panel.ylabel)
    ax.set_ylim(*panel.ylim)
    ax.grid(alpha=0.3)
    mark_events(ax, events)


def culture_figure(
    ts: pd.DataFrame, *, baseline: pd.DataFrame | None = None, events: Sequence[tuple[int, str]] = ()
) -> Figure:
    """Culture strength (mean service orientation +/- one spread) and consensus (the spread).

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series (``step``, ``culture_mean``, ``culture_spread``).
    baseline : pandas.DataFrame, optional
        The time series of the same run without its events: drawn faint, and named in the title.
    events : sequence of (int, str)
        ``(week, name)`` of each event start (``model.timeline.starts()``), marked by a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: the mean with its band, and the spread; titled by :func:`culture_message`.
    """
    fig = Figure(figsize=(10, 4.3), layout="constrained")
    level, spread = fig.subplots(1, 2)
    for ax, panel in zip((level, spread), CHARTS["culture"], strict=True):
        _panel(ax, ts, panel, baseline, events)
    _message(fig, culture_message(ts, baseline))
    _legend_below(fig, baseline=baseline is not None)
    return fig


def people_figure(
    ts: pd.DataFrame, *, baseline: pd.DataFrame | None = None, events: Sequence[tuple[int, str]] = ()
) -> Figure:
    """Engagement, trust, psychological safety, skill and cynicism over the weeks.

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.
    baseline : pandas.DataFrame, optional
        The time series of the same run without its events: drawn faint, and named in the title.
    events : sequence of (int, str)
        ``(week, name)`` of each event start, marked by a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
        One panel, five lines; titled by :func:`people_message`.
    """
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.subplots()
    (panel,) = CHARTS["people"]
    _panel(ax, ts, panel, baseline, events)
    _message(fig, people_message(ts, baseline))
    _legend_below(fig, baseline=baseline is not None)
    return fig


def service_figure(
    ts: pd.DataFrame, *, baseline: pd.DataFrame | None = None, events: Sequence[tuple[int, str]] = ()
) -> Figure:
    """Service and customer scores (left) and revenue (right).

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.
    baseline : pandas.DataFrame, optional
        The time series of the same run without its events: drawn faint, and named in the title.
    events : sequence of (int, str)
        ``(week, name)`` of each event start, marked by a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: four lines in [0, 1], and revenue; titled by :func:`service_message`.
    """
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    quality, money = fig.subplots(1, 2)
    for ax, panel in zip((quality, money), CHARTS["service"], strict=True):
        _panel(ax, ts, panel, baseline, events)
    _message(fig, service_message(ts, baseline))
    _legend_below(fig, baseline=baseline is not None)
    return fig


def turnover_figure(
    ts: pd.DataFrame, *, baseline: pd.DataFrame | None = None, events: Sequence[tuple[int, str]] = ()
) -> Figure:
    """Turnover rate (left) and headcount and vacancies (right).

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.
    baseline : pandas.DataFrame, optional
        The time series of the same run without its events: drawn faint, and named in the title.
    events : sequence of (int, str)
        ``(week, name)`` of each event start, marked by a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: one line, and two lines; titled by :func:`turnover_message`.
    """
    fig = Figure(figsize=(10, 4.3), layout="constrained")
    rate, heads = fig.subplots(1, 2)
    for ax, panel in zip((rate, heads), CHARTS["turnover"], strict=True):
        _panel(ax, ts, panel, baseline, events)
    _message(fig, turnover_message(ts, baseline))
    _legend_below(fig, baseline=baseline is not None)
    return fig


def _last_week(teams: pd.DataFrame, metric: str) -> pd.DataFrame:
    return teams[teams["step"] == teams["step"].max()].dropna(subset=[metric])


def _team_names(teams: pd.DataFrame) -> list[str]:
    """The teams' names (``team_name``), or ``team N`` for a table written before teams had names."""
    if "team_name" in teams:
        return [str(name) for name in teams["team_name"]]
    return [f"team {t}" for t in teams["team"]]


def _team_labels(teams: pd.DataFrame) -> list[str]:
    """The teams' names, with the leadership style of those whose leader's differs from most teams'
    (and is not already in the name, as the executive team's)."""
    names = _team_names(teams)
    if "style" not in teams or teams["style"].nunique() < 2:
        return names
    common = teams["style"].astype(str).mode().iloc[0]
    return [
        f"{name} ({style})" if style != common and style.lower() not in name.lower() else name
        for name, style in zip(names, teams["style"].astype(str), strict=True)
    ]


def team_figure(
    teams: pd.DataFrame, metric: str = "culture_mean", *, baseline_teams: pd.DataFrame | None = None
) -> Figure:
    """The last week's ``metric`` per team as sorted horizontal bars, frontline and back office in two colours.

    Bars are labelled by the teams' names (``team N`` for a table without a ``team_name`` column),
    with the leadership style where it differs from most teams'; the title names the weakest team(s)
    (:func:`team_message`).

    Parameters
    ----------
    teams : pandas.DataFrame
        The team table (``step``, ``team``, ``level``, ``frontline``, metrics; ``team_name`` and ``style``
        are shown if present).
    metric : str
        The column to show.
    baseline_teams : pandas.DataFrame, optional
        The team table of the same run without its events: each team's value in its last week is
        marked by a thin dark line across the bar.

    Returns
    -------
    matplotlib.figure.Figure
        One panel of bars (none when the table is empty).
    """
    last = _last_week(teams, metric).sort_values(metric)
    fig = Figure(figsize=(7.5, max(3.0, 0.18 * len(last) + 1.6)), layout="constrained")
    ax = fig.subplots()
    # Positions, not the names, place the bars: two teams of a client's file may share a name.
    rows = np.arange(len(last))
    colours = np.where(last["frontline"].astype(bool), FRONTLINE_COLOUR, BACKOFFICE_COLOUR)
    ax.barh(rows, last[metric], color=colours)
    ax.set_yticks(rows, _team_labels(last))
    handles = [
        Line2D([], [], color=FRONTLINE_COLOUR, lw=6, label="frontline"),
        Line2D([], [], color=BACKOFFICE_COLOUR, lw=6, label="back office / management"),
    ]
    if baseline_teams is not None:
        before = _last_week(baseline_teams, metric).set_index("team")[metric]
        values = last["team"].map(before).to_numpy(dtype=float)
        ax.vlines(values, rows - 0.4, rows + 0.4, colors="0.1", lw=1.5, alpha=0.7, gid=BASELINE_GID, zorder=3)
        handles.append(Line2D([], [], color="0.1", lw=1.5, alpha=0.7, label=BASELINE_LABEL))
    week = f" in week {int(last['step'].iloc[0])}" if len(last) else ""
    ax.set(xlabel=f"{_label(metric)}{week}", ylabel="team")
    ax.set_ylim(-0.6, len(last) - 0.4)
    if metric not in UNBOUNDED:
        ax.set_xlim(0, 1)
    ax.tick_params(axis="y", labelsize="x-small")
    _message(fig, team_message(teams, metric))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize="small", frameon=False)
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
    fig.legend(
        handles=[
            Line2D([], [], marker="s", ls="", color="0.4", markeredgecolor="black", label="leader"),
            Line2D([], [], marker="o", ls="", color="0.4", label="frontline"),
            Line2D([], [], marker="^", ls="", color="0.4", label="back office"),
            Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor="0.5", label="vacant seat"),
            Line2D([], [], color="0.3", lw=0.8, label="reports to"),
            Line2D([], [], color="0.55", lw=0.6, ls="--", label="internal service"),
        ],
        loc="outside lower center",
        ncols=6,
        fontsize="small",
        frameon=False,
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


def standard_figures(
    ts: pd.DataFrame,
    teams: pd.DataFrame,
    network: dict | None = None,
    *,
    baseline: pd.DataFrame | None = None,
    baseline_teams: pd.DataFrame | None = None,
    events: Sequence[tuple[int, str]] = (),
) -> dict[str, Figure]:
    """Every standard figure of a run, keyed by file name.

    Parameters
    ----------
    ts : pandas.DataFrame
        The run's time series.
    teams : pandas.DataFrame
        The run's team table.
    network : dict, optional
        Keyword arguments of :func:`network_figure`; adds the ``network`` figure.
    baseline, baseline_teams : pandas.DataFrame, optional
        The time series and team table of the same run without its events (``sim.run.baseline_run``),
        drawn faint for comparison.
    events : sequence of (int, str)
        ``(week, name)`` of each event start, marked on the charts over weeks.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``culture``, ``people``, ``service``, ``turnover``, ``teams`` and, with ``network``, ``network``.
    """
    over_weeks = {"baseline": baseline, "events": events}
    figures = {
        "culture": culture_figure(ts, **over_weeks),
        "people": people_figure(ts, **over_weeks),
        "service": service_figure(ts, **over_weeks),
        "turnover": turnover_figure(ts, **over_weeks),
        "teams": team_figure(teams, baseline_teams=baseline_teams),
    }
    if network is not None:
        figures["network"] = network_figure(**network)
    return figures


def run_figures(result: RunResult, *, baseline: bool = True) -> dict[str, Figure]:
    """The standard figures of a finished run (:func:`standard_figures`), the org's network in its
    final state included: what ``python -m sim`` writes to ``figures/`` (``sim.run.run_and_write``).

    The charts over weeks mark when each event started. A run with events is compared with its
    baseline, the same config and seed without them (:func:`sim.run.baseline_run`, one more run of
    the model, whose tables are drawn and not kept), unless ``baseline`` is false.
    """
    from sim.run import baseline_run

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
    plain = baseline_run(result) if baseline else None
    return standard_figures(
        result.timeseries,
        result.teams,
        network=network,
        baseline=None if plain is None else plain.timeseries,
        baseline_teams=None if plain is None else plain.teams,
        events=[(week, name) for week, name in result.model.timeline.starts() if week <= result.model.steps],
    )
