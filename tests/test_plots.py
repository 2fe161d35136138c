"""The standard figures: what each draws, and that the network picture is fast for a big org."""

import io
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure

from sim.config import load_config
from sim.run import baseline_run, run, run_and_write
from sim.viz.plots import (
    BASELINE_GID,
    BASELINE_LABEL,
    culture_figure,
    network_figure,
    people_figure,
    run_figures,
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
    assert ax.figure.get_suptitle()  # the message
    assert ax.figure.legends  # one legend below the panels


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
    assert _line_labels(ax) == ["engagement", "trust", "psychological safety", "skill", "cynicism"]
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
    assert fig.get_suptitle() and ax.get_xlabel() and fig.legends


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
    assert fig.legends  # below the map, covering no seat


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


def test_team_figure_names_the_leadership_style_where_it_differs_from_most_teams(teams):
    teams = teams.assign(style=pd.Categorical(np.where(teams["team"] == 5, "manager_a", "typical")))
    (ax,) = team_figure(teams).axes
    labels = {tick.get_text() for tick in ax.get_yticklabels()}
    assert "team 0" in labels and "team 5 (manager_a)" in labels  # no team_name column: an old run's table
    same = teams.assign(style="typical")
    assert {t.get_text() for t in team_figure(same).axes[0].get_yticklabels()} == {f"team {t}" for t in range(6)}


# ------------------------------------------------------------------ titles, legends, the baseline
def _ramps(weeks: int = 20, **ends: tuple[float, float]) -> pd.DataFrame:
    """A time series where each named column runs in a straight line from its first to its last value
    and every other column stays at 0.5 (turnover at 1% a week, headcount 50)."""
    df = pd.DataFrame({m: np.full(weeks, 0.5) for m in METRICS})
    df["turnover_rate"], df["headcount"], df["revenue"] = 0.01, 50.0, 1000.0
    for column, (first, last) in ends.items():
        df[column] = np.linspace(first, last, weeks)
    df.insert(0, "step", np.arange(1, weeks + 1))
    return df


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        (0.48, 0.63, "Culture rose from 0.48 to 0.63 over 20 weeks"),
        (0.63, 0.48, "Culture fell from 0.63 to 0.48 over 20 weeks"),
        (0.50, 0.51, "Culture held steady at 0.51 over 20 weeks"),
    ],
)
def test_the_culture_title_states_the_direction_and_the_numbers(first, last, said):
    assert culture_figure(_ramps(culture_mean=(first, last))).get_suptitle() == said


def test_the_service_title_says_whether_service_followed_culture():
    both = _ramps(culture_mean=(0.5, 0.7), service_quality=(0.55, 0.66))
    assert service_figure(both).get_suptitle() == "Service quality rose with culture, from 0.55 to 0.66, over 20 weeks"
    apart = _ramps(culture_mean=(0.7, 0.5), service_quality=(0.55, 0.66))
    assert service_figure(apart).get_suptitle() == "Service quality rose from 0.55 to 0.66 over 20 weeks"


def test_the_people_title_names_what_moved_most():
    ts = _ramps(trust=(0.40, 0.60), cynicism=(0.30, 0.20), skill=(0.50, 0.51))
    said = people_figure(ts).get_suptitle().replace("\n", " ")
    assert said == "Trust rose from 0.40 to 0.60 and cynicism fell from 0.30 to 0.20 over 20 weeks"
    assert people_figure(_ramps()).get_suptitle().endswith("held steady over 20 weeks")


def test_the_turnover_title_compares_the_first_quarter_with_the_last_in_a_year():
    ts = _ramps(weeks=52)
    assert turnover_figure(ts).get_suptitle() == "Staff turnover held steady at 52% a year"
    ts["turnover_rate"] = np.where(ts["step"] <= 26, 0.01, 0.005)
    assert turnover_figure(ts).get_suptitle() == ("Staff turnover fell from 52% to 26% a year (first to last quarter)")


def test_a_long_title_is_wrapped_inside_the_figure():
    ts = _ramps(trust=(0.40, 0.60), psych_safety=(0.60, 0.30))
    fig = people_figure(ts, baseline=_ramps())
    _png(fig)
    title = fig._suptitle.get_window_extent()  # noqa: SLF001  matplotlib keeps the suptitle artist there
    assert title.x0 >= 0 and title.x1 <= fig.bbox.x1


def _named(teams: pd.DataFrame) -> pd.DataFrame:
    names = ["Executive team", "Department 1 managers", "Back office 1.1", "Frontline 1.2", "Frontline 1.3", "X"]
    return teams.assign(team_name=teams["team"].map(dict(enumerate(names))))


def test_team_bars_carry_the_team_names_and_the_title_the_weakest_team(teams):
    teams = _named(teams)
    last = teams[teams["step"] == 3].sort_values("culture_mean")
    fig = team_figure(teams)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == list(last["team_name"])
    weakest = last.iloc[0]
    assert fig.get_suptitle().startswith(
        f"Culture is weakest in {weakest['team_name']} ({weakest['culture_mean']:.2f})"
    )
    _png(fig)
    assert all(t.get_window_extent().x0 >= 0 for t in ax.get_yticklabels())  # no name cut off


def test_the_title_names_two_teams_when_both_are_weakest(teams):
    teams = _named(teams)
    last = teams["step"] == 3
    teams.loc[last, "culture_mean"] = [0.9, 0.8, 0.41, 0.7, 0.42, 0.6]
    assert team_figure(teams).get_suptitle() == "Culture is weakest in Back office 1.1 (0.41) and Frontline 1.3 (0.42)"
    teams.loc[last, "culture_mean"] = [0.9, 0.8, 0.41, 0.7, 0.52, 0.6]
    assert team_figure(teams).get_suptitle() == "Culture is weakest in Back office 1.1 (0.41)"


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_no_legend_covers_a_panel(ts, teams):
    figures = standard_figures(
        ts, teams, network=_network_args(20, 30, seed=6), baseline=ts, baseline_teams=teams, events=[(5, "training")]
    )
    for name, fig in figures.items():
        _png(fig)
        (legend,) = fig.legends
        box = legend.get_window_extent()
        for ax in fig.axes:
            assert ax.get_legend() is None, name
            assert not _overlaps(box, ax.get_window_extent()), name


def _baseline_lines(fig: Figure) -> list:
    return [line for ax in fig.axes for line in ax.get_lines() if line.get_gid() == BASELINE_GID]


def test_the_baseline_is_drawn_faint_in_the_colour_of_its_line_and_named_in_the_title(ts, teams):
    plain = ts.assign(culture_mean=ts["culture_mean"] - 0.1)
    fig = culture_figure(ts, baseline=plain)
    (faint,) = [line for line in _baseline_lines(fig) if line.axes is fig.axes[0]]
    (main,) = [line for line in fig.axes[0].get_lines() if line.get_gid() != BASELINE_GID]
    assert faint.get_color() == main.get_color() and faint.get_alpha() < 1 and main.get_alpha() in (None, 1)
    np.testing.assert_allclose(faint.get_ydata(), plain["culture_mean"])
    assert fig.get_suptitle().endswith(f"({plain['culture_mean'].iloc[-1]:.2f} without the change)")
    assert BASELINE_LABEL in [t.get_text().removeprefix("faint: ") for t in fig.legends[0].get_texts()]
    for draw in (people_figure, service_figure, turnover_figure):
        assert _baseline_lines(draw(ts, baseline=ts)) and not _baseline_lines(draw(ts))
    marks = [c for c in team_figure(teams, baseline_teams=teams).axes[0].collections if c.get_gid() == BASELINE_GID]
    assert len(marks) == 1 and len(marks[0].get_segments()) == (teams["step"] == 3).sum()


def test_events_are_marked_on_the_charts_over_weeks(ts):
    fig = culture_figure(ts, events=[(5, "training"), (12, "training")])
    for ax in fig.axes:
        assert [t.get_text() for t in ax.texts] == ["training", "training"]


def test_a_run_with_events_draws_its_baseline_and_one_without_does_not(tmp_path):
    drawn: list[dict[str, Figure]] = []

    def keep(result):
        drawn.append(run_figures(result))
        return drawn[-1]

    for events in ("training_wave", "none"):  # what python -m sim events=... draws
        cfg = load_config(["org=small_team", "steps=30", f"events={events}", "output.progress=false"])
        run_and_write(cfg, tmp_path / events, figures=keep)
    with_events, without = drawn
    assert _baseline_lines(with_events["culture"]) and "without the change" in with_events["culture"].get_suptitle()
    assert [t.get_text() for t in with_events["culture"].axes[0].texts] == ["training"]  # week 26
    assert not any(_baseline_lines(f) for f in without.values())
    assert "without the change" not in without["culture"].get_suptitle()


def test_the_baseline_run_is_the_same_run_without_events_until_the_first_event():
    result = run(load_config(["org=small_team", "events=training_wave"]), seed=2, steps=30)
    plain = baseline_run(result)
    assert plain is not None and not plain.model.timeline.events and len(plain.timeseries) == 30
    before = result.timeseries["step"] < 26
    pd.testing.assert_frame_equal(result.timeseries[before], plain.timeseries[before])
    assert not result.timeseries.equals(plain.timeseries)
    assert baseline_run(plain) is None
