"""Configs whose every value is in range but which cannot run as written are stopped with one line (exit 2 on
the command line), or warned about in one line: values that cannot hold together, a metric that turns NaN
over a group with members, an org too large for the machine's memory or its team table for a worksheet, an
override or event that would do nothing, and an org file with an absurdly wide header."""

import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sim.org.files as org_files
import sim.org.footprint as footprint
from sim import ConfigError, ServiceCultureModel, load_config, run
from sim.cli import org as org_cli
from sim.cli.overrides import check_overrides
from sim.mechanisms import service
from sim.metrics import MetricNaNError
from sim.org.footprint import OrgSize, OrgTooLargeError, available_memory, generated_size, require_memory
from sim.org.readers import MAX_COLUMNS, OrgFileError

SMALL = ["org=small_team", "steps=2"]
ZERO_WEIGHTS = [
    f"dynamics.service.{w}=0" for w in ("w_skill", "w_orientation", "w_engagement", "w_internal", "w_process")
]


def cli(*args: str, cwd: Path, module: str = "sim") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line a refused command line prints, after checking its exit status is 2."""
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


# ------------------------------------------------------------------ values that cannot hold together
def test_all_zero_quality_weights_are_refused_with_one_line(tmp_path):
    line = one_line_error(cli(*SMALL, *ZERO_WEIGHTS, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert "dynamics.service.w_skill" in line and "dynamics.service.w_process" in line and "are all 0" in line
    assert not (tmp_path / "run" / "summary.json").exists()


def test_internal_service_alone_cannot_carry_quality_but_any_other_weight_can():
    with pytest.raises(ConfigError, match="are all 0"):
        load_config([*SMALL, *ZERO_WEIGHTS, "dynamics.service.w_internal=1"])
    assert load_config([*SMALL, *ZERO_WEIGHTS, "dynamics.service.w_process=0.1"]).dynamics.service.w_process == 0.1


def test_vacant_and_reserved_seats_cannot_be_more_than_every_staff_seat():
    with pytest.raises(ConfigError, match=r"org.vacancy_share=0.6 and org.reserve_share=0.5 add up to more"):
        load_config(["org.vacancy_share=0.6", "org.reserve_share=0.5"])
    assert load_config(["org.vacancy_share=0.5", "org.reserve_share=0.5"]).org.vacancy_share == 0.5


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("{kind: training_wave, week: 0}", r"events.e.week=0 is out of range: allowed \[1, 100000\]"),
        ("{kind: training_wave, week: 5, duration: 4}", "events.e.duration=4 does nothing: a training_wave acts"),
        ("{kind: training_wave, week: 5, repeats: 3}", "events.e.repeats=3 does nothing with events.e.every=0"),
        ("{kind: shock, week: 5, target: frontline}", "events.e.target=frontline does nothing: a shock acts on the"),
        ("{kind: recognition_programme, week: 5, target: staff}", "events.e.target=staff reaches no leader"),
        ("{kind: shock, week: 5, style: typical}", "events.e.style='typical' does nothing: only leadership_change"),
        (
            "{kind: training_wave, week: 5, value: 0.3}",
            "events.e.value=0.3 does nothing: only growth and policy_change",
        ),
    ],
)
def test_an_event_field_its_kind_ignores_is_refused(event, message):
    with pytest.raises(ConfigError, match=message):
        load_config([*SMALL, f"+events.e={event}"])


def test_an_empty_mix_override_is_refused_instead_of_merged_away():
    """Hydra merges ``{...}`` into the mix that is there, so ``leadership.mix={}`` used to change nothing."""
    for refuse in (lambda o: load_config([*SMALL, o]), lambda o: check_overrides([o], multirun=False)):
        with pytest.raises(ConfigError, match=r"^leadership.mix=\{\} changes nothing: a \{...\} value is merged"):
            refuse("leadership.mix={}")
    with pytest.raises(ConfigError, match="leadership.mix is empty"):
        load_config([*SMALL, "~leadership.mix.typical"])


# ------------------------------------------------------------------ events the built org makes do nothing
def test_an_event_aimed_at_a_team_that_does_not_exist_is_refused_with_one_line(tmp_path):
    event = "+events.x={kind: training_wave, week: 1, target: 'team:99'}"
    line = one_line_error(cli(*SMALL, event, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path))
    assert line == "error: events.x.target=team:99 names no team of this org: it has teams 0 to 6"


@pytest.mark.parametrize(
    ("target", "message"),
    [("level:4", "names no level of this org: it has levels 0 to 3"), ("department:2", "departments 0 to 1")],
)
def test_a_level_or_department_the_org_lacks_is_refused(target, message):
    with pytest.raises(ConfigError, match=message):
        ServiceCultureModel(load_config([*SMALL, f"+events.x={{kind: demand_spike, week: 1, target: '{target}'}}"]))


def test_scheduling_mid_run_checks_the_target_against_the_org():
    model = ServiceCultureModel(load_config(SMALL), seed=0, space=False)
    with pytest.raises(ConfigError, match="events.late.target=team:7 names no team"):
        model.schedule("late", {"kind": "training_wave", "week": 3, "target": "team:7"})


def test_a_group_this_org_lacks_warns_in_one_line_and_the_run_goes_on(caplog):
    """A scenario is written for many orgs: a demand spike on the front line of an org without one warns."""
    cfg = load_config([*SMALL, "org.frontline_share=0", "events=demand_spike", "steps=60"])
    with caplog.at_level(logging.WARNING, logger="sim.events"):
        result = run(cfg, seed=0)
    assert caplog.messages == [
        "events.spike.target=frontline reaches nobody in this org: the demand_spike does nothing"
    ]
    assert len(result.timeseries) == 60 and result.timeseries["service_quality"].isna().all()  # no front line


def test_an_event_after_the_horizon_warns_in_one_line(caplog):
    """Shortening a scenario's run is a reason to leave its later events out: a warning, not a refusal."""
    with caplog.at_level(logging.WARNING, logger="sim.events"):
        run(load_config([*SMALL, "events=restructuring"]), seed=0)
    assert caplog.messages == [
        "events.restructuring.week=52 is after the run's last week (steps=2): the shock never happens"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sim.events"):
        ServiceCultureModel(load_config(["org=small_team", "steps=52", "events=restructuring"]), space=False)
    assert caplog.messages == []


# ------------------------------------------------------------------ NaN over a group with members
def test_nan_service_quality_stops_the_run_naming_the_metric_and_week(monkeypatch):
    """What every capability weight at 0 used to do (0 / 0), through the run API."""
    monkeypatch.setattr(service, "capability", lambda skill, *args: np.full(skill.shape, np.nan))
    with pytest.raises(MetricNaNError, match=r"^service_quality is NaN in week 1 over \d+ frontline staff who served"):
        run(load_config(SMALL), seed=0)
    assert issubclass(MetricNaNError, ConfigError)  # so `python -m sim` exits 2 with its one line


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the NaN on its way
def test_a_nan_person_state_stops_the_week_before_it_is_recorded():
    model = ServiceCultureModel(load_config(SMALL), seed=0, space=False)
    model.step()
    model.people.orientation[np.flatnonzero(model.people.filled)[0]] = np.nan
    with pytest.raises(MetricNaNError, match=r"^culture_mean is NaN in week 2 over \d+ people in post"):
        model.step()
    assert len(model.timeseries()) == 1 and model.team_table()["step"].max() == 1


def test_a_nan_only_a_team_metric_shows_is_caught_per_team():
    """Team 0 (the executive's, of department heads only) has no staff: its process quality is in no model
    metric, only in its own row of the team table."""
    model = ServiceCultureModel(load_config(SMALL), seed=0, space=False)
    model.teams.process[0] = np.nan
    with pytest.raises(MetricNaNError, match=r"^process_quality of team 0 is NaN in week 1: "):
        model.step()


def test_nan_of_an_empty_group_is_no_error():
    """An org without back office: internal service quality is NaN every week, by definition."""
    result = run(load_config(["org=small_team", "org.frontline_share=1", "steps=5"]), seed=0)
    assert result.timeseries["internal_service_quality"].isna().all()
    assert result.teams.loc[~result.teams.frontline, "customer_satisfaction"].isna().all()


# ------------------------------------------------------------------ an org too large for the machine
def test_an_oversized_org_is_refused_with_its_estimate_on_the_command_line(tmp_path):
    """A hundred million teams: no machine has the memory, so the refusal does not depend on this one."""
    done = cli(
        *SMALL, "org.departments=10000", "org.teams_per_department=10000", f"hydra.run.dir={tmp_path}", cwd=tmp_path
    )
    line = one_line_error(done)
    assert line.startswith("error: org.departments=10000, org.teams_per_department=10000, org.team_size=8 (")
    assert " would need about " in line and " GiB over 2 weeks, most of it for " in line
    assert "(this machine has " in line


def test_an_org_over_the_available_memory_is_refused_before_it_is_built(monkeypatch):
    monkeypatch.setattr(footprint, "available_memory", lambda: (50 * 2**20, "available"))
    monkeypatch.setattr(org_files, "build_org", lambda *a: pytest.fail("the org was built"))
    cfg = load_config(["org=enterprise", "steps=156"])
    with pytest.raises(OrgTooLargeError) as refused:
        ServiceCultureModel(cfg, space=False)
    need = generated_size(cfg.org).bytes_needed(156, space=False)
    assert str(refused.value) == (
        f"org.departments=100, org.teams_per_department=100, org.team_size=9 (100,101 seats) would need about "
        f"{footprint.gib(need)} over 156 weeks, most of it for the team table (10,101 teams x 156 weeks) "
        "(this machine has 50 MiB available)"
    )
    assert "\n" not in str(refused.value)


def test_the_network_space_counts_and_a_small_org_fits(monkeypatch):
    monkeypatch.setattr(footprint, "available_memory", lambda: (40 * 2**20, "available"))
    cfg = load_config(["org=company", "org.departments=10", "org.teams_per_department=200", "steps=1"])
    assert ServiceCultureModel(cfg, space=False).org.n == 10 * 200 * 12 + 10 + 1
    with pytest.raises(OrgTooLargeError, match="most of it for the Network space"):
        ServiceCultureModel(cfg, space=True)


def test_a_workbook_whose_teams_sheet_would_overflow_is_refused_before_the_org_is_built(monkeypatch):
    """10,101 teams x 156 weeks is 1,575,757 rows: more than a worksheet holds. Refused up front rather
    than after the run, and rather than a workbook cut short that could be taken for the whole."""

    class Built(Exception):
        pass

    def build(*args):
        raise Built

    monkeypatch.setattr(footprint, "available_memory", lambda: None)
    monkeypatch.setattr(org_files, "build_org", build)
    with pytest.raises(ConfigError) as refused:
        ServiceCultureModel(load_config(["org=enterprise", "output.format=[csv,xlsx]"]), space=False)
    assert str(refused.value) == (
        "output.format has xlsx, but org.departments=100, org.teams_per_department=100, org.team_size=9 "
        "(10,101 teams) over 156 weeks would need 1,575,757 rows in the workbook's teams sheet, more than a "
        "worksheet's 1,048,576: leave xlsx out (csv holds any size), set output.teams=false, or run fewer steps"
    )
    for fits in (
        ["output.format=csv"],
        ["output.format=xlsx", "output.teams=false"],
        ["output.format=xlsx", "steps=103"],
    ):
        with pytest.raises(Built):  # past the checks: the org is being built
            ServiceCultureModel(load_config(["org=enterprise", *fits]), space=False)


def test_an_imported_org_is_sized_from_its_files_before_it_is_built(tmp_path, monkeypatch, capsys):
    rows = ["id,manager_id", "ceo,"] + [f"m{i},ceo" for i in range(50)] + [f"s{i},m{i % 50}" for i in range(5000)]
    chart = tmp_path / "chart.csv"
    chart.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(footprint, "available_memory", lambda: (2 * 2**20, "in all"))
    with pytest.raises(OrgTooLargeError, match=rf"^org.path={chart} \(5,051 seats\) would need about \d+ MiB"):
        ServiceCultureModel(load_config(["org=from_file", f"org.path={chart}", "steps=3"]), space=False)
    assert org_cli.main(["check", str(chart), "--no-picture"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: org.path={chart} (5,051 seats) would need about") and "\n" not in err


def test_available_memory_falls_back_to_the_physical_memory_without_proc(monkeypatch):
    assert available_memory()[0] > 0

    def no_proc(*args, **kwargs):
        raise OSError("no /proc here (macOS)")

    monkeypatch.setattr("builtins.open", no_proc)
    have = available_memory()
    assert have is None or (have[0] > 0 and have[1] == "in all")


def test_require_memory_passes_when_the_memory_is_unknown(monkeypatch):
    monkeypatch.setattr(footprint, "available_memory", lambda: None)
    require_memory(OrgSize(seats=10**12, teams=10**11, pairs=10**13, ties=10**13), "org", steps=156, space=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak memory read from Linux's /proc/self/status")
def test_the_estimate_is_within_a_factor_of_the_measured_peak(tmp_path):
    """The constants were fitted to measured peaks; a change to what the model allocates shows here."""
    # as the constants were measured: peak resident memory after the run minus resident memory before the build.
    # The peak is this process's VmHWM, not ru_maxrss, which Linux keeps across exec: a child of a pytest
    # process that has grown would report the parent's peak.
    script = (
        "import os, sys\n"
        "from sim import ServiceCultureModel, load_config\n"
        "cfg = load_config(sys.argv[1:])\n"
        "before = int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
        "model = ServiceCultureModel(cfg, seed=0, space=False)\n"
        "model.run_for(cfg.steps)\n"
        "model.timeseries(), model.team_table()\n"
        "peak = next(int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM:')) * 1024\n"
        "print(peak - before)\n"
    )
    over = ["org=company", "org.departments=20", "org.teams_per_department=100", "org.team_size=20", "steps=30"]
    done = subprocess.run([sys.executable, "-c", script, *over], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    estimate = generated_size(load_config(over).org).bytes_needed(30, space=False)
    assert 0.5 < estimate / int(done.stdout) < 2.0


# ------------------------------------------------------------------ org files with an absurd header
@pytest.fixture(scope="module")
def wide_csv(tmp_path_factory) -> Path:
    """A 5.5 MB CSV whose header has 700,000 columns."""
    path = tmp_path_factory.mktemp("wide") / "wide.csv"
    header = ["id", "manager_id", *(f"c{i}" for i in range(700_000 - 2))]
    path.write_text(",".join(header) + "\nceo," + "," * (len(header) - 2) + "\n")
    assert path.stat().st_size > 5e6
    return path


def test_a_wide_header_is_refused_fast(wide_csv):
    cfg = load_config(["org=from_file", f"org.path={wide_csv}"])
    start = time.perf_counter()
    with pytest.raises(OrgFileError) as refused:
        org_files.read_org(cfg)
    assert time.perf_counter() - start < 1.0
    assert str(refused.value) == (
        f"{wide_csv} line 1: the header has 700,000 columns, over the limit of 1,000: is this the right file? "
        "(a chart needs id and manager_id, and a few more at most)"
    )


def test_a_wide_header_is_one_line_from_both_command_lines(wide_csv, tmp_path):
    expected = f"error: {wide_csv} line 1: the header has 700,000 columns"
    assert one_line_error(cli("check", str(wide_csv), "--no-picture", cwd=tmp_path, module="sim.org")).startswith(
        expected
    )
    done = cli("org=from_file", f"org.path={wide_csv}", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert one_line_error(done).startswith(expected)


def test_a_header_at_the_limit_is_read(tmp_path):
    header = ["id", "manager_id", *(f"extra{i}" for i in range(MAX_COLUMNS - 2))]
    chart = tmp_path / "chart.csv"
    chart.write_text(",".join(header) + "\nceo," + "," * (MAX_COLUMNS - 2) + "\na,ceo" + "," * (MAX_COLUMNS - 2) + "\n")
    imported = org_files.read_org(load_config(["org=from_file", f"org.path={chart}"]))
    assert imported.org.n == 2 and any("columns not used by the model" in note for note in imported.org.notes)
