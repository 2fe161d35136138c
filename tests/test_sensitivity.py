"""Sensitivity analysis: levers and their schema bounds, the design sweeper, the Sobol pipeline on the
Ishigami function, and a quick end-to-end run of experiments/sensitivity.py through the launcher."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError, PoliciesConfig, StyleConfig, load_config
from sim.research.levers import leadership_and_policy_levers, resolve
from sim.research.sensitivity import (
    ISHIGAMI,
    design_table,
    ishigami,
    ishigami_indices,
    long_run,
    outputs_by_row,
    sobol_of,
    top_inputs,
)
from sim.sweeps.collect import collect
from sim.sweeps.design import launch_design


def test_ishigami_analytic_indices_are_the_published_ones():
    t = ishigami_indices(a=7, b=0.1)
    assert np.allclose(t.S1, [0.3139, 0.4424, 0.0], atol=1e-4)
    assert np.allclose(t.ST, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_the_sobol_pipeline_recovers_the_ishigami_indices_within_its_intervals():
    got = sobol_of(ishigami, ISHIGAMI, 1024, seed=0)
    truth = ishigami_indices()
    for k in ("S1", "ST"):
        assert (got[f"{k}_conf"] < 0.1).all(), "intervals too wide to make the check mean anything"
        assert ((got[k] - truth[k]).abs() <= got[f"{k}_conf"]).all(), got


def test_top_inputs_lets_every_output_pick_in_turns():
    morris = {
        "a": pd.DataFrame({"input": ["x", "y", "z", "w"], "mu_star": [9.0, 8.0, 7.0, 0.1]}),
        "b": pd.DataFrame({"input": ["x", "y", "z", "w"], "mu_star": [0.5, 0.1, 0.2, 0.4]}),
    }
    assert top_inputs(morris, 2) == ["x", "w"]  # b's best after x is w, though w barely moves a
    assert top_inputs(morris, 3) == ["x", "w", "y"]
    assert top_inputs(morris, 10) == ["x", "w", "y", "z"]


def test_long_run_is_the_mean_over_the_last_weeks_of_each_run_in_design_order():
    steps = np.arange(1, 11)
    ts = pd.concat(
        [
            pd.DataFrame({"seed": seed, "step": steps, "metric": "service_quality", "value": seed + steps / 10})
            for seed in (7, 5, 6)
        ]
    )
    got = outputs_by_row(long_run(ts, ["service_quality"], weeks=3), seed0=5, rows=3)
    assert list(got.index) == [5, 6, 7]
    assert np.allclose(got.service_quality, [5.9, 6.9, 7.9])
    with pytest.raises(ValueError, match="1 design rows have no complete run"):
        outputs_by_row(long_run(ts, ["service_quality"], weeks=3), seed0=5, rows=4)
    with pytest.raises(ValueError, match="'revenue' is not a metric of the runs"):
        long_run(ts, ["revenue"], weeks=3)


def test_levers_are_every_style_field_spread_and_policy_with_the_schemas_bounds():
    base = load_config(["leadership=typical"])
    levers = {lv.name: lv for lv in leadership_and_policy_levers(base)}
    styles = {f"style.{f.name}" for f in dataclasses.fields(StyleConfig)}
    policies = {f"policies.{f.name}" for f in dataclasses.fields(PoliciesConfig) if f.name != "name"}
    assert set(levers) == styles | policies | {"leadership.spread"}
    assert levers["policies.misfit_weeks"].kind == "int"
    assert (levers["policies.misfit_weeks"].low, levers["policies.misfit_weeks"].high) == (1, 520)
    assert levers["policies.remove_misfits"].overrides(0.7) == ["policies.remove_misfits=true"]
    # a style lever sets the executive and every style leaders are drawn from
    mixed = load_config(["leadership=a_vs_b"])
    keys = resolve("style.gossip", mixed).keys
    assert "leadership.executive.gossip" in keys
    assert {f"leadership.styles.{s}.gossip" for s, share in mixed.leadership.mix.items() if share > 0} <= set(keys)


@pytest.mark.parametrize(
    ("name", "bounds", "message"),
    [
        ("policies.nope", None, "unknown parameter 'policies.nope'"),
        ("style.charisma", None, "unknown parameter 'style.charisma'"),
        ("policies.onboarding", [0.5, 1.5], "outside the schema's range [0.0, 1.0]"),
        ("leadership.name", None, "is not numeric"),
    ],
)
def test_bad_levers_stop_with_one_line(name, bounds, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        resolve(name, load_config(), bounds)


def test_the_design_sweeper_runs_one_job_per_row_and_the_collector_reports_missing_rows(tmp_path):
    base = load_config(["org=small_team", "leadership=typical"])
    levers = [resolve("style.vision", base), resolve("policies.onboarding", base)]
    x = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]])
    design = design_table(levers, x, seed0=40)
    shared = ["org=small_team", "leadership=typical", "steps=4", "output.figures=false"]
    launch_design(design, tmp_path, shared, launcher_overrides=["hydra.launcher.n_jobs=2"])
    sweep = tmp_path / "runs"
    runs = collect(sweep).runs.set_index("seed").sort_index()
    assert list(runs.index) == [40, 41, 42]
    for i, seed in enumerate(runs.index):
        summary = json.loads((sweep / runs.loc[seed, "run"] / "summary.json").read_text())
        assert summary["config"]["leadership"]["executive"]["vision"] == pytest.approx(x[i, 0])
        assert summary["config"]["leadership"]["styles"]["typical"]["vision"] == pytest.approx(x[i, 0])
        assert summary["config"]["policies"]["onboarding"] == pytest.approx(x[i, 1])
    # a row whose run is gone is reported as missing, naming its values
    shutil.rmtree(sweep / runs.loc[41, "run"])
    problems = collect(sweep).problems
    assert list(problems.status) == ["missing"]
    assert "seed=41" in problems.detail.iloc[0] and "leadership.executive.vision=0.8" in problems.detail.iloc[0]


def test_the_design_sweeper_refuses_a_key_set_twice(tmp_path):
    pd.DataFrame({"seed": ["1"], "steps": ["4"]}).to_csv(tmp_path / "d.csv", index=False)
    command = [sys.executable, "-m", "sim", "-m", "hydra/sweeper=design", f"hydra.sweeper.design={tmp_path / 'd.csv'}"]
    done = subprocess.run([*command, "steps=8", f"hydra.sweep.dir={tmp_path / 'r'}"], capture_output=True, text=True)
    assert done.returncode != 0
    assert "steps is set both by the design" in done.stderr


def quick(out: Path, *extra: str) -> list[str]:
    """Overrides for a tiny analysis: small org, 12 weeks, 4 levers, r = 2, N = 4."""
    kept = {"style.vision", "style.recognition_rate", "policies.hiring_selectivity", "policies.onboarding"}
    base = load_config(["leadership=typical"])
    dropped = [lv.name for lv in leadership_and_policy_levers(base) if lv.name not in kept]
    return [
        "base=[org=small_team,leadership=typical,policies=baseline]",
        "steps=12",
        "long_run_weeks=4",
        f"exclude=[{','.join(dropped)}]",
        "morris.trajectories=2",
        "sobol.top=2",
        "sobol.n=4",
        "resamples=50",
        "launcher_overrides=[hydra.launcher.n_jobs=2]",
        f"out={out}",
        f"docs={out / 'sensitivity.md'}",
        *extra,
    ]


@pytest.mark.slow
def test_a_quick_sensitivity_analysis_runs_through_the_launcher_and_resumes(tmp_path, experiment):
    out = tmp_path / "sa"
    done = experiment("sensitivity", *quick(out))
    assert done[0] == 0, done[2][-3000:]
    morris = pd.read_csv(out / "morris.csv")
    levers = {"style.vision", "style.recognition_rate", "policies.hiring_selectivity", "policies.onboarding"}
    outputs = {"service_quality", "customer_satisfaction", "turnover_rate", "culture_spread"}
    assert set(morris.input) == levers and set(morris.output) == outputs
    assert (morris.mu_star >= morris.mu.abs() - 1e-12).all()
    sobol = pd.read_csv(out / "sobol.csv")
    assert len(set(sobol.input)) == 2 and set(sobol.input) <= levers
    # Morris ran r (k + 1) = 10 runs, Sobol N (k + 2) = 16, each its own seed, all through Hydra's launcher
    assert len(collect(out / "morris" / "runs").runs) == 10
    assert sorted(collect(out / "sobol" / "runs").runs.seed) == list(range(16))
    report = (out / "sensitivity.md").read_text()
    assert "## Morris screening" in report and "Ishigami" in report and (out / "sensitivity.png").stat().st_size > 0
    # the same command again resumes: every run is found complete and skipped
    again = experiment("sensitivity", *quick(out))
    assert again[0] == 0, again[2][-3000:]
    assert (out / "morris" / "sweep.log").read_text().count("skipped:") == 10
    pd.testing.assert_frame_equal(pd.read_csv(out / "sobol.csv"), sobol)


def test_the_sensitivity_script_rejects_bad_input_with_one_line(tmp_path, experiment):
    done = experiment("sensitivity", *quick(tmp_path, "bounds={policies.onboarding: [0, 2]}"))
    assert done[0] == 2
    assert done[2].strip().splitlines() == [
        "error: bounds of policies.onboarding [0.0, 2.0] are outside the schema's range [0.0, 1.0] or empty"
    ]
