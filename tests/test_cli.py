"""``python -m sim``: a run writes its files, named after its scenario; bad input exits 2 with one line naming
it and the closest valid names; ``--help`` and ``docs/config.md`` list every group and key."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.config_help import help_text, markdown, sections
from sim.cli.overrides import check_overrides, constant_keys, group_options
from sim.config import ConfigError, StyleConfig, config_dir, load_config, schema_keys
from sim.metrics import MODEL_METRICS

ROOT = Path(__file__).resolve().parent.parent


def sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_run_writes_timeseries_teams_summary_and_figures(tmp_path):
    out = tmp_path / "run"
    done = sim("org=small_team", "steps=12", "seed=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["step", *MODEL_METRICS] and len(ts) == 12
    teams = pd.read_parquet(out / "teams.parquet")
    assert {"step", "team", "level", "frontline"} <= set(teams.columns) and teams["step"].max() == 12
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["config"]["org"]["name"] == "small_team"
    assert set(summary["final"]) == set(MODEL_METRICS) == set(summary["mean"])
    assert summary["final"]["culture_mean"] == pytest.approx(ts["culture_mean"].iloc[-1])
    assert {"python", "mesa", "numpy", "hydra", "sim"} <= set(summary["versions"])
    assert "git_revision" in summary
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert {"culture.png", "network.png", "service.png", "turnover.png", "people.png"} <= set(figures)
    assert (out / ".hydra" / "config.yaml").exists()
    assert (out / "sim.log").exists()  # Hydra's job name is the app's, not the module's
    assert not list(out.rglob("*.tmp"))
    assert "Step" not in done.stderr  # Mesa's per-step log lines are silenced


def test_multirun_over_seeds(tmp_path):
    done = sim("-m", "org=small_team", "steps=5", "seed=1,2", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summaries = sorted((tmp_path / "sweep").glob("*/summary.json"))
    seeds = sorted(json.loads(p.read_text())["seed"] for p in summaries)
    assert seeds == [1, 2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # caught before Hydra starts (sim.cli.overrides)
        (["scenario=c06_manger_b"], "no scenario 'c06_manger_b'; did you mean c06_manager_b?"),
        (["org.size=big"], "no key 'org.size'; did you mean org.team_size?"),
        (["+policies.no_such_policy=1"], "no key 'policies.no_such_policy': policies holds name, standards_in"),
        (["seed=abc"], "seed=abc is not an integer"),
        (["steps=1.5"], "steps=1.5 is not an integer"),
        (["dynamics.influence.anchor=3"], "dynamics.influence.anchor=3.0 is out of range: allowed [0.0, 1.0]"),
        (["seed=["], "cannot read 'seed=[': no viable alternative at input '['"),
        (["seed=1,2"], "seed=1,2 gives several values: add -m to sweep them"),
        (["output.format=pdf"], "output.format=pdf is not allowed: choose from parquet, csv, xlsx, or a list of them"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        # found only by composing (Hydra's error, cut to one line)
        (["leadership.styles.manager_b.vision=0.9"], "Key 'manager_b' is not in struct"),
        # found only when the task resolves the config
        (["name=${no_such_key}"], "Interpolation key 'no_such_key' not found"),
    ],
)
def test_every_user_error_is_one_line_and_exit_2(tmp_path, args, message):
    done = sim(*args, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"error: {done.stderr.splitlines()[0][7:]}"]
    assert message in done.stderr
    assert not (tmp_path / "run" / "summary.json").exists()


def test_hydra_full_error_still_gives_a_developer_the_whole_trace(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "leadership.styles.manager_b.vision=0.9"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "HYDRA_FULL_ERROR": "1"},
    )
    assert done.returncode == 1 and "Traceback" in done.stderr and "ConfigCompositionException" in done.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["dynamics.anchor=0.2"], "no key 'dynamics.anchor'; did you mean dynamics.role_modelling.anchor or"),
        (
            ["dynamic.influence.anchor=0.2"],
            "no key 'dynamic.influence.anchor'; did you mean dynamics.influence.anchor?",
        ),
        (["style.vison=0.3"], "no key 'style.vison'; did you mean style.vision?"),
        (["leadership.styles.typical.vison=1"], "did you mean leadership.styles.typical.vision?"),
        (["+events.x.kindd=growth"], "no key 'events.x.kindd'; did you mean events.x.kind?"),
        (["senario=c01_clear_vision"], "no key 'senario'; did you mean scenario?"),
        (["dynamics.foo=1"], "no key 'dynamics.foo': dynamics holds name, hiring, leadership"),
        (["org=smal_team"], "no org 'smal_team'; did you mean small_team?"),
        (["leadership=mixed,typicl"], "no leadership 'typicl'; did you mean typical?"),
        (
            ["style@leadership.executive=manager_c"],
            "no style@leadership.executive 'manager_c'; did you mean manager_b or manager_a?",
        ),
        (["events=zzz"], "no events 'zzz': choose from demand_spike, none, recognition_programme"),
        (["org.format=grapml"], "org.format=grapml is not allowed; did you mean graphml?"),
        (["org.source=elsewhere"], "org.source=elsewhere is not allowed: choose one of generated, file"),
        (["policies.remove_misfits=maybe"], "policies.remove_misfits=maybe is not true or false"),
        (["customers.price=cheap"], "customers.price=cheap is not a number"),
        (["seed=null"], "seed=null is not allowed: give a value"),
        (["seed=-1"], "seed=-1 is out of range"),
        (["steps=range(0,3)"], "steps=0 is out of range: allowed [1, 100000]"),
        (["dynamics.role_modelling=0.1"], "dynamics.role_modelling is a group of keys, not a value: set one of"),
        (["style=manager_a"], "style is a group of keys, not a value: set one of style.{vision, integrity"),
        (["research=claims"], "research is not a group of a run's config: choose from org, leadership"),
        (["output.format=[csv,pdf]"], "output.format=pdf is not allowed: choose from parquet, csv, xlsx, or a list"),
        (["output.format=csv,docx"], "output.format=docx is not allowed: choose from parquet, csv, xlsx"),
    ],
)
def test_command_line_mistakes_are_named_with_the_closest_valid_names(overrides, message):
    with pytest.raises(ConfigError) as err:
        check_overrides(overrides, multirun=True)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_valid_overrides_pass_the_checks():
    fine = [
        "dynamics.influence.anchor=0.2",
        "dynamics.influence={anchor: 0.2}",  # a node set as a whole
        "org.path=chart.csv",  # an imported org's key, checked against org.source once composed
        "leadership.styles.typical.vision=0.3",
        "leadership.mix={typical: 0.5, manager_a: 0.5}",
        "+events.g={kind: growth, week: 5, value: -0.02}",
        "~events",
        "scenario=null",
        "+style@leadership.styles.manager_b=manager_b",
        "style.recognition_rate=0.2,0.8",
        "seed=range(4)",
        "steps='3'",  # converted as OmegaConf converts it
        "name=${oc.env:USER,me}",  # an interpolation: resolved later
        "hydra.sweep.dir=somewhere",
        "org=glob(small*)",
        "output.format=xlsx",
        "output.format=[csv,xlsx]",  # a list: one run writes both
        "output.format=csv,xlsx",  # a sweep over the two
    ]
    parsed = check_overrides(fine, multirun=True)
    assert len(parsed) == len(fine)
    # a sweep's folder names leave out what the command line holds constant
    assert "seed" not in constant_keys(parsed) and "style.recognition_rate" not in constant_keys(parsed)
    assert {"org.path", "scenario", "dynamics.influence"} <= set(constant_keys(parsed))
    assert "hydra.sweep.dir" not in constant_keys(parsed)


def test_the_command_modules_answer_under_their_old_names(tmp_path):
    """``python -m sim``, ``sim.collect`` and ``sim.org`` are thin shims over sim.cli and the wings."""
    run = [sys.executable, "-m"]
    done = subprocess.run([*run, "sim", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("python -m sim: one run")
    done = subprocess.run([*run, "sim", "--hydra-help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("Hydra (") and "--cfg" in done.stdout
    done = subprocess.run([*run, "sim.collect", "nowhere"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "nowhere" in done.stderr
    done = subprocess.run([*run, "sim.org", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "check" in done.stdout


def test_a_key_the_schema_lacks_fails_in_one_line_before_hydra_starts(tmp_path):
    done = sim("dynamics.anchor=0.2", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: no key 'dynamics.anchor'; did you mean dynamics.role_modelling.anchor or dynamics.influence.anchor "
        "or dynamics.service_standards.anchor?"
    ]
    assert not (tmp_path / "run").exists()  # Hydra never started


def test_a_run_is_named_after_its_scenario_in_its_folder_progress_bar_and_summary(tmp_path):
    done = sim("scenario=c06_manager_b", "org=small_team", "steps=3", "output.figures=false", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (summary,) = (tmp_path / "outputs" / "c06_manager_b").glob("*/summary.json")
    assert json.loads(summary.read_text())["name"] == "c06_manager_b"
    assert "c06_manager_b seed 0" in done.stderr  # the progress bar
    done = sim("scenario=c06_manager_b", "name=mine", "org=small_team", "steps=3", "output.figures=false", cwd=tmp_path)
    assert done.returncode == 0 and len(list((tmp_path / "outputs" / "mine").glob("*/summary.json"))) == 1


def test_help_lists_every_group_with_its_options_and_every_key_with_default_range_and_meaning():
    cfg = load_config([])
    text = help_text(cfg, width=120)
    for group, options in group_options().items():
        assert group in text and all(option in text for option in options), group
    rows = {section.full(row): row for section in sections(cfg) for row in section.rows}
    assert set(rows) == {leaf.key for leaf in schema_keys()}
    assert rows["dynamics.influence.anchor"].takes == "[0, 1] per week"
    for leaf in schema_keys():  # every range with its unit
        if "range" in leaf.spec.metadata:
            lo, hi = leaf.spec.metadata["range"]
            assert rows[leaf.key].takes.startswith(f"[{lo:g}, ") and leaf.spec.metadata["unit"] in rows[leaf.key].takes
    assert rows["dynamics.influence.anchor"].default == str(cfg.dynamics.influence.anchor)
    assert rows["seed"].takes == "[0, 2^63-1] count" and rows["steps"].default == "156"
    assert rows["org.format"].takes == "auto | csv | xlsx | graphml | edgelist" and rows["org.format"].default == "auto"
    assert rows["style.vision"].default == "null" and rows["style.vision"].takes == "[0, 1] level or null"
    assert rows["events.<name>.duration"].default == "0"  # no event by default: the field's own default
    for leaf in schema_keys():  # every meaning is on the help's lines
        assert leaf.spec.metadata["doc"].split()[0] in text
    # the defaults are those of the config the command line composes
    mixed = {section.full(r): r for section in sections(load_config(["leadership=mixed"])) for r in section.rows}
    assert mixed["leadership.styles.<name>.gossip"].default == "typical=0.25, manager_a=0.7, manager_b=0.05"
    levers = [f.name for f in dataclasses.fields(StyleConfig)]
    assert all(f"style.{lever}" in rows for lever in levers)


def test_the_committed_config_reference_is_what_the_code_writes(experiment, tmp_path):
    assert experiment("config_doc", "--check")[0] == 0, "docs/config.md is stale: run experiments/config_doc.py"
    code, _, _ = experiment("config_doc", "--out", str(tmp_path))
    assert code == 0 and (tmp_path / "config.md").read_text(encoding="utf-8") == markdown(load_config([]))
    (tmp_path / "config.md").write_text("# Configuration\n", encoding="utf-8")
    code, _, err = experiment("config_doc", "--check", "--out", str(tmp_path))
    assert code == 1 and "out of date" in err
    for option in sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml")):
        assert f"`{option}`" in markdown(load_config([]))
