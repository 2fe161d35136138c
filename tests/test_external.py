"""A fast subset of the external validation (docs/validation.md has the full run)."""

import json
import re

import numpy as np
import pytest

from sim.research import external


def test_friedkin_johnsen_and_degroot_closed_forms():
    checks = external.friedkin_johnsen(quick=True)
    assert [c.name for c in checks] == ["FJ equilibrium", "consensus weights", "doubly stochastic"]
    for c in checks:
        assert c.passed, f"{c.name}: {c.ours}"


def test_harrison_carroll_linear_equilibrium_and_growth_vs_decline():
    checks = {c.name: c for c in external.harrison_carroll(seeds=3)}
    linear = checks["H&C linear equilibrium"]
    for g, predicted, simulated, _ in linear.details["rows"]:
        assert simulated == pytest.approx(predicted, abs=0.015), f"g={g}"
    assert checks["H&C growth vs decline"].passed
    assert checks["H&C hiring_selectivity sets the level"].passed


def test_bad_apple_lowers_team_output_and_spreads():
    checks = external.bad_apple(seeds=4)
    for c in checks:
        assert c.passed, f"{c.name}: {c.ours}"


def test_behavioural_integrity_correlation_is_moderate():
    (check,) = external.behavioural_integrity(seeds=6)
    assert check.passed, check.ours


def test_linkage_reports_icc_correlations_and_the_contrast_the_default_rests_on():
    icc, r, lagged = external.linkage(seeds=3)
    assert (icc.name, r.name, lagged.name) == ("engagement shared within teams", "linkage r", "cross-lagged both ways")
    shared = float(re.search(r"ICC\(1\) = (-?\d\.\d\d) \[", icc.ours).group(1))
    estimate = float(re.search(r"r = (-?\d\.\d\d) \[", r.ours).group(1))
    assert -1.0 <= estimate <= 1.0 and shared <= 1.0
    # the explanations carry numbers measured in the same runs, not prose written once: the note sets the
    # default's ICC(1) and r beside the archetype mix's (each with an interval)
    assert f"ICC(1) = {shared:.2f}" in r.note and f"r = {estimate:.2f}" in r.note
    assert len(re.findall(r"(ICC\(1\)|r) = -?\d\.\d\d \[-?\d\.\d\d, -?\d\.\d\d\]", r.note)) == 2
    assert len(re.findall(r"r\((quality|customers|engagement), delta\) = -?\d\.\d\d \[", r.gap)) == 3
    # S -> E without sharing and with the archetype mix, each with its interval and how it reads
    assert len(re.findall(r"-?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\] \((?:positive|negative|not)", lagged.note)) == 2


def test_validate_external_writes_the_table_and_one_json_line(experiment, monkeypatch, tmp_path):
    # real checks, but only the fast ones, and one whose verdict is a numpy bool (a comparison of an
    # Effect's numpy estimate, as the ICC(1) check makes) and that carries a note
    fast = [*external.friedkin_johnsen(quick=True), *external.behavioural_integrity(seeds=3)]
    verdict = np.float64(0.14) <= 0.5
    fast.append(external.Check("noted", "ref", "published", "ours", passed=verdict, note="what it rests on"))
    monkeypatch.setattr(external, "all_checks", lambda seeds, quick=False: fast)
    out = tmp_path / "validation.md"
    code, stdout, _ = experiment("validate_external", "--quick", "--json", "--out", str(out))
    rows = json.loads(stdout.strip().splitlines()[-1])
    assert [row["name"] for row in rows] == [c.name for c in fast]
    assert all(isinstance(row["passed"], bool) for row in rows)
    assert code == (0 if all(row["passed"] for row in rows) else 1)
    text = out.read_text()
    assert f"**{sum(c.passed for c in fast)} of {len(fast)} checks pass.**" in text
    assert "## What the defaults rest on" in text and "- **noted**: what it rests on." in text
