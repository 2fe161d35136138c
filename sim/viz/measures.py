"""Which measures each chart of a run shows, in which words and colours.

Shared by the matplotlib figures (:mod:`sim.viz.plots`) and the browser's SVG charts
(:mod:`sim.viz.svg`), so a measure looks the same in a report and on the workshop's screen. Plain data,
no drawing library: importing it costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# matplotlib's default colour cycle ("tab10"), as hex so a browser reads them too.
BLUE, ORANGE, GREEN, RED, PURPLE, BROWN = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"
FRONTLINE_COLOUR, BACKOFFICE_COLOUR = ORANGE, BLUE
#: The baseline is drawn faint, in the colour of the line it is compared with.
BASELINE_ALPHA = 0.35
BASELINE_LABEL = "without the change"
#: Opacity of a band around a line (the culture's mean +/- its spread).
BAND_ALPHA = 0.25
PEOPLE = ("engagement", "trust", "psych_safety", "skill", "cynicism")
#: Plain words for columns whose names are shorthand.
WORDS = {"psych_safety": "psychological safety", "culture_mean": "culture mean"}


def label(column: str) -> str:
    """A column of the time series or team table in words (``psych_safety``: ``psychological safety``)."""
    return WORDS.get(column, column.replace("_", " "))


@dataclass(frozen=True)
class Panel:
    """One panel of a chart over weeks: its lines and axis.

    ``lines`` are ``(column, colour)`` pairs, columns of ``model.timeseries()`` (docs/outputs.md), each
    labelled by :func:`label`; ``unit_interval`` puts the y axis at 0..1 (shares and scores), otherwise it
    starts at 0 and ends where the data need. ``band``, ``(column, legend label)``, shades the first
    line +/- that column, in the line's colour.
    """

    title: str
    ylabel: str
    lines: tuple[tuple[str, str], ...]
    unit_interval: bool
    band: tuple[str, str] | None = None

    @property
    def ylim(self) -> tuple[float, float | None]:
        """The y axis's bounds, None for one the data set."""
        return (0.0, 1.0) if self.unit_interval else (0.0, None)

    def band_limits(self, ts: Mapping[str, Any]) -> tuple[Any, Any] | None:
        """The band's low and high edges over the weeks of ``ts`` (columns as arrays or Series), None
        for a panel without a band."""
        if self.band is None:
            return None
        centre, width = ts[self.lines[0][0]], ts[self.band[0]]
        return centre - width, centre + width


#: The charts over weeks of a run, by the figure's name, panel by panel (left to right in the figures).
CHARTS: dict[str, tuple[Panel, ...]] = {
    "culture": (
        Panel(
            "Culture strength",
            "service orientation (0-1)",
            (("culture_mean", BLUE),),
            unit_interval=True,
            band=("culture_spread", "+/- spread"),
        ),
        # The spread of values in [0, 1] is at most 0.5 and usually far less: a 0..1 axis would flatten it.
        Panel(
            "Consensus (lower spread = stronger)",
            "sd of orientation",
            (("culture_spread", PURPLE),),
            unit_interval=False,
        ),
    ),
    "people": (
        Panel(
            "People",
            "mean over staff (0-1)",
            tuple(zip(PEOPLE, (BLUE, ORANGE, GREEN, RED, PURPLE), strict=True)),
            unit_interval=True,
        ),
    ),
    "service": (
        Panel(
            "Service and customers",
            "score / share (0-1)",
            (
                ("service_quality", BLUE),
                ("internal_service_quality", ORANGE),
                ("customer_satisfaction", GREEN),
                ("customer_retention", RED),
            ),
            unit_interval=True,
        ),
        # one legend serves both panels in the figure: revenue takes a colour no score line has
        Panel("Revenue", "currency units per week", (("revenue", BROWN),), unit_interval=False),
    ),
    "turnover": (
        # Weekly quit rates are a few percent at most: a 0..1 axis would hide them.
        Panel("Turnover", "leavers / headcount per week", (("turnover_rate", RED),), unit_interval=False),
        Panel("Headcount", "people / open seats", (("headcount", BLUE), ("vacancies", ORANGE)), unit_interval=False),
    ),
}
