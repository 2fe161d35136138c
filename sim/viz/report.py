"""The client report as one self-contained HTML file: its figures and its page (``python -m sim.report``).

The numbers come from :func:`sim.research.report.client_report`. The page needs nothing but itself:
figures are PNG data URIs, the style sheet is inline, there is no script and no link to fetch. Every
string a client provides (team names, file names, labels, overrides) is escaped.
"""

from __future__ import annotations

import base64
import html
import io
import shlex
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.research.report import BASELINE, Arm, ClientReport, client_report
from sim.results import atomic_write_text
from sim.viz.plots import band_plot

DPI = 100
WEAK_COLOUR, TEAM_COLOUR = "tab:red", "0.65"
BASELINE_COLOUR = "0.35"

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 62em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
.headline { font-size: 1.25em; background: #f4f1e8; padding: 0.8em 1em; border-left: 4px solid #b5651d; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; vertical-align: top; }
th { background: #f2f2f2; } td.name, th.name { text-align: left; }
tr.weak td { background: #fbeaea; } .clear { font-weight: bold; } .band { color: #666; font-size: 0.85em; }
img { max-width: 100%; height: auto; } code { font-size: 0.9em; background: #f5f5f5; padding: 0 0.2em; }
.small { color: #555; font-size: 0.9em; }
"""


def esc(value: object) -> str:
    """``value`` as text safe inside HTML, quotes included."""
    return html.escape(str(value), quote=True)


def number(value: float, signed: bool = False) -> str:
    """A value as the report writes it: three decimals for shares, fewer digits for large counts."""
    if not np.isfinite(value):
        return "n/a"
    sign = "+" if signed else ""
    if abs(value) < 0.0005:  # no "-0.000"
        value = 0.0
    if abs(value) >= 100:
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.1f}" if abs(value) >= 10 else f"{value:{sign}.3f}"


def words(report: ClientReport, metric: str) -> str:
    """A metric in plain words, without its unit (``service quality to customers``)."""
    return report.metrics.get(metric, metric.replace("_", " ")).split(" (")[0]


def _clear(row: pd.Series) -> bool:
    """The band of a change lies wholly on one side of zero."""
    return bool(row["low"] > 0 or row["high"] < 0)


def _names(names: Sequence[str]) -> str:
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _band_words(report: ClientReport, row: pd.Series) -> str:
    return f"{report.level:.0%} band {number(row['low'], True)} to {number(row['high'], True)}"


def headline(report: ClientReport) -> str:
    """The report in one sentence (plain text): the intervention that moves the outcome most, by how much."""
    best = report.best()
    row = report.change(best, report.outcome)
    what = words(report, report.outcome)
    seeds = f"over {len(report.seeds)} seeds"
    if not np.isfinite(row["difference"]):
        return f"The runs give no value of {what} on {report.org}, so no intervention can be judged by it."
    direction = "higher" if row["difference"] > 0 else "lower"
    compared = (
        f"{number(abs(row['difference']))} {direction} in weeks {report.window[0]}-{report.window[1]} "
        f"({_band_words(report, row)}) than without"
    )
    tried = len(report.arms)
    if tried == 1 and _clear(row):
        return f"With {best}, {what} on {report.org} is {compared}, {seeds}."
    if tried == 1:
        return (
            f"{best} does not change {what} on {report.org} clearly: it is {compared}, a band that includes no "
            f"change, {seeds}."
        )
    if _clear(row):
        return (
            f"Of the {tried} interventions tried on {report.org}, {best} does most for {what}: {compared} it, {seeds}."
        )
    return (
        f"None of the {tried} interventions tried on {report.org} changes {what} clearly: the largest difference, "
        f"with {best}, is {compared}, a band that includes no change, {seeds}."
    )


# ------------------------------------------------------------------------------------------ figures
def _colours(report: ClientReport) -> dict[str, str]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {BASELINE: BASELINE_COLOUR} | {arm.label: cycle[i % len(cycle)] for i, arm in enumerate(report.arms)}


def difference_figure(report: ClientReport) -> Figure:
    """Each intervention's difference from the baseline week by week, one panel per metric, with its band."""
    metrics = list(dict.fromkeys(report.over_time["metric"]))
    fig = Figure(figsize=(4.6 * max(len(metrics), 1), 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(len(metrics), 1)))
    colours = _colours(report)
    for ax, metric in zip(axes, metrics, strict=False):
        ax.axhline(0, color="black", lw=0.8)
        ax.axvspan(*report.window, color="0.92", lw=0)
        for arm in report.arms:
            rows = report.over_time[
                report.over_time["intervention"].eq(arm.label) & report.over_time["metric"].eq(metric)
            ]
            ax.plot(rows["step"], rows["difference"], color=colours[arm.label], label=arm.label)
            ax.fill_between(rows["step"], rows["low"], rows["high"], color=colours[arm.label], alpha=0.2, lw=0)
        ax.set(title=words(report, metric), xlabel="week", ylabel="difference from the baseline")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize="small")
    fig.suptitle(
        f"What each intervention changes, week by week (line: mean over {len(report.seeds)} seeds; "
        f"band: {report.level:.0%} interval; grey: the weeks the tables average)"
    )
    return fig


def levels_figure(report: ClientReport) -> Figure:
    """The outcome week by week in the baseline and with each intervention (band: the spread of the seeds)."""
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.subplots()
    colours = _colours(report)
    for label, reps in report.runs.items():
        band_plot(ax, reps.timeseries, report.outcome, level=report.level, label=label, color=colours[label])
    title = f"{words(report, report.outcome).capitalize()} week by week"
    ax.set(title=title, ylabel=report.metrics.get(report.outcome))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return fig


def teams_figure(report: ClientReport) -> Figure:
    """Every team with staff by its culture in the baseline (weakest red, line: the seeds' spread), with a
    mark for its culture under each intervention."""
    teams = report.teams.iloc[::-1]  # weakest at the top
    fig = Figure(figsize=(8, 1.8 + 0.32 * len(teams)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(teams))
    weak = set(report.weakest[BASELINE])
    colours = [WEAK_COLOUR if name in weak else TEAM_COLOUR for name in teams["team_name"]]
    spread = [teams["culture"] - teams["low"], teams["high"] - teams["culture"]]
    ax.barh(y, teams["culture"], xerr=spread, color=colours, capsize=2, label="baseline")
    marker_colours = _colours(report)
    for arm in report.arms:
        ax.plot(teams[f"culture: {arm.label}"], y, "D", ms=5, color=marker_colours[arm.label], label=arm.label)
    # positions, not names, place the bars: two teams of the same name would share one bar
    ax.set_yticks(y, [str(name) for name in teams["team_name"]])
    ax.set(xlim=(0, 1), xlabel=f"team culture (mean service orientation), weeks {report.window[0]}-{report.window[1]}")
    ax.set_title("Team culture without an intervention (red: the weakest), marks: with each intervention")
    ax.grid(axis="x", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(len(report.arms) + 1, 4), fontsize="small")
    return fig


def data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (nothing to fetch when the page opens)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(fig: Figure, alt: str) -> str:
    return f'<p><img src="{data_uri(fig)}" alt="{esc(alt)}"></p>'


# ------------------------------------------------------------------------------------------- the page
def _changes_table(report: ClientReport) -> str:
    head = "".join(f"<th>{esc(arm.label)}</th>" for arm in report.arms)
    rows = []
    for metric, label in report.metrics.items():
        cells = []
        for arm in report.arms:
            row = report.change(arm.label, metric)
            cls = ' class="clear"' if np.isfinite(row["difference"]) and _clear(row) else ""
            band = f"{number(row['low'], True)} to {number(row['high'], True)}" if np.isfinite(row["low"]) else ""
            change = number(row["difference"], True)
            cells.append(f'<td><span{cls}>{change}</span><br><span class="band">{band}</span></td>')
        baseline = report.change(report.arms[0].label, metric)["baseline"]
        rows.append(f'<tr><td class="name">{esc(label)}</td><td>{number(baseline)}</td>{"".join(cells)}</tr>')
    return (
        f'<table><tr><th class="name">measure</th><th>{esc(BASELINE)}</th>{head}</tr>{"".join(rows)}</table>'
        f'<p class="small">Baseline: the mean over seeds of weeks {report.window[0]}-{report.window[1]}. Under each '
        f"intervention: its change from the baseline and, below it, the {report.level:.0%} band; in bold where the "
        "band excludes no change.</p>"
    )


def _lever_lines(report: ClientReport) -> str:
    items = []
    for arm in report.arms:
        rows = [report.change(arm.label, metric) for metric in report.metrics]
        clear = [r for r in rows if np.isfinite(r["difference"]) and _clear(r)]
        up = [words(report, r["metric"]) for r in clear if r["difference"] > 0]
        down = [words(report, r["metric"]) for r in clear if r["difference"] < 0]
        said = [f"raises {_names(up)}" if up else "", f"lowers {_names(down)}" if down else ""]
        effect = " and ".join(s for s in said if s) or "changes none of these measures clearly"
        overrides = " ".join(arm.overrides)
        items.append(f"<li><b>{esc(arm.label)}</b> (<code>{esc(overrides)}</code>) {esc(effect)}.</li>")
    return f"<ul>{''.join(items)}</ul>"


def _teams_section(report: ClientReport) -> str:
    weak = set(report.weakest[BASELINE])
    head = "".join(f"<th>culture change: {esc(arm.label)}</th>" for arm in report.arms)
    rows = []
    for _, team in report.teams.iterrows():
        cls = ' class="weak"' if team["team_name"] in weak else ""
        changes = "".join(f"<td>{number(team[f'change: {arm.label}'], True)}</td>" for arm in report.arms)
        rows.append(
            f'<tr{cls}><td class="name">{esc(team["team_name"])}</td><td class="name">{esc(team["kind"])}</td>'
            f"<td>{int(team['level'])}</td><td>{team['size']:.1f}</td>"
            f"<td>{number(team['culture'])} "
            f'<span class="band">({number(team["low"])}-{number(team["high"])})</span></td>'
            f"<td>{number(team['service_quality'])}</td>{changes}</tr>"
        )
    stays = []
    for arm in report.arms:
        now = report.weakest[arm.label]
        if now == report.weakest[BASELINE]:
            stays.append(f"With {arm.label}, the weakest teams are still {_names(now)}.")
        else:
            left = [n for n in report.weakest[BASELINE] if n not in now]
            gone = f" ({_names(left)} no longer among them)" if left else " (in another order)"
            stays.append(f"With {arm.label}, the weakest teams are {_names(now)}{gone}.")
    return (
        f"<p>{esc('Culture is weakest in ' + _names(report.weakest[BASELINE]))} (the mean service orientation of "
        f"each team's people in weeks {report.window[0]}-{report.window[1]}, without any intervention).</p>"
        + _figure(teams_figure(report), "team culture in the baseline and with each intervention")
        + '<table><tr><th class="name">team</th><th class="name">kind</th><th>level</th><th>people</th>'
        f"<th>culture (range of {report.level:.0%} of seeds)</th><th>service quality</th>{head}</tr>"
        + "".join(rows)
        + "</table>"
        + "<ul>"
        + "".join(f"<li>{esc(line)}</li>" for line in stays)
        + "</ul>"
        + '<p class="small">Level 0 is the top team; a team is its leader\'s direct reports. Teams of leaders only '
        "are left out. Service quality is what the team's people deliver, to customers (frontline) or to "
        "colleagues (back office).</p>"
    )


def _assumptions(report: ClientReport) -> str:
    p, setup = report.parameters, report.setup
    survey = (
        f"A staff survey ({setup['survey']}) sets where each surveyed person starts (engagement, trust, "
        "orientation); everything else about each person is drawn at random."
        if setup.get("survey")
        else "No staff survey was given: where each person starts is drawn at random."
    )
    lines = [
        "The model is a simulation of people, not a statistical fit to this organisation's data. Each person in "
        "the chart holds a service orientation (the culture), engagement, trust in their leader, skill and "
        "more; every week these spread from leaders to their teams and between colleagues, frontline staff "
        "serve customers, customers' satisfaction, loyalty and the revenue follow, and people leave and are "
        "replaced. The rules come from five practitioner articles on service culture and are written out, "
        "formula by formula, in the project's docs/model.md.",
        "The model does not know how this organisation's leaders actually lead: each leads as the model's "
        f"'{setup.get('leadership')}' leadership preset says, with some variation of their own; the "
        f"organisation's policies are the '{setup.get('policies')}' preset.",
        survey,
        f"Of the model's {p.get('total', 0)} parameters, {p.get('sourced', 0)} comes from a published source, "
        f"{p.get('fitted', 0)} were fitted to published figures, and {p.get('assumptions', 0)} are assumptions: "
        "plausible values, not measurements (docs/parameters.md, docs/evidence.md, docs/fit.md).",
        "The model has been checked against published research, and it does not pass every check "
        "(docs/validation.md, docs/held_out.md). Where it fails, it mostly ties engagement, service quality "
        "and customer satisfaction together more tightly than published studies find, so effects that run "
        "through engagement may look larger here than they would in practice.",
        f"The {report.level:.0%} bands show how much the result varies between simulated runs (seeds) of the "
        "same model, and narrow with more seeds. They leave out the uncertainty in the model's assumptions, "
        "which is larger: read the results as the direction and rough size of an effect, not as a forecast.",
    ]
    return "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>"


def command(report: ClientReport, weakest: int) -> str:
    """The command line that makes the report again (with the same ``configs/research/report.yaml``)."""
    parts = ["python", "-m", "sim.report", *report.base]
    for arm in report.arms:
        parts += ["--intervention", f"{arm.label}: {' '.join(arm.overrides)}"]
    parts += ["--seeds", str(len(report.seeds)), "--outcome", report.outcome, "--weakest", str(weakest)]
    return shlex.join(parts)


def _settings(report: ClientReport) -> str:
    files = "".join(
        f"<li><code>{esc(path)}</code> sha256 <code>{esc(sha)}</code></li>" for path, sha in report.org_files.items()
    )
    arms = "".join(f"<li>{esc(arm.label)}: <code>{esc(' '.join(arm.overrides))}</code></li>" for arm in report.arms)
    version = report.versions
    packages = ", ".join(f"{k} {v}" for k, v in version.items() if k != "git_revision")
    notes = "".join(f"<li>{esc(note)}</li>" for note in report.org_notes)
    rows = [
        ("organisation", esc(report.org) + (f"<ul>{files}</ul>" if files else " (generated)")),
        ("base overrides", f"<code>{esc(' '.join(report.base)) or '(none)'}</code>"),
        ("interventions (added to the base)", f"<ul>{arms}</ul>"),
        ("seeds", f"{report.seeds[0]} to {report.seeds[-1]} ({len(report.seeds)}, the same for every arm)"),
        ("weeks", f"{report.weeks}; tables average weeks {report.window[0]}-{report.window[1]}"),
        ("bands", f"{report.level:.0%} t interval of the mean per-seed difference (the arms share their seeds)"),
        ("code", f"sim {esc(version.get('sim'))}, git {esc(version.get('git_revision') or 'unknown')}"),
        ("packages", esc(packages)),
        ("to make it again", f"<code>{esc(command(report, len(report.weakest[BASELINE])))}</code>"),
    ]
    table = "".join(f'<tr><th class="name">{k}</th><td class="name">{v}</td></tr>' for k, v in rows)
    decided = f"<details><summary>What building the organisation decided</summary><ul>{notes}</ul></details>"
    return f"<table>{table}</table>{decided}"


def report_html(report: ClientReport) -> str:
    """The whole page: headline, what each lever did, the weakest teams, assumptions, run settings."""
    title = f"Service culture: {report.org}"
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="small">{len(report.arms)} intervention(s) against the baseline, {len(report.seeds)} seeds, '
        f"{report.weeks} weeks a run.</p>",
        f'<p class="headline">{esc(headline(report))}</p>',
        "<h2>What each intervention did</h2>",
        _lever_lines(report),
        _changes_table(report),
        _figure(difference_figure(report), "the difference from the baseline week by week"),
        _figure(levels_figure(report), f"{words(report, report.outcome)} week by week"),
        "<h2>Where culture is weakest</h2>",
        _teams_section(report),
        "<h2>What the model assumes</h2>",
        _assumptions(report),
        "<h2>Run settings</h2>",
        _settings(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_report(report: ClientReport, path: Path) -> Path:
    """Write the page to ``path`` atomically; returns ``path``."""
    atomic_write_text(Path(path), report_html(report))
    return Path(path)


def make_report(
    base: Sequence[str],
    interventions: Sequence[Arm],
    out: Path,
    **options,
) -> ClientReport:
    """Run the report's simulations (:func:`sim.research.report.client_report`, with ``options``) and write
    its page to ``out``: what ``python -m sim.report`` and notebook 04 call."""
    report = client_report(base, interventions, **options)
    write_report(report, out)
    return report
