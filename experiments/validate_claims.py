"""Reproduce the claims C1..C15 of the model brief and publish the table.

    python experiments/validate_claims.py                 # full: table, ablation, robustness -> docs/claims.md, .png
    python experiments/validate_claims.py --seeds 10 --only C2,C6
    python experiments/validate_claims.py --seeds 4 --ablation --robust --out check   # a reduced run -> check/
    python experiments/validate_claims.py --json          # the same, last line JSON

--ablation reruns each claim with each mechanism it rests on switched off and each single-claim term
of the dynamics off (the spec's ``ablation_seeds`` per arm); --robust reruns the table on other orgs
and with the main rates x0.8 and x1.2 (``robust_seeds`` per arm). A reduced run uses at most its
--seeds for them too. A full run (the spec's seeds or more, every claim, the spec's org, the committed
spec) does both and rewrites docs/claims.md and docs/claims.png; a reduced one (--seeds below the
spec's, --only, --org, --spec) prints its tables and leaves docs/ alone unless given --write-docs.

Every arm runs over seeds 0..N-1 in parallel (joblib, all cores by default). Effects are
treatment - control with Welch t 95% intervals and Cohen's d over seeds (``sim.research.analysis``); a
claim is reproduced when every interval excludes zero in the expected direction. A second table gives each
row's person-level d, the published benchmark (``benchmark:`` in the spec) and the time to half effect in
weeks (``sim.research.claims.effect_scales``).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import OmegaConf

from experiments._docs import WRITE_DOCS, WRITE_DOCS_HELP, may_write
from sim.config import load_config
from sim.research.claims import (
    NO_VERDICT,
    NOT_REPRODUCED,
    REPRODUCED,
    TOO_FEW_TEAMS,
    ablation,
    benchmark_d,
    benchmarks_of,
    carried_by,
    load_spec,
    validate_claims,
)
from sim.results import atomic_write_bytes, atomic_write_text

ROOT = Path(__file__).resolve().parent.parent
MAIN_RATES = (  # keys under dynamics
    "leadership.pull",
    "leadership.trust_rate",
    "negative_talk.rate",
    "recognition.engagement_gain",
    "recognition.orientation_gain",
    "mistakes.safety_rate",
    "training.application_rate",
    "engagement.rate",
    "role_modelling.rate",
    "habits.rate",
)


HOTEL = "examples/org/harbour_hotel.csv"


def robust_variants() -> dict[str, tuple[str | list[str], list[str]]]:
    """name -> (org, overrides): other orgs (a small unit, a flat wide one, the example hotel) and the
    main rates x0.8 and x1.2 on the spec's org (``None``)."""
    dynamics = load_config().dynamics

    def scaled(factor: float) -> list[str]:
        return [f"dynamics.{r}={min(float(OmegaConf.select(dynamics, r)) * factor, 1.0):.6g}" for r in MAIN_RATES]

    return {
        "small team (39 seats)": ("small_team", []),
        "flat wide (177 seats, teams of 28)": ("flat_wide", []),
        "harbour hotel (46 seats, from file)": (["org=from_file", f"org.path={ROOT / HOTEL}"], []),
        "main rates x0.8": (None, scaled(0.8)),
        "main rates x1.2": (None, scaled(1.2)),
    }


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _verdict_cell(verdict: str) -> str:
    return {REPRODUCED: "reproduced", NOT_REPRODUCED: "**not reproduced**"}.get(verdict, verdict)


def _metric(r) -> str:
    return r.metric + (f" ({r.note})" if isinstance(r.get("note"), str) else "")


def results_table(table: pd.DataFrame) -> list[str]:
    lines = [
        "| claim | metric | window | expected | control | treatment | effect | 95% CI | d | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r.id} | {_metric(r)} | {r.window} | {r.direction} | {_fmt(r.control)} | {_fmt(r.treatment)} | "
            f"{_fmt(r.effect)} | [{_fmt(r.low)}, {_fmt(r.high)}] | {_fmt(r.d)} | {_verdict_cell(r.verdict)} |"
        )
    return lines


def _cite(source: str) -> str:
    """``Arthur, Bennett, Edens & Bell 2003, J. ...`` -> ``Arthur et al. 2003``."""
    match = re.match(r"(.*?)\s*(\d{4})", source)
    if not match:
        return source
    authors, year = match.groups()
    if "," in authors:
        authors = authors.split(",")[0] + " et al."
    return f"{authors} {year}"


def benchmark_list(spec) -> list[tuple[str, object]]:
    """Every benchmark of the spec, numbered in order: (claim id, entry)."""
    return [(c.id, b) for c in spec.claims for b in c.get("benchmark", [])]


def _benchmark_text(b, d_too: bool = True) -> str:
    bound = "> " if b.get("bound") == "lower" else ""
    text = f"{b.statistic} {bound}{float(b.value):.2f}"
    if b.statistic == "r" and d_too:
        text += f" (d {bound}{benchmark_d(b):.2f})"
    return text


def benchmark_cell(r, claims: dict, numbered: list) -> str:
    claim = claims[r.id]
    entries = benchmarks_of(claim, str(r.metric).split(":")[0])
    if not entries:
        return "none found"
    cells = []
    for b in entries:
        n = next(i for i, (cid, e) in enumerate(numbered, 1) if cid == r.id and e == b)
        design = "" if b.design == "intervention" else f", {b.design}"
        cells.append(f"{_benchmark_text(b, r.kind != 'correlation')}, {_cite(str(b.source))}{design} [{n}]")
    return "; ".join(cells)


def _half_cell(r) -> str:
    if not np.isfinite(r.half_weeks):
        return r.half_note
    text = f"{_fmt(r.half_weeks)} from week {r.lever_week:.0f}"
    if np.isfinite(r.get("context_week", np.nan)):
        text += f"; {_fmt(r.half_weeks_context)} from the shared event at week {r.context_week:.0f}"
    return text


def effect_sizes_table(table: pd.DataFrame, spec) -> list[str]:
    """One row per claim row: the effect, d over seeds, the person-level SD and d, the published benchmark
    and the time to half effect; then the benchmarks, numbered, with what they measure and their source."""
    claims = {c.id: c for c in spec.claims}
    numbered = benchmark_list(spec)
    lines = [
        "| claim | metric | window | effect | d over seeds | SD across people | person-level d | published "
        "benchmark | time to half effect (weeks) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        person = f"{r.d_person:.2f}" if np.isfinite(r.d_person) else r.d_person_note
        lines.append(
            f"| {r.id} | {r.metric} | {r.window} | {_fmt(r.effect)} | {_fmt(r.d)} | {_fmt(r.person_sd)} | {person} | "
            f"{benchmark_cell(r, claims, numbered)} | {_half_cell(r)} |"
        )
    lines += ["", "Published benchmarks:", ""]
    for n, (cid, b) in enumerate(numbered, 1):
        rows = ", ".join(b.metrics) if "metrics" in b else "every row"
        kind = (
            "an intervention's standardised effect"
            if b.design == "intervention"
            else f"a {b.design}, not an intervention's effect: as a d the comparison is approximate"
        )
        converted = " (as d = 2r / sqrt(1 - r^2))" if b.statistic == "r" else ""
        lines.append(
            f"{n}. **{cid}** ({rows}): {_benchmark_text(b)}{converted}; {kind}. Measures: {b.measures}. "
            f"Source: {b.source}, <{b.url}>."
        )
    none = [c.id for c in spec.claims if not c.get("benchmark")]
    lines += ["", f"No benchmark found for {', '.join(none)}." if none else ""]
    return lines


def not_reproduced(table: pd.DataFrame, notes: dict[str, str]) -> list[str]:
    """Every row that failed, with its numbers and the reason the spec gives (``note:`` per claim)."""
    failed = table[table.verdict == NOT_REPRODUCED]
    lines = ["", "## Not reproduced", ""]
    if failed.empty:
        return [*lines, "Every claim is reproduced at these settings."]
    lines += [
        "Each row below failed at the honest settings above (arms differing in the lever only). The reason",
        "is the claim's `note:` in `configs/research/claims.yaml`.",
        "",
    ]
    for _, r in failed.iterrows():
        lines.append(
            f"- **{r.id}** {r.metric} ({r.window}): expected {r.direction}; control {_fmt(r.control)}, treatment "
            f"{_fmt(r.treatment)}, effect {_fmt(r.effect)} [{_fmt(r.low)}, {_fmt(r.high)}], d {_fmt(r.d)}. "
            f"Reason: {notes.get(r.id) or 'not yet given.'}"
        )
    return lines


def ablation_table(ablated: pd.DataFrame, terms: list[str]) -> list[str]:
    """One row per claim and metric: the effect at defaults, with each mechanism it rests on off, with each
    single-claim term off, and the ablation that carries it."""

    def cell(r) -> str:
        if not np.isfinite(r.effect):
            return "-"
        share = f" ({r.share:.0%})" if np.isfinite(r.share) else ""
        text = f"{_fmt(r.effect)}{share}"
        return f"**{text}**" if r.verdict == NOT_REPRODUCED else text

    lines = [
        "| claim | metric | window | at defaults | mechanism off | "
        + " | ".join(f"{t} off" for t in terms)
        + " | carried by |",
        "|---|---|---|---|---|" + "---|" * len(terms) + "---|",
    ]
    judged = ablated[ablated.verdict != TOO_FEW_TEAMS]
    for (cid, metric, window), rows in judged.groupby(["id", "metric", "window"], sort=False):
        by = rows.set_index("variant")
        mechanisms = "; ".join(f"{v.removesuffix(' off')}: {cell(r)}" for v, r in by[by.mechanism].iterrows())
        term_cells = [cell(by.loc[f"{t} off"]) if f"{t} off" in by.index else "-" for t in terms]
        carried = carried_by(rows) if rows.direction.iloc[0] != "none" else NO_VERDICT
        lines.append(
            f"| {cid} | {metric} | {window} | {cell(by.loc['default'])} | {mechanisms} | "
            + " | ".join(term_cells)
            + f" | {carried} |"
        )
    return lines


def markdown(
    table: pd.DataFrame,
    spec,
    seeds: int,
    org: str,
    seconds: dict[str, float],
    ablated: pd.DataFrame | None = None,
    robust: dict[str, pd.DataFrame] | None = None,
    extra_seeds: tuple[int, int] = (0, 0),
) -> str:
    claims = table.groupby("id", sort=False)["claim_verdict"].first()
    notes = {c.id: str(c.note) for c in spec.claims if c.get("note")}
    timing = ", ".join(f"{k} {v / 60:.1f} min" for k, v in seconds.items())
    lines = [
        "# Claims C1..C15: reproduced by the model?",
        "",
        "Generated by `experiments/validate_claims.py` (do not edit by hand). Arms are the scenarios in",
        "`configs/scenario/cNN_*.yaml`; the claim list is `configs/research/claims.yaml`. A claim's arms differ",
        "in its lever only, every other key at its default (`tests/test_claim_arms.py` checks it).",
        "",
        f"- {seeds} seeds per arm, org `{org}`, 156 weeks; ablation {extra_seeds[0]} and robustness "
        f"{extra_seeds[1]} seeds per arm (`ablation_seeds`, `robust_seeds`); run time on this machine: {timing}.",
        "- Effect = treatment - control (for C14: the training gain where negative talk is curbed minus",
        "  where it spreads). Intervals: Welch t, 95%. d = Cohen's d (pooled SD). Correlations (C7, C15a):",
        "  mean over seeds on Fisher's z scale, t interval; C15a correlates first differences (week-to-week",
        "  changes) with the effect `lag` weeks later, the reverse direction shown for contrast.",
        "  C9's lag row: percentile bootstrap over seeds.",
        f"- Expected `none`: {NO_VERDICT} (the row is reported, it does not enter the verdict). A claim is",
        "  reproduced when every other row's interval excludes zero in the expected direction.",
        "- Effect sizes and time scales (the second table). The d above divides by the spread of run means over",
        "  seeds, which shrinks as the org grows, so it is large. The *person-level d* divides the effect by the",
        "  SD across people instead: the SD across the people of one run, averaged over the window's weeks and",
        "  over seeds, pooled over the arms (root mean square); the d a field study comparing individuals in",
        "  the two conditions would report. It exists for the metrics that are means over people (orientation,",
        "  engagement, trust, safety, skill, cynicism, quality per seat, newcomers' gap to the team norm);",
        "  organisation-level metrics (rates, counts, sums, spreads, correlations) have none. The *time to half",
        "  effect*: from the weekly effect (treatment - control, mean over seeds, centred 5-week moving average),",
        "  the weeks from the lever's start (the first week of an event the claim's lever names; week 1 for a",
        "  style, policy or trait acting from the start) until the effect first reaches half its value in the",
        "  measuring window and keeps that sign to the window's end; where the arms share a later event the",
        "  lever works through (C4a's training, C8's restructuring) it is also counted from that event. No time",
        "  for sums, changes between windows and correlations. The *published benchmark*: a person-level d or",
        "  r from a meta-analysis of the claim's lever -> outcome (`benchmark:` in the spec), r converted to",
        "  d = 2r / sqrt(1 - r^2); most are correlations across people, not effects of an intervention, and",
        "  measure a neighbouring construct, so the comparison is approximate (each says how).",
        "",
        f"**{int((claims == REPRODUCED).sum())} of {len(claims)} claims reproduced.**",
        "",
        *results_table(table),
        *not_reproduced(table, notes),
        "",
        "## Effect sizes and time scales",
        "",
        *effect_sizes_table(table, spec),
        "",
        "## The claims",
        "",
    ]
    for cid, group in table.groupby("id", sort=False):
        verdict = group.claim_verdict.iloc[0]
        mark = {REPRODUCED: "reproduced", NOT_REPRODUCED: "NOT reproduced"}.get(verdict, verdict)
        note = f" Note: {notes[cid]}" if cid in notes else ""
        lines.append(f"- **{cid}** ({group.source.iloc[0]}): {group.claim.iloc[0]}. *{mark}.*{note}")
    if ablated is not None:
        terms = list(spec.get("terms", {}))
        added = ", ".join(f"{t} ({spec.terms[t].set}, for {spec.terms[t].added_for})" for t in terms)
        lines += [
            "",
            "## Ablation: what carries each effect",
            "",
            f"Each claim rerun ({extra_seeds[0]} seeds per arm) with each mechanism it rests on switched off in",
            "every arm (`mechanisms.<name>=false`; `rests_on` in the spec, from the mechanism docstrings naming",
            f"the claim), and with each term of the dynamics that exists for a single claim off: {added}.",
            "A cell is the effect and, in brackets, its share of the effect at defaults; bold where the",
            "ablated effect is no longer reproduced. *Carried by*: the ablation leaving the smallest share,",
            "when it removes more than half of the effect.",
            "",
            *ablation_table(ablated, terms),
        ]
    if robust is not None:
        lines += robustness(table, robust, org)
    return "\n".join(lines) + "\n"


def robustness(table: pd.DataFrame, robust: dict[str, pd.DataFrame], org: str) -> list[str]:
    """The verdict matrix claim x variant with "holds everywhere", then each variant's full table."""
    verdicts = {f"default ({org})": table.groupby("id", sort=False)["claim_verdict"].first()}
    verdicts.update({name: t.groupby("id", sort=False)["claim_verdict"].first() for name, t in robust.items()})
    matrix = pd.DataFrame(verdicts)
    cells = {REPRODUCED: "yes", NOT_REPRODUCED: "**no**", TOO_FEW_TEAMS: TOO_FEW_TEAMS}
    lines = [
        "",
        "## Robustness",
        "",
        "The whole table rerun on other organisations and with the main rates of the dynamics x0.8 and x1.2",
        f"({', '.join(MAIN_RATES)}). A cell says whether the claim held; a claim that reads across",
        f"teams needs at least 3 frontline teams, and says {TOO_FEW_TEAMS} where the org has fewer.",
        "*Everywhere*: it held in every variant where it applies.",
        "",
        "| claim | " + " | ".join(matrix.columns) + " | everywhere |",
        "|---|" + "---|" * (len(matrix.columns) + 1),
    ]
    for cid, row in matrix.iterrows():
        applies = row[row != TOO_FEW_TEAMS]
        everywhere = "yes" if len(applies) and (applies == REPRODUCED).all() else "**no**"
        lines.append(f"| {cid} | " + " | ".join(cells.get(v, str(v)) for v in row) + f" | {everywhere} |")
    for name, t in robust.items():
        lines += ["", f"<details><summary>{name}: the full table</summary>", "", *results_table(t), "", "</details>"]
    return lines


def forest_plot(table: pd.DataFrame) -> Figure:
    """Standardised effects with their intervals, signed so that right = the claimed direction."""
    rows = table[np.isfinite(table.effect)].iloc[::-1]
    fig = Figure(figsize=(8, 0.32 * len(rows) + 1.5), layout="constrained")
    ax = fig.subplots()
    for y, (_, r) in enumerate(rows.iterrows()):
        sign = -1.0 if r.direction == "down" else 1.0
        if r.kind in ("correlation", "chain"):
            est, low, high = r.effect, r.low, r.high
        else:
            scale = r.effect / r.d if np.isfinite(r.d) and r.d != 0 else np.nan
            est, low, high = r.d, r.low / scale, r.high / scale
        est, low, high = sign * est, sign * low, sign * high
        colour = {REPRODUCED: "tab:green", NOT_REPRODUCED: "tab:red"}.get(r.verdict, "tab:grey")
        ax.plot([min(low, high), max(low, high)], [y, y], color=colour, lw=2)
        ax.plot(est, y, "o", color=colour)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(
        range(len(rows)), [f"{r.id} {r.metric} {r.window}"[:70] for _, r in rows.iterrows()], fontsize="x-small"
    )
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("effect in the claimed direction: Cohen's d (correlations: r), 95% interval")
    ax.set_title("Claims C1..C15: treatment vs control over seeds")
    ax.grid(axis="x", alpha=0.3)
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, help="seeds per arm (default: the spec's, 30)")
    parser.add_argument("--workers", type=int, default=-1, help="parallel workers (default: all cores)")
    parser.add_argument("--only", help="comma-separated claim ids, e.g. C2,C6")
    parser.add_argument("--org", help="org config for every arm (default: the spec's)")
    parser.add_argument("--spec", type=Path, help="claims spec (default: configs/research/claims.yaml)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs", help="folder for claims.md and claims.png (default: docs/)"
    )
    parser.add_argument(WRITE_DOCS, action="store_true", help=WRITE_DOCS_HELP)
    parser.add_argument("--ablation", action="store_true", help="also rerun with mechanisms and single-claim terms off")
    parser.add_argument("--robust", action="store_true", help="also rerun on other orgs and with rates x0.8, x1.2")
    parser.add_argument("--ablation-seeds", type=int, help="seeds per arm for --ablation (default: the spec's)")
    parser.add_argument("--robust-seeds", type=int, help="seeds per arm for --robust (default: the spec's)")
    parser.add_argument("--json", action="store_true", help="print the table as JSON on the last line")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    spec = load_spec(args.spec)
    only = args.only.split(",") if args.only else None
    seeds = args.seeds or int(spec.seeds)
    org = args.org or str(spec.org)
    full = seeds >= int(spec.seeds) and only is None and org == str(spec.org) and args.spec is None
    ablation_seeds = args.ablation_seeds or min(int(spec.ablation_seeds), seeds)
    robust_seeds = args.robust_seeds or min(int(spec.robust_seeds), seeds)
    full = full and ablation_seeds >= int(spec.ablation_seeds) and robust_seeds >= int(spec.robust_seeds)
    progress = not args.no_progress
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    table = validate_claims(spec, seeds=seeds, workers=args.workers, org=org, only=only, progress=progress)
    seconds["table"] = time.perf_counter() - start
    ablated = None
    if args.ablation or full:
        start = time.perf_counter()
        ablated = ablation(spec, seeds=ablation_seeds, workers=args.workers, org=org, only=only, progress=progress)
        seconds["ablation"] = time.perf_counter() - start
    robust = None
    if args.robust or full:
        start = time.perf_counter()
        robust = {}
        for name, (variant_org, overrides) in robust_variants().items():
            print(f"robustness: {name}", file=sys.stderr)
            robust[name] = validate_claims(
                spec,
                seeds=robust_seeds,
                workers=args.workers,
                org=variant_org or org,
                only=only,
                overrides=overrides,
                progress=progress,
            )
        seconds["robustness"] = time.perf_counter() - start

    shown = table[["id", "metric", "window", "effect", "low", "high", "d", "d_person", "half_weeks", "verdict"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    written = may_write(args.out / "claims.md", full=full, write_docs=args.write_docs)
    if written:
        args.out.mkdir(parents=True, exist_ok=True)
        text = markdown(table, spec, seeds, org, seconds, ablated, robust, (ablation_seeds, robust_seeds))
        atomic_write_text(args.out / "claims.md", text)
        buffer = io.BytesIO()
        forest_plot(table).savefig(buffer, format="png", dpi=120)
        atomic_write_bytes(args.out / "claims.png", buffer.getvalue())
    claims = table.groupby("id", sort=False)["claim_verdict"].first()
    where = f" -> {args.out / 'claims.md'}" if written else ""
    total = sum(seconds.values())
    print(f"{int((claims == REPRODUCED).sum())}/{len(claims)} claims reproduced in {total / 60:.1f} min{where}")
    print(f"not reproduced: {', '.join(claims[claims == NOT_REPRODUCED].index) or 'none'}")
    if robust is not None:
        matrix = pd.DataFrame(
            {name: t.groupby("id", sort=False)["claim_verdict"].first() for name, t in robust.items()}
        )
        everywhere = [cid for cid, row in matrix.iterrows() if (row[row != TOO_FEW_TEAMS] == REPRODUCED).all()]
        everywhere = [cid for cid in everywhere if claims.get(cid) == REPRODUCED]
        print(f"robust everywhere: {', '.join(everywhere) or 'none'}")
    if args.json:
        payload = {
            "seeds": seeds,
            "org": org,
            "seconds": seconds,
            "claims": dict(claims.items()),
            "rows": json.loads(table.to_json(orient="records")),
            "ablation": None if ablated is None else json.loads(ablated.to_json(orient="records")),
            "robust": None
            if robust is None
            else {k: dict(t.groupby("id", sort=False)["claim_verdict"].first().items()) for k, t in robust.items()},
        }
        print(json.dumps(payload))
    return 0 if (claims[claims != TOO_FEW_TEAMS] == REPRODUCED).all() else 1


if __name__ == "__main__":
    sys.exit(main())
