"""Sweeps: launchers (joblib, submitit's local executor, Ray against a local head), the collector,
resume after a hard kill, the run key and identical results whatever the launcher."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sweep_helpers import QUICK, SWEEP_4, summaries, sweep

from sim.config import load_config
from sim.metrics import MODEL_METRICS
from sim.results import run_key
from sim.sweeps.collect import collect, write_table
from sim.sweeps.collect import main as collect_main
from sim.sweeps.jobs import expected_jobs

BIN = Path(sys.executable).parent
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def test_a_joblib_sweep_collects_into_one_row_per_run(joblib_sweep):
    where, done = joblib_sweep
    got = collect(where)
    assert got.problems.empty
    assert len(got.runs) == 4
    assert got.swept == ["org", "steps", "output.figures", "style.recognition_rate"]
    assert sorted(zip(got.runs["seed"], got.runs["style.recognition_rate"], strict=True)) == [
        (0, 0.2),
        (0, 0.8),
        (1, 0.2),
        (1, 0.8),
    ]
    # each folder names its job, seed and swept value, and every leader of its run took that value
    assert sorted(got.runs["run"]) == [
        "0_seed=0,style.recognition_rate=0.2",
        "1_seed=0,style.recognition_rate=0.8",
        "2_seed=1,style.recognition_rate=0.2",
        "3_seed=1,style.recognition_rate=0.8",
    ]
    for run, value in zip(got.runs["run"], got.runs["style.recognition_rate"], strict=True):
        leadership = json.loads((where / run / "summary.json").read_text())["config"]["leadership"]
        leaders = [leadership["executive"], *leadership["styles"].values()]
        assert {leader["recognition_rate"] for leader in leaders} == {value}
    assert {f"final.{m}" for m in MODEL_METRICS} | {f"mean.{m}" for m in MODEL_METRICS} <= set(got.runs.columns)
    for run, quality in zip(got.runs["run"], got.runs["final.service_quality"], strict=True):
        summary = json.loads((where / run / "summary.json").read_text())
        assert quality == summary["final"]["service_quality"]
    # the sweep's progress bar, in the launching process, reached all four runs
    assert "4/4" in done.stderr


def test_collect_cli_writes_parquet_csv_and_the_long_time_series(joblib_sweep, tmp_path, capsys):
    where, _ = joblib_sweep
    assert (
        collect_main([str(where), "--out", str(tmp_path / "runs.csv"), "--timeseries", str(tmp_path / "ts.parquet")])
        == 0
    )
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert len(runs) == 4 and "final.customer_satisfaction" in runs.columns
    ts = pd.read_parquet(tmp_path / "ts.parquet")
    assert list(ts.columns) == [
        "run",
        "org",
        "steps",
        "output.figures",
        "style.recognition_rate",
        "seed",
        "step",
        "metric",
        "value",
    ]
    assert len(ts) == 4 * 8 * len(MODEL_METRICS)
    one = ts[(ts.run == runs.run[0]) & (ts.metric == "engagement")].sort_values("step")
    wide = pd.read_parquet(where / runs.run[0] / "timeseries.parquet")
    assert one["value"].tolist() == wide["engagement"].tolist()
    assert "4 complete runs" in capsys.readouterr().out


def test_collect_cli_writes_workbooks_a_spreadsheet_opens(joblib_sweep, tmp_path, capsys):
    where, _ = joblib_sweep
    copy = tmp_path / "sweep"
    shutil.copytree(where, copy)
    assert collect_main([str(copy), "--xlsx", "--quiet", "--timeseries", str(tmp_path / "ts.xlsx")]) == 0
    assert f"-> {copy / 'runs.xlsx'}" in capsys.readouterr().out
    book = load_workbook(copy / "runs.xlsx", read_only=True)
    assert book.sheetnames == ["runs"]
    rows = list(book["runs"].values)
    expected = collect(where)
    assert rows[0] == tuple(expected.runs.columns) and len(rows) == len(expected.runs) + 1
    got = pd.DataFrame(rows[1:], columns=rows[0]).sort_values("run", ignore_index=True)
    pd.testing.assert_frame_equal(got, expected.runs.sort_values("run", ignore_index=True), check_dtype=False)
    series = list(load_workbook(tmp_path / "ts.xlsx", read_only=True)["timeseries"].values)
    assert series[0][-3:] == ("step", "metric", "value") and len(series) == 4 * 8 * len(MODEL_METRICS) + 1
    with pytest.raises(SystemExit) as refused:  # one or the other, from argparse
        collect_main([str(copy), "--csv", "--xlsx"])
    assert refused.value.code == 2


def test_the_collectors_csv_and_workbook_escape_formula_text_and_keep_numbers(tmp_path):
    runs = pd.DataFrame({"run": ["0_name==cmd()"], "name": ["=cmd()"], "seed": [0], "final.revenue": [-12.5]})
    write_table(runs, tmp_path / "runs.csv")
    assert (tmp_path / "runs.csv").read_text().splitlines()[1] == "0_name==cmd(),'=cmd(),0,-12.5"
    write_table(runs, tmp_path / "runs.xlsx")
    sheet = load_workbook(tmp_path / "runs.xlsx")["runs"]
    assert [c.value for c in sheet[2]] == ["0_name==cmd()", "'=cmd()", 0, -12.5]
    assert sheet["B2"].data_type == "s" and sheet["D2"].data_type == "n"


def test_a_time_series_too_long_for_a_worksheet_is_one_line_and_exit_2(joblib_sweep, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sim.tables.SHEET_ROWS", 10)
    where, _ = joblib_sweep
    out = tmp_path / "runs.parquet"
    assert collect_main([str(where), "--quiet", "--out", str(out), "--timeseries", str(tmp_path / "ts.xlsx")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: the timeseries sheet would need ") and "\n" not in err
    assert not (tmp_path / "ts.xlsx").exists()


def test_collect_names_every_missing_unfinished_and_corrupt_run(joblib_sweep, tmp_path, capsys):
    where = tmp_path / "sweep"
    shutil.copytree(joblib_sweep[0], where)
    jobs = sorted(p for p in where.iterdir() if (p / ".hydra").is_dir())
    shutil.rmtree(jobs[0])  # missing
    (jobs[1] / "summary.json").unlink()  # unfinished
    (jobs[1] / ".timeseries.parquet.x1.tmp").write_bytes(b"PAR1 half")
    (jobs[2] / "teams.parquet").write_bytes(b"not parquet")  # corrupt table
    got = collect(where)
    assert len(got.runs) == 1 and got.runs.run.tolist() == [jobs[3].name]
    status = dict(zip(got.problems.run, got.problems.status, strict=True))
    assert status == {".": "missing", jobs[1].name: "unfinished", jobs[2].name: "corrupt"}
    detail = " ".join(got.problems.detail)
    assert "half-written" in detail and "teams.parquet" in detail
    assert collect_main([str(where), "--quiet"]) == 0
    assert collect_main([str(where), "--quiet", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "3 runs not collected" in err and "missing" in err
    # a job Hydra was stopped while setting up (its run never began): reported once, as missing
    (jobs[3] / ".hydra" / "overrides.yaml").unlink()
    (jobs[3] / "summary.json").unlink()
    again = collect(where)
    assert again.problems.status.tolist().count("missing") == 2 and jobs[3].name not in set(again.problems.run)
    assert len(again.runs) == 0
    alone = tmp_path / "alone"  # outside a sweep whose runs are planned, it is the one to report
    shutil.copytree(jobs[3], alone / jobs[3].name)
    lone = collect(alone)
    assert lone.problems.to_dict("records") == [
        {"run": jobs[3].name, "status": "unfinished", "detail": "stopped before its run began"}
    ]
    shutil.rmtree(jobs[3])
    shutil.copytree(joblib_sweep[0] / jobs[3].name, jobs[3])
    (jobs[3] / "summary.json").write_text("{ not json")
    assert collect(where).problems.status.tolist().count("corrupt") == 2
    assert collect_main([str(tmp_path / "nowhere")]) == 2


def _copy_of(joblib_sweep, tmp_path) -> tuple[Path, list[Path]]:
    where = tmp_path / "sweep"
    shutil.copytree(joblib_sweep[0], where)
    return where, sorted(p for p in where.iterdir() if (p / ".hydra").is_dir())


def _empty_final(job: Path) -> None:
    summary = json.loads((job / "summary.json").read_text())
    (job / "summary.json").write_text(json.dumps({**summary, "final": {}}))


def _bad_yaml(path: Path) -> None:
    path.write_text(path.read_text() + "broken: [unclosed\n")


# damage done to one job (or the sweep), and the start of the one-line detail that names it
DAMAGE = {
    "timeseries": (lambda job, flip: flip(job / "timeseries.parquet"), "timeseries.parquet: SHA-256 mismatch"),
    "teams": (lambda job, flip: flip(job / "teams.parquet"), "teams.parquet: SHA-256 mismatch"),
    "empty summary": (lambda job, flip: _empty_final(job), "summary.json is corrupt: 'final' is empty"),
    "config.yaml": (lambda job, flip: _bad_yaml(job / ".hydra/config.yaml"), ".hydra/config.yaml is not valid YAML"),
    "overrides.yaml": (
        lambda job, flip: _bad_yaml(job / ".hydra/overrides.yaml"),
        ".hydra/overrides.yaml is not valid YAML",
    ),
    "multirun.yaml": (lambda job, flip: _bad_yaml(job.parent / "multirun.yaml"), "multirun.yaml is not valid YAML"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_strict_collect_names_each_damaged_file_in_one_line_and_exits_1(
    joblib_sweep, tmp_path, capsys, flip_bit, damage
):
    where, jobs = _copy_of(joblib_sweep, tmp_path)
    spoil, detail = DAMAGE[damage]
    spoil(jobs[1], flip_bit)
    capsys.readouterr()
    assert collect_main([str(where), "--quiet", "--strict"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    run = "." if damage == "multirun.yaml" else jobs[1].name
    assert [line for line in err.splitlines() if line.startswith(f"  corrupt    {run}: {detail}")]
    # the rest of the sweep is collected (a job whose overrides are unknown is not, and the planned
    # run it held is listed as missing: which one it was cannot be told)
    collected = 4 if damage == "multirun.yaml" else 3
    assert f"{collected} complete runs" in out
    assert err.splitlines()[0] == f"{1 + (damage == 'overrides.yaml')} runs not collected:"
    assert collect_main([str(where), "--quiet"]) == 0


def test_collect_as_a_command_reports_every_damage_by_name_without_a_traceback(joblib_sweep, tmp_path, flip_bit):
    where, jobs = _copy_of(joblib_sweep, tmp_path)
    for job, damage in zip(jobs, ["timeseries", "teams", "empty summary", "config.yaml"], strict=True):
        DAMAGE[damage][0](job, flip_bit)
    DAMAGE["multirun.yaml"][0](jobs[0], flip_bit)
    done = subprocess.run(
        [sys.executable, "-m", "sim.collect", str(where), "--strict", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "5 runs not collected:" and len(lines) == 6
    for run, damage in [(".", "multirun.yaml"), *zip((j.name for j in jobs), list(DAMAGE)[:4], strict=True)]:
        assert [line for line in lines if line.startswith(f"  corrupt    {run}: {DAMAGE[damage][1]}")]
    assert "0 complete runs" in done.stdout


def test_resume_runs_a_damaged_run_again(joblib_sweep, tmp_path, flip_bit):
    from sim.sweeps.jobs import finished_with_key

    where, jobs = _copy_of(joblib_sweep, tmp_path)
    key = json.loads((jobs[0] / "summary.json").read_text())["run_key"]
    assert finished_with_key(jobs[0], key)
    flip_bit(jobs[0] / "teams.parquet")
    assert not finished_with_key(jobs[0], key)


def test_runs_written_before_the_hashes_are_collected_and_counted_apart(joblib_sweep, tmp_path, capsys):
    where, jobs = _copy_of(joblib_sweep, tmp_path)
    summary = json.loads((jobs[2] / "summary.json").read_text())
    del summary["files"], summary["summary_sha256"]
    (jobs[2] / "summary.json").write_text(json.dumps(summary))
    got = collect(where)
    assert got.problems.empty and len(got.runs) == 4 and got.unverified == [jobs[2].name]
    assert collect_main([str(where), "--quiet", "--strict"]) == 0
    assert "1 runs record no SHA-256 of their files" in capsys.readouterr().err


def test_kill_the_launcher_then_resume_loses_no_finished_run(tmp_path):
    where = tmp_path / "sweep"
    n = 6
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        "org=small_team",
        "steps=60",
        "output.figures=false",
        f"seed=range({n})",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={where}",
    ]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 240
    while len(list(where.glob("*/summary.json"))) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the launcher and its workers, mid-sweep
    proc.wait(timeout=30)
    finished = {p.parent.name: p.stat().st_mtime_ns for p in where.glob("*/summary.json")}
    assert 2 <= len(finished) < n, "the sweep should have been killed halfway"
    # nothing under a real name is half written: every table and summary there reads
    for table in where.glob("*/*.parquet"):
        pd.read_parquet(table)
    before = collect(where)
    assert len(before.runs) == len(finished)
    assert set(before.problems.status) <= {"missing", "unfinished"}
    assert len(before.problems[before.problems.status == "missing"]) + len(
        before.problems[before.problems.status == "unfinished"]
    ) == n - len(finished)

    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("skipped:") == len(finished)
    for name, mtime in finished.items():
        assert (where / name / "summary.json").stat().st_mtime_ns == mtime, f"{name} was run again"
    after = collect(where)
    assert after.problems.empty and sorted(after.runs.seed) == list(range(n))
    assert not list(where.rglob("*.tmp"))


def test_same_config_and_seed_give_identical_summaries_on_basic_joblib_and_submitit(tmp_path):
    args = ["seed=3,4"]
    basic = sweep(tmp_path / "basic", *args, "hydra/launcher=basic")
    joblib = sweep(tmp_path / "joblib", *args)
    local = sweep(tmp_path / "submitit", *args, "hydra/launcher=submitit_local")
    results = [summaries(tmp_path / name) for name in ("basic", "joblib", "submitit")]
    assert sorted(results[0]) == [3, 4]
    assert results[0] == results[1] == results[2]
    assert "sweep" in basic.stderr and "sweep" in joblib.stderr and "sweep" in local.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head():
    """A Ray head on 127.0.0.1, started for these tests and stopped after them."""
    port = _free_port()
    env = {**os.environ, **RAY_ENV}
    start = [
        str(BIN / "ray"),
        "start",
        "--head",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        "--num-cpus=2",
        "--include-dashboard=false",
        "--disable-usage-stats",
    ]
    done = subprocess.run(start, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(BIN / "ray"), "stop", "--force"], capture_output=True, timeout=60, env=env)


@pytest.mark.slow
def test_the_same_sweep_on_a_ray_cluster_matches_joblib_run_for_run(ray_head, joblib_sweep, tmp_path):
    where = tmp_path / "ray"
    ray = sweep(where, *SWEEP_4, "hydra/launcher=ray_cluster", env={**RAY_ENV, "RAY_ADDRESS": ray_head})
    assert "Connected to Ray cluster" in ray.stderr and "4/4" in ray.stderr
    on_ray, on_joblib = collect(where), collect(joblib_sweep[0])
    assert on_ray.problems.empty and len(on_ray.runs) == 4
    key = ["seed", "style.recognition_rate"]
    metrics = [c for c in on_ray.runs.columns if c.startswith(("final.", "mean."))]
    ray_rows = on_ray.runs.sort_values(key).reset_index(drop=True)
    joblib_rows = on_joblib.runs.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(ray_rows[key + metrics], joblib_rows[key + metrics])
    assert ray_rows["run_key"].tolist() == joblib_rows["run_key"].tolist()


def test_the_slurm_preset_composes_to_the_submitit_slurm_launcher(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--cfg", "hydra", "hydra/launcher=slurm", "hydra.launcher.partition=cpu"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "SlurmLauncher" in done.stdout and "partition: cpu" in done.stdout and "mem_gb: 4" in done.stdout


def test_the_run_key_follows_the_config_and_seed_and_nothing_else():
    base = load_config(["org=small_team"])
    assert run_key(base) == run_key(load_config(["org=small_team"]))
    assert run_key(base) == run_key(load_config(["org=small_team", "output.progress=false"]))
    assert run_key(base) != run_key(load_config(["org=small_team", "seed=1"]))
    assert run_key(base, seed=1) == run_key(load_config(["org=small_team", "seed=1"]))
    assert run_key(base) != run_key(load_config(["org=small_team", "policies.remove_misfits=true"]))


def test_expected_jobs_is_the_cartesian_product_of_the_swept_values():
    jobs = expected_jobs(["seed=range(3)", "org=small_team", "policies.remove_misfits=true,false"])
    assert len(jobs) == 6 and len(set(jobs)) == 6
    assert ("org=small_team", "policies.remove_misfits=False", "seed=2") in jobs


def test_the_up_front_check_covers_every_swept_value_with_a_bounded_number_of_jobs():
    from hydra_plugins.sim_sweeper.sim_sweeper import covering_jobs

    batch = [
        list(job)
        for job in expected_jobs(["seed=range(1000)", "org=small_team", "dynamics.influence.anchor=0.1,0.2,0.3"])
    ]
    cover = covering_jobs(batch, per_key=20)
    assert len(cover) == 20  # not 3,000
    used = {value for job in cover for value in job}
    assert {
        "dynamics.influence.anchor=0.1",
        "dynamics.influence.anchor=0.2",
        "dynamics.influence.anchor=0.3",
        "org=small_team",
    } <= used
    assert {"seed=0", "seed=999"} <= used  # the first and last of a long list
    assert covering_jobs(batch[:3], per_key=20) == [list(job) for job in batch[:3]]


def test_an_out_of_range_swept_value_stops_the_sweep_before_any_run(tmp_path):
    where = tmp_path / "sweep"

    # the command line's own check knows the schema's ranges, before Hydra starts
    def sim(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "sim", "-m", *QUICK, f"hydra.sweep.dir={where}", *args]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    done = sim("dynamics.influence.anchor=0.1,0.2,5")
    assert done.returncode == 2 and not where.exists()
    assert done.stderr == "error: dynamics.influence.anchor=5.0 is out of range: allowed [0.0, 1.0]\n"
    # the sweeper's composes jobs up front for what only the composed config says (a mix's shares)
    done = sim("leadership.mix.typical=0.5,1.5")
    assert done.returncode == 2
    said = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("sweep:")]
    assert said == [
        "error: leadership.mix.typical=1.5 is out of range: allowed [0.0, 1.0] (in the sweep, before any run started)"
    ]
    assert not [p for p in where.iterdir() if p.is_dir()]


JOB_OVERRIDES = [
    ["seed=3"],
    ["seed=4"],  # same group choices: served from the composition kept for seed=3
    ["seed=4", "org=small_team", "policies.onboarding=0.3"],
    ["policies.onboarding=0.3", "policies=hire_for_fit", "seed=9"],  # a group after a value
    ["+extra.note=1", "hydra.job.name=other", "seed=2"],
    ["seed=1", "~events"],
    ["seed=5", "hydra.job.config.override_dirname.exclude_keys=[seed]"],
]


def test_composing_once_per_group_choice_gives_hydras_own_job_configs(tmp_path):
    """Every job config of ComposeOnceLoader equals Hydra's full composition: the same values,
    the same hydra node (overrides in order, override_dirname), the same YAML written to .hydra."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from sim.config import config_dir, register_configs
    from sim.sweeps import hydra_loader as config_loader

    register_configs()
    config_loader._composed.clear()
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        hydras = GlobalHydra.instance().config_loader()
        ours = config_loader.ComposeOnceLoader.replacing(hydras)
        assert type(ours) is config_loader.ComposeOnceLoader
        master = hydras.load_configuration("config", [f"hydra.sweep.dir={tmp_path}"], RunMode.MULTIRUN)
        for overrides in JOB_OVERRIDES:
            expected = hydras.load_sweep_config(master, overrides)
            for _ in range(2):  # composed, then from the cache
                got = ours.load_sweep_config(master, overrides)
                assert OmegaConf.to_yaml(got) == OmegaConf.to_yaml(expected), overrides
                assert OmegaConf.to_container(got.hydra.overrides) == OmegaConf.to_container(expected.hydra.overrides)
            got.policies.onboarding = 0.99  # a job's config is its own copy
        assert ours.load_sweep_config(master, ["seed=4"]).policies.onboarding != 0.99
    # one composition per distinct choice of groups (none, org, policies, ~events), not one per job
    assert len(config_loader._composed) == 4


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        (["seed=3"], "seed=3"),
        (["org=small_team", "seed=1", "style.vision=0.8"], "seed=1,style.vision=0.8"),  # org held constant
        (["org.path=data/org chart.csv", "seed=0"], "seed=0,org.path=data_org_chart.csv"),  # '/' and ' '
        (["name='a=b'", "seed=0"], "seed=0,name=a_b"),  # '=' inside a value
        (["+events.g={kind: growth, week: 5}", "seed=2"], "seed=2,events.g=kind_growth_week_5"),
        (["style@leadership.executive=manager_b", "seed=0"], "seed=0,style_leadership.executive=manager_b"),
    ],
)
def test_a_job_folder_names_its_seed_and_swept_values_safely(overrides, name):
    from sim.sweeps.folders import swept_name

    seed = next(o.split("=")[1] for o in overrides if o.startswith("seed="))
    assert swept_name(overrides, ["org"], seed) == name


def test_a_long_job_folder_name_is_cut_with_a_hash_and_stays_distinct():
    from sim.sweeps.folders import MAX_NAME, swept_name

    many = [f"dynamics.influence.{k}=0.123456789" for k in ("anchor", "self_weight", "peer_weight", "cross_weight")]
    names = {swept_name([*many, f"customers.price={p}", "seed=7"], [], 7) for p in (1, 2)}
    assert len(names) == 2
    for name in names:
        assert name.startswith("seed=7,dynamics.influence.anchor=0.123456789")
        assert len(name) <= MAX_NAME - 7 and name[-9] == "-" and all(c in "0123456789abcdef" for c in name[-8:])
    long_value = swept_name(["name=" + "x" * 500, "seed=0"], [], 0)
    assert len(long_value) <= MAX_NAME - 7 and long_value.startswith("seed=0,name=xxx")


def test_running_a_sweep_again_finds_every_run_under_its_named_folder(joblib_sweep, tmp_path):
    where = tmp_path / "sweep"
    shutil.copytree(joblib_sweep[0], where)
    before = sorted(p.name for p in where.iterdir() if p.is_dir())
    done = sweep(where, *SWEEP_4, "hydra.launcher.n_jobs=2")
    assert done.stdout.count("skipped:") == 4
    assert sorted(p.name for p in where.iterdir() if p.is_dir()) == before


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still lives. A zombie does not: an orphan's exit status waits for
    whoever adopted it, and a container's first process may never collect it."""
    if not Path("/proc").is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # it ended while we looked
            continue
        state, _, group = text[text.rindex(")") + 2 :].split()[:3]
        if state != "Z" and int(group) == pgid:
            return True
    return False


def _started_sweep(where: Path, n: int, output: int = subprocess.PIPE, workers: int = 2) -> subprocess.Popen:
    """A sweep of ``n`` 60-week runs on ``workers`` joblib workers, in its own process group, once its
    first run is done."""
    command = [sys.executable, "-m", "sim", "-m", "org=small_team", "steps=60", "output.figures=false"]
    command += [f"seed=range({n})", f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={where}"]
    proc = subprocess.Popen(command, cwd=where.parent, stdout=output, stderr=output, text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    while not list(where.glob("*/summary.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    return proc


def test_ctrl_c_stops_a_sweep_with_one_line_and_leaves_no_process(tmp_path):
    where = tmp_path / "sweep"
    proc = _started_sweep(where, 6)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the launcher and its workers
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    said = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and not line.startswith("sweep:")]
    assert len(said) == 1, err[-2000:]
    told = re.fullmatch(r"interrupted: (\d) of 6 runs finished; run the same command to resume", said[0])
    # at least the run done before Ctrl-C; a worker stopped mid-write may still land one after the count
    assert told and 1 <= int(told.group(1)) <= len(list(where.glob("*/summary.json"))), said
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(proc.pid), "a worker outlived the interrupted sweep"


@pytest.mark.parametrize(("runs", "workers"), [(6, 2), (2, 4)], ids=["busy workers", "idle workers"])
def test_killing_the_launcher_outright_ends_its_workers_within_seconds(tmp_path, runs, workers):
    where = tmp_path / "sweep"
    # a worker would hold a pipe open; with more workers than runs, some never get a job
    proc = _started_sweep(where, runs, output=subprocess.DEVNULL, workers=workers)
    os.kill(proc.pid, signal.SIGKILL)  # the launcher alone: it cannot tell its workers
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(proc.pid), "a worker outlived its launcher"
