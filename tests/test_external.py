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


def test_behavioural_integrity_correlation_matches_the_meta_analysis():
    (check,) = external.behavioural_integrity(seeds=20)
    assert check.passed, check.ours


@pytest.fixture(scope="module")
def linkage():
    return {c.name: c for c in external.linkage(seeds=6)}


def _estimate(text: str, label: str) -> float:
    return float(re.search(rf"{re.escape(label)}(?: =)? (-?\d\.\d+) \[", text).group(1))


def test_engagement_is_shared_within_teams_as_in_field_data(linkage):
    icc = _estimate(linkage["engagement shared within teams"].ours, "ICC(1)")
    assert external.ICC_WINDOW[0] < icc <= external.ICC_WINDOW[1]


@pytest.mark.parametrize("arm", external.FEEDBACK_ARMS)
def test_better_service_goes_with_happier_customers_across_teams(linkage, arm):
    """The service-profit chain holds across units, with and without customer feedback shared back."""
    check = linkage[f"better service, happier customers, {arm}"]
    assert _estimate(check.ours, "r(quality, satisfaction)") > 0, check.ours


@pytest.mark.parametrize("arm", external.FEEDBACK_ARMS)
def test_engagement_and_satisfaction_lead_each_other_within_teams(linkage, arm):
    check = linkage[f"cross-lagged both ways, {arm}"]
    assert _estimate(check.ours, "E->S") > 0 and _estimate(check.ours, "S->E") > 0, check.ours


@pytest.mark.parametrize("arm", external.FEEDBACK_ARMS)
@pytest.mark.xfail(
    strict=True,
    reason="r(engagement, satisfaction) lies above the published window out of the fit's seeds: customer_mood, fitted "
    "to it on 8 seeds, suits those seeds, and r across a dozen teams varies much between seeds (docs/validation.md)",
)
def test_linkage_r_lies_in_the_published_window(linkage, arm):
    low, high = external.LINKAGE_WINDOW
    r = _estimate(linkage[f"linkage r, {arm}"].ours, "r")
    assert low <= r <= high


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
