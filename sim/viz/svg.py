"""Charts as inline SVG markup, cheap enough to redraw every week while the dashboard plays.

Pure functions of arrays that return strings: no drawing library, nothing fetched, numpy only. The
browser draws the markup; each chart scales to its container (``viewBox``, ``width="100%"``).

Sizes are in ``viewBox`` units: a chart ``width`` units wide shown in a column ``C`` pixels wide
shows ``font_px`` as ``font_px * C / width`` pixels. At the default 640 units and 16 px, a chart in
half of a 1920-pixel projector (about 900 px) shows text at about 22 px; keep ``width`` no wider than
the column it is shown in, so no text falls under ``font_px``. Text widths are estimated at
:data:`CHAR_EM` of the font size per character (a little over DejaVu Sans's and Arial's average), so
labels are never cut off by the margins computed from them.

Every text put into the markup (titles, labels, team names from clients' files) is escaped.

Measured by ``experiments/benchmark_svg.py`` (median of 200 calls on a company-size run of 156 weeks
with the training wave; Python 3.12, a 2-core machine shared with other work, load average 1.5-2):

=====================================================================  ===========
line chart, 5 series x 156 weeks, with baseline and 2 events            1.6-2.0 ms
bar chart, 26 teams, with baseline                                      0.8 ms
network nodes, 246 seats: a later week / the first call for an org      0.08 / 0.4 ms
network nodes, 5,000 seats: a later week / the first call for an org    1.3 / 5.6-6.5 ms
network background, 246 seats (once per org)                            1.4 ms
the six pictures of a week (7 line panels, the bars, the network)       10.5-11 ms
=====================================================================  ===========

Formatting the numbers is most of it: a line chart's points are written once per x and once per y,
and the seats' shapes and places are kept per org (:func:`network_nodes`), so a week writes only
their colours.
"""

from __future__ import annotations

import functools
import itertools
import math
import textwrap
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
from numpy.typing import ArrayLike

from sim.viz.measures import BAND_ALPHA, BASELINE_ALPHA, BASELINE_LABEL, CHARTS, label

#: Estimated text width per character, in units of the font size.
CHAR_EM = 0.6
#: Labels longer than this are cut with an ellipsis, the whole label in a tooltip.
MAX_LABEL = 28
TEXT, AXIS, GRID, EVENT = "#222", "#555", "#dddddd", "#404040"
LINE_WIDTH, BASELINE_WIDTH = 2.5, 1.8
SOLID = f' stroke-width="{LINE_WIDTH}"'
SVG_NS = "http://www.w3.org/2000/svg"
# viridis at 0, 1/16, ..., 1 (matplotlib's table); the 256 colours between are interpolated from these.
_VIRIDIS_ANCHORS = (
    *("#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e", "#26828e", "#21918c"),
    *("#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30", "#d8e219", "#fde725"),
)


def _colour_table(anchors: Sequence[str], size: int = 256) -> np.ndarray:
    rgb = np.array([[int(a[i : i + 2], 16) for i in (1, 3, 5)] for a in anchors], dtype=float)
    at = np.linspace(0.0, 1.0, len(anchors))
    grid = np.linspace(0.0, 1.0, size)
    channels = np.rint(np.column_stack([np.interp(grid, at, rgb[:, c]) for c in range(3)])).astype(int)
    return np.array([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in channels])


#: 256 colours of viridis (a perceptual colormap, readable in grey), index ``round(value * 255)``.
VIRIDIS = _colour_table(_VIRIDIS_ANCHORS)


def _text_width(text: str, font_px: float) -> float:
    return len(text) * CHAR_EM * font_px


def _num(value: float) -> str:
    """A coordinate with one decimal at most (``12``, ``12.5``)."""
    return f"{value:.1f}".removesuffix(".0")


def _svg(width: float, height: float, body: list[str], *, name: str, title: str, kind: str) -> str:
    return (
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {_num(width)} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" class="sim-chart sim-{kind}" data-name="{escape(name)}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, font_px: float, **attributes: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attributes.items())
    return f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(font_px)}" fill="{TEXT}"{extra}>{escape(text)}</text>'


def _title_lines(title: str, width: float, font_px: float) -> list[str]:
    return textwrap.wrap(title, max(10, int(width / (CHAR_EM * font_px)))) if title else []


def _titles(lines: list[str], width: float, top: float, font_px: float) -> list[str]:
    return [
        _text(width / 2, top + (i + 1) * 1.25 * font_px - 0.3 * font_px, line, font_px, text_anchor="middle")
        for i, line in enumerate(lines)
    ]


def _legend(
    entries: Sequence[tuple[str, str, str]], left: float, top: float, width: float, font_px: float
) -> tuple[list[str], float]:
    """A legend in rows (wrapped to ``width``) from ``(label, colour, stroke attributes)``, each shown by
    a short line; returns the markup and its height."""
    body, x, y, row = [], left, top, 1.4 * font_px
    swatch = 1.6 * font_px
    rows = 1 if entries else 0
    for text, colour, extra in entries:
        need = swatch + 0.4 * font_px + _text_width(text, font_px)
        if x > left and x + need > left + width:
            x, y, rows = left, y + row, rows + 1
        middle = y + row / 2
        body.append(
            f'<line x1="{_num(x)}" y1="{_num(middle)}" x2="{_num(x + swatch)}" y2="{_num(middle)}" '
            f'stroke="{escape(colour)}"{extra}/>'
        )
        body.append(_text(x + swatch + 0.4 * font_px, middle + 0.35 * font_px, text, font_px))
        x += need + 1.2 * font_px
    return ['<g class="legend">', *body, "</g>"], rows * row


def nice_ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """About ``count`` round ticks (steps of 1, 2 or 5 times a power of ten) covering ``[lo, hi]``.

    The first tick is at or below ``lo`` and the last at or above ``hi``; ``lo == hi`` gets a step
    around the value (a tenth of it either side). Ticks are rounded to the step's decimals, so they print exactly.

    >>> nice_ticks(0.0, 1.0).tolist()
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    """
    if not hi > lo:  # a single value: a tenth of it either side (0.5 around 0)
        pad = abs(lo) / 10 or 0.5
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    raw = span / max(1, count)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    if last <= first:
        last = first + 1
    decimals = max(0, -math.floor(math.log10(step)))
    return np.round(np.arange(first, last + 1) * step, decimals)


def _tick_label(value: float, step: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 1000:g}k"
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    return f"{value:.{decimals}f}"


def _strings(values: np.ndarray) -> list[str]:
    """Numbers rounded to one decimal, as text (``12.3``, ``12.0``): one C-level pass, no format calls."""
    return list(map(str, np.round(values, 1).ravel().tolist()))


def _path(x: np.ndarray, y: np.ndarray, x_text: list[str]) -> str:
    """``M x y L x y x y ...`` through the finite points; a NaN ends a piece, so the line has a gap there
    (a piece of one point draws nothing and is left out). ``x_text`` is ``_strings(x)``, which the lines
    of a chart share: formatting numbers is most of a chart's time."""
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    y_text = _strings(y)
    pieces = []
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):  # finite points a..b-1
        if b - a > 1:
            rest = " ".join(itertools.chain.from_iterable(zip(x_text[a + 1 : b], y_text[a + 1 : b], strict=True)))
            pieces.append(f"M{x_text[a]} {y_text[a]}L{rest}")
    return "".join(pieces)


def _finite(*arrays: np.ndarray) -> np.ndarray:
    values = np.concatenate([a.ravel() for a in arrays]) if arrays else np.empty(0)
    return values[np.isfinite(values)]


def line_chart(
    x: ArrayLike,
    series: Mapping[str, tuple[ArrayLike, str]],
    *,
    baseline: Mapping[str, ArrayLike] | None = None,
    baseline_x: ArrayLike | None = None,
    band: tuple[ArrayLike, ArrayLike, str, str] | None = None,
    events: Sequence[tuple[float, str]] = (),
    title: str = "",
    ylabel: str = "",
    xlabel: str = "week",
    ylim: tuple[float | None, float | None] | None = None,
    xmax: float | None = None,
    width: float = 640,
    height: float = 300,
    font_px: float = 16,
    name: str = "chart",
) -> str:
    """A chart of lines over weeks, as an ``<svg>`` element.

    Parameters
    ----------
    x : array_like
        The weeks, 1-D. Empty draws empty axes.
    series : mapping of str to (array_like, str)
        Legend label -> (y values of the same length as ``x``, css colour). NaN leaves a gap.
    baseline : mapping of str to array_like, optional
        Label (of ``series``) -> the same measure in the same scenario without the room's changes, drawn
        beneath its line faint (opacity :data:`~sim.viz.measures.BASELINE_ALPHA`, thinner) in its colour;
        the legend says so. Its length may differ from ``x``'s; points beyond the x axis are left out.
    baseline_x : array_like, optional
        The baseline's weeks; by default they continue ``x``'s own: ``x[0], x[0] + 1, ...`` (from week 1
        when ``x`` is empty).
    band : (array_like, array_like, str, str), optional
        ``(low, high, colour, label)``: a shaded band between two series over ``x`` (e.g. the culture's
        mean +/- its spread), beneath the lines, named first in the legend.
    events : sequence of (float, str)
        ``(week, name)``: a dotted vertical line at the week, labelled with the name (those outside the
        x axis are left out).
    title, ylabel, xlabel : str
        Text above the chart (wrapped to its width), beside the y axis, under the x axis.
    ylim : (float or None, float or None), optional
        The y axis's bounds; None (or a None end) is set from the data (lines and baseline), widened to
        round ticks; a constant series gets a range around its value.
    xmax : float, optional
        The x axis's upper end (the weeks so far, or a fixed horizon); by default the last week. The x
        axis starts at 0 (or at the first week, when that is negative).
    width, height : float
        Size of the ``viewBox``; the element is as wide as its container, its height in proportion.
    font_px : float
        Size of every text (event labels too), in viewBox units.
    name : str
        The ``data-name`` attribute (e.g. ``svg[data-name=culture]`` in a browser).

    Returns
    -------
    str
        ``<svg ...>...</svg>``: a light grid at round ticks, the axes, a legend in rows between title
        and plot, each line a ``<path data-role="line">`` (baselines ``data-role="baseline"``, events
        ``<g class="event" data-week=...>``).
    """
    f = float(font_px)
    xs = np.asarray(x, dtype=float).ravel()
    lines = {key: (np.asarray(y, dtype=float).ravel(), colour) for key, (y, colour) in series.items()}
    bases = {key: np.asarray(y, dtype=float).ravel() for key, y in (baseline or {}).items() if key in lines}
    start = xs[0] if xs.size else 1.0
    bx = np.asarray(baseline_x, dtype=float).ravel() if baseline_x is not None else None
    x_lo = min(0.0, float(np.nanmin(xs))) if np.isfinite(xs).any() else 0.0
    x_hi = float(xmax) if xmax is not None else (float(np.nanmax(xs)) if np.isfinite(xs).any() else 1.0)
    x_hi = x_hi if x_hi > x_lo else x_lo + 1.0
    base_weeks = {
        key: (bx[: y.size] if bx is not None else start + np.arange(y.size, dtype=float)) for key, y in bases.items()
    }
    bases = {key: y[: base_weeks[key].size] for key, y in bases.items()}
    shown = {key: base_weeks[key] <= x_hi for key in bases}

    edges = [np.asarray(e, dtype=float).ravel() for e in band[:2]] if band is not None else []
    edges = [e[: min(xs.size, *(e.size for e in edges))] for e in edges]
    lo, hi = ylim if ylim is not None else (None, None)
    data = _finite(*(y for y, _ in lines.values()), *(bases[k][shown[k]] for k in bases), *edges)
    auto_lo, auto_hi = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
    if lo is not None and hi is None:
        auto_hi = max(auto_hi, lo)
    if hi is not None and lo is None:
        auto_lo = min(auto_lo, hi)
    y_lo = float(lo) if lo is not None else auto_lo
    y_hi = float(hi) if hi is not None else auto_hi
    yticks = nice_ticks(y_lo, y_hi)
    if lo is None:
        y_lo = float(yticks[0])
    if hi is None:
        y_hi = float(yticks[-1])
    if y_hi <= y_lo:
        y_hi = y_lo + 1.0
    yticks = yticks[(yticks >= y_lo - 1e-9) & (yticks <= y_hi + 1e-9)]
    ystep = float(yticks[1] - yticks[0]) if yticks.size > 1 else 1.0
    ylabels = [_tick_label(v, ystep) for v in yticks.tolist()]
    xticks = nice_ticks(x_lo, x_hi)
    xticks = xticks[(xticks >= x_lo - 1e-9) & (xticks <= x_hi + 1e-9)]
    xstep = float(xticks[1] - xticks[0]) if xticks.size > 1 else 1.0

    pad = 0.5 * f
    heading = _title_lines(title, width - 2 * pad, f)
    entries = [(key, colour, SOLID) for key, (_, colour) in lines.items()]
    if band is not None:
        entries.insert(0, (band[3], band[2], f' stroke-width="{_num(0.8 * f)}" stroke-opacity="{BAND_ALPHA}"'))
    if bases:
        entries.append((f"faint: {BASELINE_LABEL}", AXIS, f'{SOLID} stroke-opacity="{BASELINE_ALPHA}"'))
    legend_top = pad + len(heading) * 1.25 * f
    legend, legend_height = _legend(entries, pad, legend_top, width - 2 * pad, f)
    top = legend_top + legend_height + 0.7 * f
    bottom = height - pad - (1.4 * f if xlabel else 0) - 1.3 * f
    bottom = max(bottom, top + 2 * f)  # a tiny chart keeps a plot area, its legend may overflow
    # a y label longer than the axis goes on two lines or more rather than past the chart's edges
    side = textwrap.wrap(ylabel, max(8, int((bottom - top) / (CHAR_EM * f)))) if ylabel else []
    left = pad + 1.25 * f * len(side) + max((_text_width(t, f) for t in ylabels), default=0) + 0.5 * f
    right = width - pad - _text_width(_tick_label(float(xticks[-1]) if xticks.size else 0, xstep), f) / 2
    sx = (right - left) / (x_hi - x_lo)
    sy = (bottom - top) / (y_hi - y_lo)

    def px(v: np.ndarray) -> np.ndarray:
        return left + (v - x_lo) * sx

    def py(v: np.ndarray) -> np.ndarray:
        return np.clip(bottom - (v - y_lo) * sy, top, bottom)

    body = [*_titles(heading, width, pad, f), *legend, f'<g class="grid" stroke="{GRID}" stroke-width="1">']
    body += [f'<line x1="{_num(left)}" y1="{y}" x2="{_num(right)}" y2="{y}"/>' for y in map(_num, py(yticks))]
    body += [f'<line x1="{x}" y1="{_num(top)}" x2="{x}" y2="{_num(bottom)}"/>' for x in map(_num, px(xticks))]
    body.append("</g>")
    body += [
        _text(left - 0.4 * f, y + 0.35 * f, text, f, text_anchor="end")
        for y, text in zip(py(yticks).tolist(), ylabels, strict=True)
    ]
    body += [
        _text(x, bottom + 1.2 * f, _tick_label(v, xstep), f, text_anchor="middle")
        for x, v in zip(px(xticks).tolist(), xticks.tolist(), strict=True)
    ]
    body.append(
        f'<path d="M{_num(left)},{_num(top)}V{_num(bottom)}H{_num(right)}" fill="none" stroke="{AXIS}" '
        'stroke-width="1.2"/>'
    )
    if xlabel:
        body.append(_text((left + right) / 2, height - pad, xlabel, f, text_anchor="middle"))
    ly = (top + bottom) / 2
    for i, line in enumerate(side):
        lx = pad + f + 1.25 * f * i
        body.append(_text(lx, ly, line, f, text_anchor="middle", transform=f"rotate(-90 {_num(lx)} {_num(ly)})"))
    for week, text in events:
        if not x_lo <= week <= x_hi:
            continue
        ex = _num(float(px(np.float64(week))))
        body.append(
            f'<g class="event" data-week="{escape(str(week))}"><line x1="{ex}" y1="{_num(top)}" x2="{ex}" '
            f'y2="{_num(bottom)}" stroke="{EVENT}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
        tx, ty = float(ex) - 0.3 * f, top + 0.3 * f
        # a white halo keeps the name readable where it crosses a line
        halo = {"stroke": "#fff", "stroke_width": "4", "paint_order": "stroke"}
        rotate = f"rotate(-90 {_num(tx)} {_num(ty)})"
        body.append(_text(tx, ty, text, f, text_anchor="end", transform=rotate, **halo) + "</g>")
    if band is not None:
        low, high = edges
        keep = np.isfinite(low) & np.isfinite(high)
        along = px(xs[: low.size][keep])
        outline = np.concatenate([along, along[::-1]])
        heights = np.concatenate([py(high[keep]), py(low[keep])[::-1]])
        if outline.size > 2:
            body.append(
                f'<path data-role="band" d="{_path(outline, heights, _strings(outline))}Z" '
                f'fill="{escape(band[2])}" fill-opacity="{BAND_ALPHA}" stroke="none"/>'
            )
    x_texts: dict[bytes, list[str]] = {}  # the baselines' weeks are usually the same for all
    for key, y in bases.items():
        weeks = px(base_weeks[key][shown[key]])
        x_text = x_texts.setdefault(weeks.tobytes(), _strings(weeks))
        body.append(
            f'<path data-role="baseline" data-label="{escape(key)}" d="{_path(weeks, py(y[shown[key]]), x_text)}" '
            f'fill="none" stroke="{escape(lines[key][1])}" stroke-opacity="{BASELINE_ALPHA}" '
            f'stroke-width="{BASELINE_WIDTH}" stroke-linejoin="round"/>'
        )
    weeks = px(xs)
    x_text = _strings(weeks)
    for key, (y, colour) in lines.items():
        n = min(xs.size, y.size)
        body.append(
            f'<path data-role="line" data-label="{escape(key)}" d="{_path(weeks[:n], py(y[:n]), x_text[:n])}" '
            'fill="none" '
            f'stroke="{escape(colour)}" stroke-width="{LINE_WIDTH}" stroke-linejoin="round"/>'
        )
    return _svg(width, height, body, name=name, title=title, kind="line")


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "\u2026"


def bar_chart(
    labels: Sequence[str],
    values: ArrayLike,
    colours: Sequence[str],
    *,
    baseline: ArrayLike | None = None,
    legend: Sequence[tuple[str, str]] = (),
    title: str = "",
    xlabel: str = "",
    xlim: tuple[float, float] | None = (0.0, 1.0),
    width: float = 640,
    height: float | None = None,
    font_px: float = 16,
    name: str = "bars",
) -> str:
    """Horizontal bars, one a label, top to bottom in the order given (the caller sorts), as an ``<svg>``.

    Parameters
    ----------
    labels : sequence of str
        A label per bar, left of it in full; one longer than :data:`MAX_LABEL` characters is cut with an
        ellipsis and shown whole in a tooltip (a ``<title>``).
    values : array_like
        A value per bar; NaN draws no bar.
    colours : sequence of str
        A css colour per bar.
    baseline : array_like, optional
        A value per bar (NaN for none) marked by a dark tick across the bar: the same scenario without
        the room's changes; the legend says so.
    legend : sequence of (str, str)
        ``(label, colour)`` entries of the legend (e.g. frontline and back office).
    title, xlabel : str
        Text above the chart (wrapped) and under the x axis.
    xlim : (float, float), optional
        The x axis; None sets it from 0 (or the lowest value, when negative) to the largest value,
        widened to round ticks. Bars beyond it are cut at its ends.
    width, height : float
        Size of the ``viewBox``; the height by default fits the bars (1.6 ``font_px`` a bar).
    font_px : float
        Size of every text, in viewBox units.
    name : str
        The ``data-name`` attribute.

    Returns
    -------
    str
        ``<svg ...>...</svg>`` with a ``<rect data-role="bar">`` per drawn bar and a ``<line
        data-role="baseline">`` per baseline value.
    """
    f = float(font_px)
    vals = np.asarray(values, dtype=float).ravel()
    base = np.asarray(baseline, dtype=float).ravel() if baseline is not None else None
    if not len(labels) == vals.size == len(colours) or (base is not None and base.size != vals.size):
        raise ValueError("bar_chart: labels, values, colours (and baseline) need one entry per bar")
    if xlim is None:
        data = _finite(vals, base) if base is not None else _finite(vals)
        ticks = nice_ticks(min(0.0, float(data.min(initial=0.0))), float(data.max(initial=1.0)))
        x_lo, x_hi = float(ticks[0]), float(ticks[-1])
    else:
        x_lo, x_hi = float(xlim[0]), float(xlim[1])
        ticks = nice_ticks(x_lo, x_hi)
        ticks = ticks[(ticks >= x_lo - 1e-9) & (ticks <= x_hi + 1e-9)]
    step = float(ticks[1] - ticks[0]) if ticks.size > 1 else 1.0
    shorts = [_short(str(text)) for text in labels]

    pad, row = 0.5 * f, 1.6 * f
    heading = _title_lines(title, width - 2 * pad, f)
    entries = [(text, colour, SOLID) for text, colour in legend]
    if base is not None:
        entries.append((BASELINE_LABEL, TEXT, f'{SOLID} stroke-opacity="0.8"'))
    legend_top = pad + len(heading) * 1.25 * f
    legend_body, legend_height = _legend(entries, pad, legend_top, width - 2 * pad, f)
    top = legend_top + legend_height + 0.5 * f
    left = pad + max((_text_width(s, f) for s in shorts), default=0) + 0.6 * f
    right = width - pad - _text_width(_tick_label(float(ticks[-1]), step), f) / 2
    below = 1.3 * f + (1.4 * f if xlabel else 0) + pad
    if height is None:
        height = top + max(1, vals.size) * row + below
    bottom = max(height - below, top + row)
    row = (bottom - top) / max(1, vals.size)
    scale = (right - left) / (x_hi - x_lo) if x_hi > x_lo else 0.0

    def px(v: np.ndarray) -> np.ndarray:
        return left + (np.clip(v, x_lo, x_hi) - x_lo) * scale

    body = [*_titles(heading, width, pad, f), *legend_body, f'<g class="grid" stroke="{GRID}" stroke-width="1">']
    body += [f'<line x1="{x}" y1="{_num(top)}" x2="{x}" y2="{_num(bottom)}"/>' for x in map(_num, px(ticks))]
    body.append("</g>")
    body += [
        _text(x, bottom + 1.2 * f, _tick_label(v, step), f, text_anchor="middle")
        for x, v in zip(px(ticks).tolist(), ticks.tolist(), strict=True)
    ]
    zero = float(px(np.float64(max(x_lo, min(0.0, x_hi)))))
    ends = px(vals).tolist()
    for i, (text, short, colour, end) in enumerate(zip(labels, shorts, colours, ends, strict=True)):
        y = top + i * row
        tip = f"<title>{escape(str(text))}</title>" if short != text else ""
        body.append(
            f'<text x="{_num(left - 0.4 * f)}" y="{_num(y + row / 2 + 0.35 * f)}" font-size="{_num(f)}" '
            f'fill="{TEXT}" text-anchor="end">{tip}{escape(short)}</text>'
        )
        if math.isfinite(vals[i]):
            body.append(
                f'<rect data-role="bar" x="{_num(min(zero, end))}" y="{_num(y + 0.15 * row)}" '
                f'width="{_num(abs(end - zero))}" height="{_num(0.7 * row)}" fill="{escape(colour)}"/>'
            )
        if base is not None and math.isfinite(base[i]):
            bx = _num(float(px(base[i])))
            body.append(
                f'<line data-role="baseline" x1="{bx}" y1="{_num(y + 0.05 * row)}" x2="{bx}" '
                f'y2="{_num(y + 0.95 * row)}" stroke="{TEXT}" stroke-opacity="0.8" stroke-width="2"/>'
            )
    body.append(
        f'<path d="M{_num(left)},{_num(top)}V{_num(bottom)}H{_num(right)}" fill="none" stroke="{AXIS}" '
        'stroke-width="1.2"/>'
    )
    if xlabel:
        body.append(_text((left + right) / 2, height - pad, xlabel, f, text_anchor="middle"))
    return _svg(width, height, body, name=name, title=title, kind="bar")


def _frame(positions: ArrayLike, width: float, height: float) -> np.ndarray:
    """Positions scaled (the same in x and y) and centred into the viewBox with a margin, y upwards."""
    xy = np.asarray(positions, dtype=float).reshape(-1, 2)
    margin = 0.04 * min(width, height) + 6
    if xy.size == 0:
        return xy
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    scale = float(min((width - 2 * margin) / span[0], (height - 2 * margin) / span[1]))
    centre = (lo + hi) / 2
    out = np.empty_like(xy)
    out[:, 0] = width / 2 + (xy[:, 0] - centre[0]) * scale
    out[:, 1] = height / 2 - (xy[:, 1] - centre[1]) * scale
    return out


def _segments(xy: np.ndarray, edges: ArrayLike) -> str:
    pairs = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    ends = _strings(xy[pairs])
    return "".join(
        f"M{a} {b}L{c} {d}" for a, b, c, d in zip(ends[::4], ends[1::4], ends[2::4], ends[3::4], strict=True)
    )


def network_background(
    positions: ArrayLike,
    edges: ArrayLike,
    *,
    reports_to: ArrayLike | None = None,
    width: float = 640,
    height: float = 640,
) -> str:
    """The organisation's ties as a ``<g>`` layer: draw once per org, under :func:`network_nodes`.

    Parameters
    ----------
    positions : array_like
        ``(n, 2)`` seat positions (``org.positions``), scaled into the viewBox with a margin.
    edges : array_like
        ``(m, 2)`` seat pairs (e.g. ``list(org.graph().edges())``): one light grey ``<path>``.
    reports_to : array_like, optional
        ``(k, 2)`` seat pairs of reporting lines, drawn darker over the others.
    width, height : float
        The viewBox the layer is drawn in (the same as the nodes' and :func:`network_svg`'s).

    Returns
    -------
    str
        ``<g class="network-edges">`` with one ``<path>`` per kind of tie.
    """
    xy = _frame(positions, width, height)
    body = [f'<path d="{_segments(xy, edges)}" fill="none" stroke="#c8c8c8" stroke-width="0.6"/>']
    if reports_to is not None:
        body.append(f'<path d="{_segments(xy, reports_to)}" fill="none" stroke="#8a8a8a" stroke-width="1"/>')
    return '<g class="network-edges">' + "".join(body) + "</g>"


@functools.lru_cache(maxsize=8)
def _node_stubs(
    positions: bytes, leader: bytes, frontline: bytes, width: float, height: float, size: float
) -> list[str]:
    """Each seat's element up to its fill colour: fixed for an org, so a week's picture only adds the
    colours (the cache is keyed by the arrays' bytes)."""
    xy = _frame(np.frombuffer(positions, dtype=float), width, height)
    kind = np.where(np.frombuffer(leader, dtype=bool), 0, np.where(np.frombuffer(frontline, dtype=bool), 1, 2))
    half, tri = size * 0.45, size * 0.62
    # one anchor a seat: a square's corner, a circle's centre, a triangle's top
    x = _strings(np.where(kind == 0, xy[:, 0] - half, xy[:, 0]))
    y = _strings(np.where(kind == 0, xy[:, 1] - half, np.where(kind == 1, xy[:, 1], xy[:, 1] - tri)))
    square = f'" width="{_num(2 * half)}" height="{_num(2 * half)}" fill="'
    circle = f'" r="{_num(size / 2)}" fill="'
    triangle = f"l{_num(tri)} {_num(tri * 1.6)}h{_num(-2 * tri)}z" + '" fill="'
    return [
        f'<rect x="{a}" y="{b}{square}'
        if k == 0
        else (f'<circle cx="{a}" cy="{b}{circle}' if k == 1 else f'<path d="M{a} {b}{triangle}')
        for a, b, k in zip(x, y, kind.tolist(), strict=True)
    ]


_TAILS = np.array(['"/>', '" stroke="#000" stroke-width="1"/>', '" stroke="#777" stroke-width="1.2"/>'])


def network_nodes(
    positions: ArrayLike,
    colour_values: ArrayLike,
    is_leader: ArrayLike,
    frontline: ArrayLike,
    filled: ArrayLike,
    *,
    cmap: np.ndarray = VIRIDIS,
    size_px: float = 7.0,
    width: float = 640,
    height: float = 640,
) -> str:
    """The seats as a ``<g>`` layer, one element a seat in seat order: the part redrawn every week.

    Leaders are black-edged squares (``<rect>``), frontline staff circles (``<circle>``), back-office
    staff triangles (``<path>``); a vacant seat keeps its shape, hollow (``fill="none"``, grey edge).

    Parameters
    ----------
    positions : array_like
        ``(n, 2)`` seat positions, as given to :func:`network_background` with the same viewBox.
    colour_values : array_like
        A value per seat in [0, 1] (e.g. service orientation), coloured by ``cmap``; values outside are
        clipped, NaN is 0.
    is_leader, frontline, filled : array_like of bool
        Per seat: leads a team, serves customers, is occupied.
    cmap : numpy.ndarray of str
        Css colours, value ``v`` takes entry ``round(v * (len - 1))``: :data:`VIRIDIS` by default.
    size_px : float
        A seat's size in viewBox units.
    width, height : float
        The viewBox.

    Returns
    -------
    str
        ``<g class="network-nodes">`` with ``n`` children.
    """
    xy = np.ascontiguousarray(positions, dtype=float)
    leader = np.ascontiguousarray(is_leader, dtype=bool)
    stubs = _node_stubs(
        xy.tobytes(),
        leader.tobytes(),
        np.ascontiguousarray(frontline, dtype=bool).tobytes(),
        float(width),
        float(height),
        float(size_px),
    )
    values = np.nan_to_num(np.asarray(colour_values, dtype=float), nan=0.0)
    index = np.rint(np.clip(values, 0.0, 1.0) * (len(cmap) - 1)).astype(np.intp)
    occupied = np.asarray(filled, dtype=bool)
    fills = np.where(occupied, cmap[index], "none").tolist()
    tails = _TAILS[np.where(occupied, leader.astype(np.intp), 2)].tolist()
    return (
        '<g class="network-nodes">' + "".join([a + b + c for a, b, c in zip(stubs, fills, tails, strict=True)]) + "</g>"
    )


def network_svg(
    background: str,
    nodes: str,
    *,
    width: float = 640,
    height: float = 640,
    legend: bool = True,
    title: str = "",
    colour_label: str = "service orientation",
    cmap: np.ndarray = VIRIDIS,
    font_px: float = 16,
    name: str = "network",
) -> str:
    """The network picture: ``background`` and ``nodes`` (drawn in a ``width`` x ``height`` viewBox)
    under a title, with a legend to their right: a colour bar 0..1 labelled ``colour_label``, and the
    shapes (leader, frontline, back office, vacant seat).

    Returns
    -------
    str
        ``<svg ...>...</svg>``, ``data-name`` = ``name``.
    """
    f = float(font_px)
    pad = 0.5 * f
    heading = _title_lines(title, width - 2 * pad, f)
    top = pad + len(heading) * 1.25 * f
    shapes = ("leader", "frontline", "back office", "vacant seat")
    legend_width = (
        2 * pad + max(_text_width(colour_label, f), 1.6 * f + _text_width(max(shapes, key=len), f)) if legend else 0
    )
    body = [*_titles(heading, width + legend_width, pad, f), f'<g transform="translate(0 {_num(top)})">', background]
    body += [nodes, "</g>"]
    if legend:
        x = width + pad
        y = top + 1.2 * f
        body.append('<g class="legend">' + _text(x, y, colour_label, f))
        steps, bar_top, bar_height, bar_width = 32, y + 0.6 * f, min(height * 0.45, 12 * f), 1.2 * f
        part = bar_height / steps
        for i in range(steps):  # top = 1: plain rects, no gradient ids to clash between pictures on a page
            colour = cmap[round((1 - (i + 0.5) / steps) * (len(cmap) - 1))]
            body.append(
                f'<rect x="{_num(x)}" y="{_num(bar_top + i * part)}" width="{_num(bar_width)}" '
                f'height="{_num(part + 0.3)}" fill="{colour}"/>'
            )
        for value in (1.0, 0.5, 0.0):
            ty = bar_top + (1 - value) * bar_height + 0.35 * f
            body.append(_text(x + bar_width + 0.4 * f, ty, f"{value:g}", f))
        y = bar_top + bar_height + 1.5 * f
        s = 0.8 * f
        marks = (
            f'<rect x="{{x}}" y="{{y}}" width="{_num(s)}" height="{_num(s)}" fill="#777" stroke="#000"/>',
            f'<circle cx="{{cx}}" cy="{{cy}}" r="{_num(s / 2)}" fill="#777"/>',
            f'<path d="M{{cx}} {{y}}l{_num(s / 2)} {_num(s)}h{_num(-s)}z" fill="#777"/>',
            f'<circle cx="{{cx}}" cy="{{cy}}" r="{_num(s / 2)}" fill="none" stroke="#777" stroke-width="1.2"/>',
        )
        for i, (mark, text) in enumerate(zip(marks, shapes, strict=True)):
            my = y + i * 1.5 * f
            body.append(mark.format(x=_num(x), y=_num(my), cx=_num(x + s / 2), cy=_num(my + s / 2)))
            body.append(_text(x + 1.6 * f, my + s / 2 + 0.35 * f, text, f))
        body.append("</g>")
    return _svg(width + legend_width, top + height, body, name=name, title=title, kind="network")


def charts(
    chart: str,
    ts: Mapping[str, ArrayLike],
    *,
    baseline: Mapping[str, ArrayLike] | None = None,
    events: Sequence[tuple[float, str]] = (),
    xmax: float | None = None,
    only: int | None = None,
    title: str | None = None,
    **options: object,
) -> list[str]:
    """The panels of one of the charts over weeks (``culture``, ``people``, ``service``, ``turnover``:
    :data:`sim.viz.measures.CHARTS`) as :func:`line_chart` SVGs, the same measures, words and colours as
    the run's figures (:mod:`sim.viz.plots`).

    ``ts`` and ``baseline`` are time series by column (``model.timeseries()``, or a dict of arrays), with
    ``step``; ``options`` go to :func:`line_chart` (``width``, ``height``, ``font_px``). Each panel's
    ``data-name`` is ``chart``. ``only`` draws just that panel (the dashboard shows each chart's first);
    ``title`` replaces the panels' own titles (a message, such as :func:`sim.viz.plots.culture_message`).
    """
    if chart not in CHARTS:
        raise ValueError(f"unknown chart {chart!r}: one of {', '.join(CHARTS)}")
    out = []
    for panel in CHARTS[chart] if only is None else CHARTS[chart][only : only + 1]:
        present = baseline is not None and len(np.asarray(baseline["step"])) > 0
        limits = panel.band_limits(ts)
        band = None if limits is None else (*limits, panel.lines[0][1], panel.band[1])
        out.append(
            line_chart(
                ts["step"],
                {label(column): (ts[column], colour) for column, colour in panel.lines},
                baseline={label(c): baseline[c] for c, _ in panel.lines} if present else None,
                baseline_x=baseline["step"] if present else None,
                band=band,
                events=events,
                title=panel.title if title is None else title,
                ylabel=panel.ylabel,
                ylim=panel.ylim,
                xmax=xmax,
                name=chart,
                **options,  # type: ignore[arg-type]
            )
        )
    return out
