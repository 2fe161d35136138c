"""The standard figures: what each draws, and that the network picture is fast for a big org."""

import io
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure

from sim.viz.plots import (
    culture_figure,
    network_figure,
    people_figure,
    service_figure,
    standard_figures,
    team_figure,
    turnover_figure,
)

PNG = b"\x89PNG\r\n\x1a\n"
METRICS = [
    "culture_mean",
    "culture_spread",
    "engagement",
    "trust",
    "psych_safety",
    "skill",
    "cynicism",
    "service_quality",
    "internal_service_quality",
    "customer_satisfaction",
    "customer_retention",
    "customers",
    "revenue",
    "turnover_rate",
    "headcount",
    "vacancies",
    "mistakes_reported",
    "mistakes_hidden",
    "ideas_proposed",
    "ideas_adopted",
    "recognitions",
    "service_standard",
]


@pytest.fixture
def ts() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    steps = 20
    df = pd.DataFrame({m: rng.uniform(0.1, 0.9, steps) for m in METRICS})
    df["revenue"] = rng.uniform(900, 1100, steps)
    df["headcount"] = rng.integers(40, 50, steps).astype(float)
    df["vacancies"] = rng.integers(0, 5, steps).astype(float)
    df["turnover_rate"] = rng.uniform(0, 0.03, steps)
    df.insert(0, "step", np.arange(1, steps + 1))
    return df


@pytest.fixture
def teams() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n_teams, steps = 6, 3
    return pd.DataFrame(
        {
            "step": np.repeat(np.arange(1, steps + 1), n_teams),
            "team": np.tile(np.arange(n_teams), steps),
            "level": np.tile([0, 1, 1, 2, 2, 2], steps),
            "frontline": np.tile([False, False, True, True, True, True], steps),
            "culture_mean": rng.uniform(0, 1, n_teams * steps),
            "engagement": rng.uniform(0, 1, n_teams * steps),
            "trust": rng.uniform(0, 1, n_teams * steps),
            "service_quality": rng.uniform(0, 1, n_teams * steps),
            "customer_satisfaction": rng.uniform(0, 1, n_teams * steps),
            "headcount": rng.integers(3, 9, n_teams * steps).astype(float),
        }
    )


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    return buffer.getvalue()


def _line_labels(ax) -> list[str]:
    return [line.get_label() for line in ax.get_lines()]


def _has_title_labels_legend(ax) -> None:
    assert ax.get_title()
    assert ax.get_xlabel() == "week"
    assert ax.get_ylabel()
    assert ax.get_legend() is not None


def test_culture_figure(ts):
    fig = culture_figure(ts)
    level, spread = fig.axes
    assert _line_labels(level) == ["culture mean"]
    assert len(level.collections) == 1  # the +/- spread band
    assert _line_labels(spread) == ["culture spread"]
    np.testing.assert_allclose(spread.get_lines()[0].get_ydata(), ts["culture_spread"])
    assert level.get_ylim() == (0, 1)
    for ax in fig.axes:
        _has_title_labels_legend(ax)
    assert _png(fig).startswith(PNG)


def test_people_figure(ts):
    fig = people_figure(ts)
    (ax,) = fig.axes
    assert _line_labels(ax) == ["engagement", "trust", "psych safety", "skill", "cynicism"]
    assert ax.get_ylim() == (0, 1)
    _has_title_labels_legend(ax)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), ts["step"])


def test_service_figure(ts):
    fig = service_figure(ts)
    quality, money = fig.axes
    assert _line_labels(quality) == [
        "service quality",
        "internal service quality",
        "customer satisfaction",
        "customer retention",
    ]
    assert quality.get_ylim() == (0, 1)
    assert _line_labels(money) == ["revenue"]
    assert money.get_ylim()[1] >= ts["revenue"].max()
    for ax in fig.axes:
        _has_title_labels_legend(ax)


def test_turnover_figure(ts):
    fig = turnover_figure(ts)
    rate, heads = fig.axes
    assert _line_labels(rate) == ["turnover rate"]
    assert _line_labels(heads) == ["headcount", "vacancies"]
    assert heads.get_ylim()[1] >= ts["headcount"].max()
    for ax in fig.axes:
        _has_title_labels_legend(ax)


def test_team_figure_shows_the_last_week_sorted_and_coloured(teams):
    fig = team_figure(teams)
    (ax,) = fig.axes
    bars = ax.patches
    last = teams[teams["step"] == 3]
    assert len(bars) == len(last)
    widths = [b.get_width() for b in bars]
    assert widths == sorted(widths)
    np.testing.assert_allclose(sorted(widths), np.sort(last["culture_mean"]))
    frontline_by_value = dict(zip(last["culture_mean"], last["frontline"], strict=True))
    colours = {frontline_by_value[b.get_width()]: tuple(b.get_facecolor()) for b in bars}
    assert len(set(colours.values())) == 2  # one colour per kind of team
    assert ax.get_xlim() == (0, 1)
    assert ax.get_title() and ax.get_xlabel() and ax.get_legend() is not None


def test_team_figure_of_a_count_is_not_clipped_to_one(teams):
    (ax,) = team_figure(teams, "headcount").axes
    assert ax.get_xlim()[1] >= teams["headcount"].max()


def test_team_figure_of_an_empty_table(teams):
    fig = team_figure(teams.iloc[0:0])
    assert len(fig.axes[0].patches) == 0
    assert _png(fig).startswith(PNG)


def _network_args(n: int, m: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    graph = nx.gnm_random_graph(n, m, seed=seed)
    kinds = ["reports_to", "peer", "cross", "internal_service"]
    nx.set_edge_attributes(graph, {e: kinds[i % 4] for i, e in enumerate(graph.edges)}, "kind")
    return {
        "graph": graph,
        "pos": rng.uniform(0, 1, (n, 2)),
        "orientation": rng.uniform(0, 1, n),
        "is_leader": rng.uniform(size=n) < 0.1,
        "frontline": rng.uniform(size=n) < 0.6,
        "filled": rng.uniform(size=n) < 0.9,
    }


def test_network_figure_draws_edges_by_kind_and_markers_by_role():
    args = _network_args(60, 150, seed=3)
    fig = network_figure(**args, title="small org")
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the map and its colour bar
    assert ax.get_title() == "small org"
    edges = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(edges) == 4
    assert sum(len(c.get_segments()) for c in edges) == args["graph"].number_of_edges()
    by_width = sorted(edges, key=lambda c: c.get_linewidth()[0])
    assert by_width[-1].get_edgecolor()[0][0] < by_width[0].get_edgecolor()[0][0]  # reports_to darkest
    assert any(c.get_linestyle()[0][1] is not None for c in edges)  # a dashed kind
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(markers) == 4  # frontline, back office, leaders, vacant
    filled, leader = args["filled"], args["is_leader"]
    assert sorted(len(c.get_offsets()) for c in markers) == sorted(
        [
            int((filled & ~leader & args["frontline"]).sum()),
            int((filled & ~leader & ~args["frontline"]).sum()),
            int((filled & leader).sum()),
            int((~filled).sum()),
        ]
    )
    assert ax.get_legend() is not None


def test_network_figure_accepts_a_dict_of_positions():
    args = _network_args(30, 40, seed=4)
    args["pos"] = {i: tuple(p) for i, p in enumerate(args["pos"])}
    assert _png(network_figure(**args)).startswith(PNG)


def test_network_figure_of_2000_seats_is_quick_and_saves_a_png():
    args = _network_args(2_000, 6_000, seed=5)
    start = time.perf_counter()
    fig = network_figure(**args)
    png = _png(fig)
    assert time.perf_counter() - start < 5.0
    assert png.startswith(PNG)


def test_standard_figures(ts, teams):
    figures = standard_figures(ts, teams)
    assert list(figures) == ["culture", "people", "service", "turnover", "teams"]
    assert all(isinstance(f, Figure) for f in figures.values())
    with_network = standard_figures(ts, teams, network=_network_args(20, 30, seed=6))
    assert list(with_network) == ["culture", "people", "service", "turnover", "teams", "network"]
    assert _png(with_network["network"]).startswith(PNG)


def test_team_figure_names_the_leadership_style_when_known(teams):
    teams = teams.assign(style=pd.Categorical(np.where(teams["frontline"], "manager_a", "typical")))
    (ax,) = team_figure(teams).axes
    labels = {tick.get_text() for tick in ax.get_yticklabels()}
    assert "team 0 (typical)" in labels and "team 5 (manager_a)" in labels
