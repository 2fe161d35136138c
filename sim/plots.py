"""The standard figures of a run. Object-oriented matplotlib (``Figure``), no pyplot state, so it
works headless and from several threads."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

WEEK = "week"


def _lines(ax, ts: pd.DataFrame, columns: list[str], unit: bool = True) -> None:
    for column in columns:
        ax.plot(ts["step"], ts[column], label=column.replace("_", " "))
    ax.set_xlabel(WEEK)
    if unit:
        ax.set_ylim(0, 1)
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)


def culture_figure(ts: pd.DataFrame) -> Figure:
    """Culture strength (mean service orientation, +/- one spread) and consensus (spread)."""
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    level, spread = fig.subplots(1, 2)
    mean, sd = ts["culture_mean"], ts["culture_spread"]
    level.fill_between(ts["step"], mean - sd, mean + sd, alpha=0.25, label="+/- spread")
    level.plot(ts["step"], mean, label="culture mean")
    level.set(title="Culture strength", xlabel=WEEK, ylabel="service orientation", ylim=(0, 1))
    level.legend(fontsize="small")
    level.grid(alpha=0.3)
    spread.plot(ts["step"], sd, color="tab:purple", label="culture spread")
    spread.set(title="Consensus (lower spread = stronger)", xlabel=WEEK, ylabel="sd of orientation")
    spread.set_ylim(bottom=0)
    spread.legend(fontsize="small")
    spread.grid(alpha=0.3)
    return fig


def people_figure(ts: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    _lines(ax, ts, ["engagement", "trust", "psych_safety", "skill", "cynicism"])
    ax.set(title="People", ylabel="mean over staff")
    return fig


def service_figure(ts: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(10, 4), layout="constrained")
    quality, money = fig.subplots(1, 2)
    _lines(quality, ts, ["service_quality", "internal_service_quality", "customer_satisfaction", "customer_retention"])
    quality.set(title="Service and customers", ylabel="share / score")
    money.plot(ts["step"], ts["revenue"], color="tab:green", label="revenue")
    money.set(title="Revenue", xlabel=WEEK, ylabel="currency units per week")
    money.legend(fontsize="small")
    money.grid(alpha=0.3)
    return fig


def turnover_figure(ts: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(10, 4), layout="constrained")
    rate, heads = fig.subplots(1, 2)
    rate.plot(ts["step"], ts["turnover_rate"], color="tab:red", label="turnover rate")
    rate.set(title="Turnover", xlabel=WEEK, ylabel="leavers / headcount per week")
    rate.set_ylim(bottom=0)
    rate.legend(fontsize="small")
    rate.grid(alpha=0.3)
    heads.plot(ts["step"], ts["headcount"], label="headcount")
    heads.plot(ts["step"], ts["vacancies"], label="vacancies")
    heads.set(title="Headcount", xlabel=WEEK, ylabel="people / seats")
    heads.legend(fontsize="small")
    heads.grid(alpha=0.3)
    return fig


def team_figure(teams: pd.DataFrame, metric: str = "culture_mean") -> Figure:
    """The final value of ``metric`` per team, sorted; frontline and back-office teams in two colours."""
    last = teams[teams["step"] == teams["step"].max()].dropna(subset=[metric]).sort_values(metric)
    fig = Figure(figsize=(7, max(3.0, 0.18 * len(last) + 1.2)), layout="constrained")
    ax = fig.subplots()
    colours = np.where(last["frontline"], "tab:orange", "tab:blue")
    labels = [
        f"team {t} ({s})" if "style" in last else f"team {t}"
        for t, s in zip(last["team"], last.get("style", last["team"]), strict=True)
    ]
    ax.barh(labels, last[metric], color=colours)
    ax.set(
        title=f"{metric.replace('_', ' ')} by team, week {int(teams['step'].max())}",
        xlabel=metric.replace("_", " "),
        xlim=(0, 1),
    )
    ax.tick_params(axis="y", labelsize="x-small")
    ax.legend(
        handles=[
            Line2D([], [], color="tab:orange", lw=6, label="frontline"),
            Line2D([], [], color="tab:blue", lw=6, label="back office / management"),
        ],
        fontsize="small",
        loc="lower right",
    )
    return fig


def network_figure(
    graph: nx.Graph,
    pos: np.ndarray,
    orientation: np.ndarray,
    is_leader: np.ndarray,
    frontline: np.ndarray,
    filled: np.ndarray,
    title: str = "Service orientation across the organisation",
) -> Figure:
    """The org coloured by service orientation: leaders as squares, frontline staff as circles,
    back-office staff as triangles, vacant seats hollow. Edges drawn as one LineCollection per kind."""
    pos = np.asarray(pos, dtype=float)
    fig = Figure(figsize=(8, 8), layout="constrained")
    ax = fig.subplots()
    styles = {
        "reports_to": {"colors": "0.35", "linewidths": 0.8, "linestyles": "solid"},
        "peer": {"colors": "0.75", "linewidths": 0.4, "linestyles": "solid"},
        "cross": {"colors": "0.85", "linewidths": 0.3, "linestyles": "solid"},
        "internal_service": {"colors": "tab:orange", "linewidths": 0.8, "linestyles": "dashed"},
    }
    by_kind: dict[str, list] = {kind: [] for kind in styles}
    for u, v, kind in graph.edges(data="kind", default="peer"):
        by_kind.setdefault(kind, []).append((pos[u], pos[v]))
    for kind, segments in by_kind.items():
        if segments:
            ax.add_collection(LineCollection(segments, zorder=1, **styles.get(kind, styles["peer"])))
    colour = {"cmap": "viridis", "vmin": 0.0, "vmax": 1.0, "zorder": 2}
    staff_front = filled & ~is_leader & frontline
    staff_back = filled & ~is_leader & ~frontline
    leaders = filled & is_leader
    points = None
    for mask, marker, size in ((staff_front, "o", 18), (staff_back, "^", 20), (leaders, "s", 60)):
        if mask.any():
            points = ax.scatter(
                pos[mask, 0],
                pos[mask, 1],
                c=orientation[mask],
                marker=marker,
                s=size,
                edgecolors="black" if marker == "s" else "none",
                linewidths=0.8,
                **colour,
            )
    vacant = ~filled
    if vacant.any():
        ax.scatter(pos[vacant, 0], pos[vacant, 1], marker="o", s=14, facecolors="none", edgecolors="0.5", zorder=2)
    if points is not None:
        fig.colorbar(points, ax=ax, shrink=0.7, label="service orientation")
    ax.legend(
        handles=[
            Line2D([], [], marker="s", ls="", color="0.4", markeredgecolor="black", label="leader"),
            Line2D([], [], marker="o", ls="", color="0.4", label="frontline"),
            Line2D([], [], marker="^", ls="", color="0.4", label="back office"),
            Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor="0.5", label="vacant seat"),
            Line2D([], [], color="tab:orange", ls="--", label="internal service"),
        ],
        loc="upper right",
        fontsize="small",
    )
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_axis_off()
    return fig


def standard_figures(ts: pd.DataFrame, teams: pd.DataFrame, network: dict | None = None) -> dict[str, Figure]:
    """Every standard figure of a run, by file name; ``network`` holds the arguments of :func:`network_figure`."""
    figures = {
        "culture": culture_figure(ts),
        "people": people_figure(ts),
        "service": service_figure(ts),
        "turnover": turnover_figure(ts),
    }
    if len(teams):
        figures["teams"] = team_figure(teams)
    if network is not None:
        figures["network"] = network_figure(**network)
    return figures
