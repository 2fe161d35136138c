"""The dashboard's SVG charts (sim.viz.svg): well-formed, readable, faithful to the data, safe with clients' text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from sim.viz import svg
from sim.viz.measures import BASELINE_ALPHA, CHARTS, label

NS = {"s": svg.SVG_NS}
WEEKS = np.arange(1, 157, dtype=float)


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{{{svg.SVG_NS}}}svg"
    return root


def texts(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//s:text", NS)


def points(d: str) -> np.ndarray:
    """The (x, y) points of a path's ``M``/``L`` pieces."""
    return np.array(re.findall(r"-?\d+(?:\.\d+)?", d), dtype=float).reshape(-1, 2)


def role(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("data-role") == name]


def people_chart(**options) -> str:
    rng = np.random.default_rng(1)
    series = {label(c): (rng.random(WEEKS.size), colour) for c, colour in CHARTS["people"][0].lines}
    return svg.line_chart(WEEKS, series, ylim=(0, 1), title="People", ylabel="mean (0-1)", name="people", **options)


def test_every_picture_parses_and_all_its_text_is_at_least_14_px():
    rng = np.random.default_rng(0)
    n = 40
    pictures = [
        people_chart(baseline={"trust": rng.random(100)}, events=[(52, "training wave")], font_px=14),
        people_chart(),
        svg.bar_chart([f"team {i}" for i in range(26)], rng.random(26), ["#1f77b4"] * 26, baseline=rng.random(26)),
        svg.network_svg(
            svg.network_background(rng.random((n, 2)), [(i, i + 1) for i in range(n - 1)]),
            svg.network_nodes(rng.random((n, 2)), rng.random(n), rng.random(n) < 0.2, rng.random(n) < 0.5, np.ones(n)),
            title="Service orientation, week 3",
        ),
    ]
    for markup in pictures:
        root = parse(markup)
        assert root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
        sizes = [float(t.get("font-size")) for t in texts(root)]
        assert sizes and min(sizes) >= 14


def test_the_chart_is_named_for_the_page():
    root = parse(people_chart())
    assert root.get("data-name") == "people"


def test_a_baseline_is_drawn_fainter_than_its_line_in_its_colour():
    root = parse(people_chart(baseline={"trust": np.full(156, 0.5)}))
    (faint,) = role(root, "baseline")
    (line,) = [e for e in role(root, "line") if e.get("data-label") == "trust"]
    assert float(faint.get("stroke-opacity")) == BASELINE_ALPHA < float(line.get("stroke-opacity", 1))
    assert faint.get("stroke") == line.get("stroke")
    assert "without the change" in " ".join(t.text or "" for t in texts(root))


def test_an_event_is_a_vertical_line_at_its_week_and_named():
    root = parse(people_chart(events=[(52, "training wave"), (400, "after the horizon")]))
    (event,) = root.findall(".//s:g[@class='event']", NS)
    mark = event.find("s:line", NS)
    engagement = points(role(root, "line")[0].get("d"))
    assert mark.get("x1") == mark.get("x2")
    assert float(mark.get("x1")) == pytest.approx(engagement[51, 0], abs=0.1)  # week 52 is the 52nd point
    assert event.find("s:text", NS).text == "training wave"


def test_nan_breaks_the_line():
    y = np.linspace(0.2, 0.8, 10)
    y[4] = np.nan
    root = parse(svg.line_chart(np.arange(1, 11), {"culture": (y, "#1f77b4")}))
    d = role(root, "line")[0].get("d")
    assert d.count("M") == 2 and "nan" not in d.lower()
    assert len(points(d)) == 9


@pytest.mark.parametrize(
    "x, y",
    [([], []), ([1, 2, 3], [0.4, 0.4, 0.4]), ([1, 2], [np.nan, np.nan]), ([5], [3.0])],
    ids=["empty", "constant", "all NaN", "one week"],
)
def test_awkward_series_draw_axes_without_failing(x, y):
    root = parse(svg.line_chart(x, {"revenue": (y, "#8c564b")}, title="Revenue", xmax=156))
    assert root.findall(".//s:g[@class='grid']/s:line", NS)  # ticks and their grid lines


def test_a_constant_series_gets_a_y_range_around_its_value():
    root = parse(svg.line_chart([1, 2, 3], {"headcount": ([240, 240, 240], "#1f77b4")}))
    ticks = [float(t.text) for t in texts(root) if t.get("text-anchor") == "end"]
    assert min(ticks) < 240 < max(ticks)


def test_nice_ticks_are_round_and_cover_the_range():
    for lo, hi in [(0, 1), (0.013, 0.087), (-3.2, 17.5), (0, 156), (123_456, 130_001), (0.5, 0.5)]:
        ticks = svg.nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi and 3 <= len(ticks) <= 12
        step = np.diff(ticks)
        assert np.allclose(step, step[0])
        mantissa = step[0] / 10 ** np.floor(np.log10(step[0]))
        assert round(mantissa, 6) in (1, 2, 5)


def test_the_x_axis_runs_to_xmax_and_points_are_short():
    root = parse(svg.line_chart([1, 2, 3], {"culture": ([0.1, 0.2, 0.3], "#1f77b4")}, xmax=156))
    labels = [t.text for t in texts(root) if t.get("text-anchor") == "middle"]
    assert "150" in labels and "200" not in labels
    assert all(len(n.split(".")[-1]) <= 2 for n in re.findall(r"\d+\.\d+", role(root, "line")[0].get("d")))


def test_a_hostile_team_name_is_escaped_and_a_long_one_cut_with_its_whole_name_as_tooltip():
    hostile = '<script>alert("x")</script> & the Customer Experience Excellence Team'
    markup = svg.bar_chart([hostile, "Frontline 1.1"], [0.4, 0.6], ["#ff7f0e", "#1f77b4"], title="<b>teams</b>")
    assert "<script" not in markup and "<b>" not in markup
    root = parse(markup)
    cut = [t for t in texts(root) if t.find("s:title", NS) is not None]
    (label_text,) = cut
    assert label_text.find("s:title", NS).text == hostile
    assert label_text.text is None and "".join(label_text.itertext()).endswith("\u2026")
    assert len("".join(label_text.itertext())) - len(hostile) <= svg.MAX_LABEL
    assert "Frontline 1.1" in [t.text for t in texts(root)]


def test_bars_come_in_the_given_order_with_their_lengths_and_baselines():
    root = parse(
        svg.bar_chart(["a", "b", "c"], [0.2, 0.9, np.nan], ["red", "blue", "green"], baseline=[0.5, np.nan, 1])
    )
    bars = role(root, "bar")
    assert [b.get("fill") for b in bars] == ["red", "blue"]  # NaN: no bar
    assert float(bars[1].get("width")) == pytest.approx(4.5 * float(bars[0].get("width")), rel=0.02)
    assert float(bars[0].get("y")) < float(bars[1].get("y"))
    assert len(role(root, "baseline")) == 2


def test_the_left_margin_fits_the_longest_label():
    short = parse(svg.bar_chart(["a"], [0.5], ["red"]))
    long = parse(svg.bar_chart(["Back office 12.10 (manager_b)"[:28]], [0.5], ["red"]))
    assert float(role(long, "bar")[0].get("x")) > float(role(short, "bar")[0].get("x")) + 200


def test_network_nodes_one_element_a_seat_shaped_by_role_hollow_when_vacant_coloured_by_value():
    xy = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0.5]], dtype=float)
    leader = np.array([True, False, False, False, True])
    frontline = np.array([False, True, False, True, False])
    filled = np.array([True, True, True, False, False])
    layer = ET.fromstring(
        svg.network_nodes(xy, [0.0, 0.5, 1.0, 0.3, 0.9], leader, frontline, filled).replace(
            "<g ", f'<g xmlns="{svg.SVG_NS}" ', 1
        )
    )
    seats = list(layer)
    assert [s.tag.split("}")[1] for s in seats] == ["rect", "circle", "path", "circle", "rect"]
    assert [s.get("fill") for s in seats[3:]] == ["none", "none"]  # vacant: hollow, shape kept
    colours = [s.get("fill") for s in seats[:3]]
    assert colours == [svg.VIRIDIS[0], svg.VIRIDIS[128], svg.VIRIDIS[255]] and len(set(colours)) == 3
    assert seats[0].get("stroke") == "#000"  # a leader's edge


def test_network_layers_share_one_frame_and_the_picture_has_a_legend():
    xy = np.array([[0, 0], [3, 1], [1, 2]], dtype=float)
    ones = np.ones(3, dtype=bool)
    back = svg.network_background(xy, [(0, 1), (1, 2)], reports_to=[(0, 2)])
    nodes = svg.network_nodes(xy, [0.2, 0.4, 0.6], ~ones, ones, ones)
    (edges, _) = [parse(f'<svg xmlns="{svg.SVG_NS}">{part}</svg>').find(".//s:path", NS) for part in (back, back)]
    starts = points(edges.get("d").replace("L", " "))
    centres = {
        (float(c.get("cx")), float(c.get("cy")))
        for c in parse(f'<svg xmlns="{svg.SVG_NS}">{nodes}</svg>').iter()
        if c.get("cx")
    }
    assert {tuple(p) for p in starts} <= centres  # every tie ends on a seat
    root = parse(svg.network_svg(back, nodes, title="week 3"))
    words = [t.text for t in texts(root)]
    assert {"service orientation", "leader", "frontline", "back office", "vacant seat", "week 3"} <= set(words)


def test_the_colour_table_is_viridis():
    colormaps = pytest.importorskip("matplotlib").colormaps
    ours = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in svg.VIRIDIS]) / 255
    # 17 anchors linearly interpolated: within 6/255 of matplotlib's table on every channel
    assert np.abs(ours - colormaps["viridis"](np.linspace(0, 1, 256))[:, :3]).max() < 6 / 255


def test_charts_show_each_panel_of_the_figure_with_its_columns_and_the_baseline():
    ts = pd.DataFrame(
        {"step": np.arange(1, 11)}
        | {
            c: np.linspace(0.3, 0.6, 10)
            for c in ("service_quality", "internal_service_quality", "customer_satisfaction", "customer_retention")
        }
        | {"revenue": np.linspace(1e5, 2e5, 10)}
    )
    panels = svg.charts("service", ts, baseline=ts.iloc[:5], events=[(3, "wave")], xmax=156)
    assert len(panels) == len(CHARTS["service"]) == 2
    scores, revenue = (parse(p) for p in panels)
    assert [e.get("data-label") for e in role(scores, "line")] == [label(c) for c, _ in CHARTS["service"][0].lines]
    assert [e.get("stroke") for e in role(revenue, "line")] == ["#8c564b"]
    assert len(role(scores, "baseline")) == 4 and scores.get("data-name") == "service"
    with pytest.raises(ValueError, match="unknown chart"):
        svg.charts("weather", ts)


def test_the_culture_chart_shades_the_mean_plus_minus_its_spread_under_its_line():
    ts = {"step": np.arange(1, 21), "culture_mean": np.full(20, 0.6), "culture_spread": np.full(20, 0.1)}
    strength, consensus = (parse(p) for p in svg.charts("culture", ts))
    (band,) = role(strength, "band")
    (line,) = role(strength, "line")
    assert band.get("fill") == line.get("stroke") and float(band.get("fill-opacity")) < 1
    ys, centre = points(band.get("d").rstrip("Z"))[:, 1], points(line.get("d"))[0, 1]
    assert ys.min() < centre < ys.max()
    assert np.isclose(centre - ys.min(), ys.max() - centre, atol=0.2)  # +/- the same spread
    assert "+/- spread" in [t.text for t in texts(strength)] and not role(consensus, "band")
