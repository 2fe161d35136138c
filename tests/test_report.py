"""``python -m sim.report``: the client report, one HTML file that opens offline (sim/research/report.py,
sim/viz/report.py, sim/cli/report.py)."""

import html
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import load_config
from sim.cli.report import main
from sim.config import ConfigError
from sim.org.files import read_org
from sim.research.report import (
    BASELINE,
    Arm,
    client_report,
    load_settings,
    org_overrides,
    parse_intervention,
    simulate,
)
from sim.viz.report import report_html

ROOT = Path(__file__).resolve().parent.parent
HOTEL = org_overrides(ROOT / "examples/org/harbour_hotel.csv", survey=ROOT / "examples/org/harbour_hotel_survey.csv")
EARLY_TRAINING = "early training: +events.t={kind: training_wave, week: 2, target: all, intensity: 0.6}"
QUICK = ["--seeds", "2", "--weeks", "8", "--jobs", "1", "--quiet"]
MALICIOUS = "<script>alert(1)</script>"
# a tiny chart without a team column: an executive, two leaders, their staff
NO_TEAMS = "id,manager_id,role\nB,,leader\nL1,B,leader\nL2,B,leader\n" + "".join(
    f"s{i},L{1 + i % 2},{'frontline' if i % 2 else 'back office'}\n" for i in range(8)
)


def references(page: str) -> list[str]:
    """Everything the page would load or link to: src and href values, CSS url()s."""
    found = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page, flags=re.IGNORECASE)
    return found + re.findall(r"url\(([^)]*)\)", page, flags=re.IGNORECASE)


def team_cells(page: str) -> list[str]:
    """The team names of the page's team table (the first cell of each of its rows)."""
    table = page[page.index('<th class="name">team</th>') :]
    table = table[: table.index("</table>")]
    return [html.unescape(name) for name in re.findall(r'<tr[^>]*><td class="name">([^<]*)</td>', table)]


@pytest.fixture(scope="module")
def hotel_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "hotel.html"
    done = subprocess.run(
        [sys.executable, "-m", "sim.report", *HOTEL, "--intervention", EARLY_TRAINING]
        + ["--intervention", "policies=learning_culture", "--out", str(out), *QUICK],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8"), done.stdout.splitlines()


def test_the_hotel_report_opens_offline_with_figures_inside(hotel_page):
    page, _ = hotel_page
    assert page.startswith("<!DOCTYPE html>")
    refs = references(page)
    assert refs and all(ref.startswith("data:image/png;base64,") for ref in refs), [r[:40] for r in refs]
    assert not re.search(r"https?://", page) and "<script" not in page and "<link" not in page
    assert page.count('<img src="data:image/png;base64,') == 3


def test_the_hotel_report_says_the_headline_each_intervention_and_the_weakest_teams(hotel_page):
    page, stdout = hotel_page
    headline = stdout[0]
    assert "over 2 seeds" in headline and "service quality" in headline
    assert f'<p class="headline">{html.escape(headline)}</p>' in page
    arms = (("early training", "+events.t="), ("policies=learning_culture", "policies=learning_culture"))
    for label, overrides in arms:
        assert f"<th>{html.escape(label)}</th>" in page and html.escape(overrides) in page
    names = team_cells(page)
    org = read_org(load_config(HOTEL)).org
    assert names and set(names) <= {str(n) for n in org.team_names} and all(n.strip() for n in names)
    weakest = re.search(r"Culture is weakest in ([^(]*) \(", page).group(1)
    assert html.unescape(weakest).startswith(names[0])
    assert "What the model assumes" in page and "docs/validation.md" in page
    digest = re.search(r"harbour_hotel\.csv</code> sha256 <code>([0-9a-f]{64})</code>", page)
    assert digest is not None


def test_a_chart_without_a_team_column_names_every_team_in_the_report(tmp_path):
    chart = tmp_path / "chart.csv"
    chart.write_text(NO_TEAMS)
    out = tmp_path / "r.html"
    assert main([*org_overrides(chart), "--intervention", EARLY_TRAINING, "--out", str(out), *QUICK]) == 0
    names = team_cells(out.read_text(encoding="utf-8"))
    assert len(names) == 2 and all(name.strip() for name in names)  # the two teams with staff
    assert set(names) <= {str(n) for n in read_org(load_config(org_overrides(chart))).org.team_names}


def test_client_strings_are_escaped(tmp_path):
    chart = tmp_path / "chart.csv"
    staff = [f"s{i},L{1 + i % 2},frontline," for i in range(8)]
    chart.write_text(
        "\n".join(["id,manager_id,role,team", f"B,,leader,{MALICIOUS}", "L1,B,leader,", "L2,B,leader,", *staff])
    )
    settings = load_settings(["seeds=2", "weakest=1"])
    arm = Arm(MALICIOUS, ("policies=learning_culture",))
    report = client_report([*org_overrides(chart), "steps=4"], [arm], settings=settings)
    report.teams["team_name"] = report.teams["team_name"].astype(str)
    report.teams.loc[0, "team_name"] = MALICIOUS  # whatever name the import gives, the page escapes it
    report.weakest[BASELINE] = [MALICIOUS]
    page = report_html(report)
    assert "<script" not in page and html.escape(MALICIOUS) in page


@pytest.mark.slow  # the worker processes are spawned: each imports the model (seconds)
def test_the_same_input_gives_the_same_numbers_whatever_the_jobs():
    configs = {"a": load_config(["org=small_team"]), "b": load_config(["org=small_team", "policies=learning_culture"])}
    one, two = simulate(configs, [3, 4], 3, jobs=1), simulate(configs, [3, 4], 3, jobs=2)
    for label in configs:
        pd.testing.assert_frame_equal(one[label].timeseries, two[label].timeseries)
        pd.testing.assert_frame_equal(one[label].teams, two[label].teams)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--intervention", "x: scenario=no_such_scenario"], "no scenario 'no_such_scenario'"),
        (["--intervention", "x: policies.onboardin=0.5"], "no key"),
        (["--intervention", "x: events=training_wave", "seed=abc"], "seed=abc is not an integer"),
        (["--intervention", "x: events=training_wave", "--seeds", "1"], "--seeds must be at least 2"),
        (["--intervention", "x: events=training_wave", "--outcome", "profit"], "not a model-level metric"),
        (["--intervention", "x: events=training_wave", "--intervention", "x: policies=hire_for_fit"], "labelled 'x'"),
        (["--intervention", "x:"], "gives no override"),
        (["--no-such-flag"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, says, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*HOTEL, *args, "--quiet"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err, err


def test_an_unreadable_org_chart_is_one_line_and_exit_2(tmp_path, capsys):
    chart = tmp_path / "chart.csv"
    chart.write_text("id,manager_id\nA,\nB,A\nB,A\n")  # a duplicate id
    for overrides in (org_overrides(tmp_path / "missing.csv"), org_overrides(chart)):
        with pytest.raises(SystemExit) as stop:
            main([*overrides, "--intervention", "x: events=training_wave", "--out", str(tmp_path / "r.html"), *QUICK])
        err = capsys.readouterr().err
        assert stop.value.code == 2 and err.count("\n") == 1 and err.startswith("error: "), err
    assert not (tmp_path / "r.html").exists()


def test_parse_intervention_reads_a_label_and_overrides_with_braces():
    assert parse_intervention("training: events=training_wave policies=learning_culture") == Arm(
        "training", ("events=training_wave", "policies=learning_culture")
    )
    assert parse_intervention("events=training_wave") == Arm("events=training_wave", ("events=training_wave",))
    arm = parse_intervention(EARLY_TRAINING)
    assert arm.label == "early training"
    assert arm.overrides == ("+events.t={kind: training_wave, week: 2, target: all, intensity: 0.6}",)
    unlabelled = parse_intervention("+events.c={kind: leadership_change, week: 3, target: 'team:1', style: x}")
    assert unlabelled.overrides == (unlabelled.label,)
    with pytest.raises(ConfigError, match="no override"):
        parse_intervention("label:  ")


def test_org_overrides_leave_out_the_files_not_given():
    assert org_overrides("c.csv") == ["org=from_file", "org.path=c.csv"]
    assert org_overrides(Path("d") / "c.csv", ties=None, survey="s.csv") == [
        "org=from_file",
        "org.path=d/c.csv",
        "org.survey=s.csv",
    ]
