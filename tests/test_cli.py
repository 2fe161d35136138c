"""``python -m sim``: a run writes its files; bad input exits non-zero with one line naming it."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

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
        (["dynamics.influence.anchor=3"], "dynamics.influence.anchor=3.0 is out of range: allowed [0.0, 1.0]"),
        (["no_such_key=1"], "no_such_key"),
        (["+policies.no_such_policy=1"], "policies.no_such_policy is not a known key"),
        (["scenario=nope"], "scenario/nope"),
        (["org=nope"], "org/nope"),
    ],
)
def test_bad_input_exits_non_zero_naming_it_without_a_traceback(tmp_path, args, message):
    done = sim(*args, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run" / "summary.json").exists()


def test_the_command_modules_answer_under_their_old_names(tmp_path):
    """``python -m sim``, ``sim.collect`` and ``sim.org`` are thin shims over sim.cli and the wings."""
    run = [sys.executable, "-m"]
    done = subprocess.run([*run, "sim", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("sim is powered by Hydra")
    done = subprocess.run([*run, "sim.collect", "nowhere"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "nowhere" in done.stderr
    done = subprocess.run([*run, "sim.org", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "check" in done.stdout


def test_a_key_the_schema_lacks_fails_in_one_line_before_hydra_starts(tmp_path):
    done = sim("dynamics.anchor=0.2", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: dynamics.anchor is not a known key: choose from name, hiring, leadership, role_modelling, influence, "
        "habits, negative_talk, recognition, mistakes, training, ideas, engagement, service_standards, service, "
        "feedback, turnover, onboarding"
    ]
