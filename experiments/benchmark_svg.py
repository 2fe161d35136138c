"""How long the dashboard's SVG pictures of one week take (target: the six under 15 ms at company size).

    python experiments/benchmark_svg.py                 # company org, 156 weeks, 200 repeats
    python experiments/benchmark_svg.py --repeats 50

Runs the company org for 156 weeks with the training wave (and its baseline), then times each of
``sim.viz.svg``'s pictures on its tables: a line chart of 5 series with baseline and events, the bars
of 26 teams, the network's nodes for the org's seats and for 5,000 seats (the first call for an org,
which lays out the seats, and a later week's), and the four charts over weeks plus the bars and the
nodes together. Prints the median of each in milliseconds, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import numpy as np

from sim.config import load_config
from sim.run import baseline_run, run
from sim.viz import svg
from sim.viz.measures import BACKOFFICE_COLOUR, FRONTLINE_COLOUR, PEOPLE, label


def median_ms(work: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``work()`` over ``repeats`` calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    result = run(load_config(["org=company", "events=training_wave"]), seed=0)
    plain = baseline_run(result)
    ts, teams, model = result.timeseries, result.teams, result.model
    base = plain.timeseries if plain is not None else ts
    events = [(week, name) for week, name in model.timeline.starts()]
    org, people = model.org, model.people
    last = teams[teams["step"] == teams["step"].max()].sort_values("culture_mean")
    colours = np.where(last["frontline"].to_numpy(dtype=bool), FRONTLINE_COLOUR, BACKOFFICE_COLOUR).tolist()
    edges = list(org.graph().edges())
    rng = np.random.default_rng(0)
    big = rng.random((5000, 2))
    big_leader, big_front, big_filled = rng.random(5000) < 0.1, rng.random(5000) < 0.5, rng.random(5000) < 0.95
    series = {label(c): (ts[c], colour) for c, colour in svg.CHARTS["people"][0].lines}
    work = {
        "line chart, 5 series x 156 weeks, baseline, events": lambda: svg.line_chart(
            ts["step"], series, baseline={label(c): base[c] for c in PEOPLE}, events=events, ylim=(0, 1)
        ),
        "bar chart, 26 teams, baseline": lambda: svg.bar_chart(
            last["team_name"].astype(str).tolist(), last["culture_mean"], colours, baseline=last["culture_mean"] - 0.01
        ),
        f"network nodes, {org.n} seats, later week": lambda: svg.network_nodes(
            org.positions, people.orientation, org.is_leader, org.frontline, people.filled
        ),
        f"network nodes, {org.n} seats, first call": lambda: (
            svg._node_stubs.cache_clear(),
            svg.network_nodes(org.positions, people.orientation, org.is_leader, org.frontline, people.filled),
        ),
        "network nodes, 5000 seats, later week": lambda: svg.network_nodes(
            big, rng.random(5000), big_leader, big_front, big_filled
        ),
        "network nodes, 5000 seats, first call": lambda: (
            svg._node_stubs.cache_clear(),
            svg.network_nodes(big, rng.random(5000), big_leader, big_front, big_filled),
        ),
        f"network background, {org.n} seats": lambda: svg.network_background(org.positions, edges),
    }
    background = svg.network_background(org.positions, edges)

    def week() -> None:
        for chart in ("culture", "people", "service", "turnover"):
            svg.charts(chart, ts, baseline=base, events=events, xmax=156)
        work["bar chart, 26 teams, baseline"]()
        svg.network_svg(
            background,
            svg.network_nodes(org.positions, people.orientation, org.is_leader, org.frontline, people.filled),
            title="Service orientation, week 156",
        )

    work["the six pictures of a week (7 panels, bars, network)"] = week
    timings = {what: median_ms(fn, args.repeats) for what, fn in work.items()}
    for what, ms in timings.items():
        print(f"{what:60s} {ms:7.2f} ms")
    print(json.dumps({k: round(v, 3) for k, v in timings.items()}))


if __name__ == "__main__":
    main()
