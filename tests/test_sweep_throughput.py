"""A sweep's throughput: no figures in a sweep unless asked (drawn later by ``python -m sim.plots``),
several runs a Hydra job (``replications``), a progress bar that reads only what is new, and jobs
that hand the launching process back their status, not their configs."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.utils import JobReturn, JobStatus
from omegaconf import OmegaConf

from sim.cli.plots import main as plots_main
from sim.config import ConfigError, config_from_record, load_config
from sim.results import FIGURES, SUMMARY, TIMESERIES, read_run, run_key, run_status
from sim.run import run, run_and_write
from sim.sweeps.collect import collect
from sim.sweeps.jobs import (
    FINISHED_LOG,
    SweepProgress,
    _LogTail,
    count_finished,
    planned_runs,
    record_finished,
    replicate_dir,
    replicate_seeds,
)
from sim.viz.folder_figures import FIGURE_NAMES

TINY = ["org=small_team", "steps=4"]


def sim(where: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args, *TINY],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def pngs(folder: Path) -> set[str]:
    return {p.stem for p in (folder / FIGURES).glob("*.png")}


def test_a_single_run_draws_its_figures_and_a_sweep_does_not_unless_asked(tmp_path):
    sim(tmp_path, "hydra.run.dir=one")
    assert pngs(tmp_path / "one") == set(FIGURE_NAMES)
    sim(tmp_path, "-m", "seed=0,1", "hydra.sweep.dir=plain", "hydra.launcher.n_jobs=1")
    runs = sorted((tmp_path / "plain").glob(f"*/{SUMMARY}"))
    assert len(runs) == 2 and all(pngs(p.parent) == set() for p in runs)
    sim(tmp_path, "-m", "seed=0", "output.figures=true", "hydra.sweep.dir=drawn", "hydra.launcher.n_jobs=1")
    (run_dir,) = [p.parent for p in (tmp_path / "drawn").glob(f"*/{SUMMARY}")]
    assert pngs(run_dir) == set(FIGURE_NAMES)
    sim(tmp_path, "output.figures=false", "hydra.run.dir=none")
    assert pngs(tmp_path / "none") == set()


def test_replicate_seeds_never_overlap_between_jobs_and_one_replication_is_the_seed():
    assert replicate_seeds(5) == [5]
    assert replicate_seeds(2, 4) == [8, 9, 10, 11]
    jobs = [replicate_seeds(s, 8) for s in range(8)]
    assert sorted(s for job in jobs for s in job) == list(range(64))
    with pytest.raises(ValueError, match="at least 1"):
        replicate_seeds(0, 0)
    with pytest.raises(ConfigError, match="past the largest seed"):
        load_config([f"seed={2**62}", "replications=2"])
    load_config([f"seed={2**62 - 1}", "replications=2"])  # seeds up to 2**63 - 1: the largest allowed


def test_replications_make_each_seed_the_run_a_job_of_one_run_makes(tmp_path):
    """Three jobs of two runs: six run folders, each the very run (key, tables) that ``seed=<s>`` makes
    alone; a replication's record can make it again from its summary."""
    sim(tmp_path, "-m", "seed=range(3)", "replications=2", "hydra.sweep.dir=sw", "hydra.launcher.n_jobs=2")
    found = {json.loads(p.read_text())["seed"]: p.parent for p in (tmp_path / "sw").glob(f"*/seed*/{SUMMARY}")}
    assert sorted(found) == list(range(6))
    assert count_finished(tmp_path / "sw") == 6
    assert len((tmp_path / "sw" / FINISHED_LOG).read_text().splitlines()) == 6
    for seed in (0, 5):
        stored = read_run(found[seed])
        alone = run(load_config([*TINY, f"seed={seed}"]))
        assert stored.summary["run_key"] == alone.summary["run_key"] == run_key(load_config([*TINY, f"seed={seed}"]))
        assert stored.summary["config"]["seed"] == seed
        pd.testing.assert_frame_equal(stored.timeseries, alone.timeseries)
        again = run(config_from_record(stored.summary["config"]), seed=seed)
        pd.testing.assert_frame_equal(again.timeseries, stored.timeseries)


def test_a_resumed_job_of_several_runs_makes_only_the_runs_it_lacks(tmp_path):
    sim(tmp_path, "-m", "seed=0", "replications=3", "hydra.sweep.dir=sw", "hydra.launcher.n_jobs=1")
    job = next((tmp_path / "sw").glob("0_*"))
    kept, lost = replicate_dir(job, 0, 3), replicate_dir(job, 1, 3)
    stamp = (kept / TIMESERIES).stat().st_mtime_ns
    (lost / SUMMARY).unlink()
    done = sim(tmp_path, "-m", "seed=0", "replications=3", "hydra.sweep.dir=sw", "hydra.launcher.n_jobs=1")
    assert done.stdout.count("skipped:") == 2
    assert (lost / SUMMARY).is_file() and (kept / TIMESERIES).stat().st_mtime_ns == stamp


def test_a_job_of_one_run_keeps_its_folder_and_several_runs_get_a_folder_each(tmp_path):
    assert replicate_dir(tmp_path, 7, 1) == tmp_path
    assert replicate_dir(tmp_path, 7, 2) == tmp_path / "seed7"


def test_the_progress_log_is_read_from_where_it_was_left(tmp_path):
    tail = _LogTail(tmp_path / FINISHED_LOG)
    assert tail.count() == 0  # no log yet
    record_finished(tmp_path, tmp_path / "0_seed0")
    record_finished(tmp_path, tmp_path / "1_seed1" / "seed2")
    assert tail.count() == 2
    assert (tmp_path / FINISHED_LOG).read_text().splitlines() == ["0_seed0", os.path.join("1_seed1", "seed2")]
    before = tail.offset
    record_finished(tmp_path, tmp_path / "2_seed2")
    assert tail.count() == 3 and tail.offset > before
    resumed = _LogTail(tmp_path / FINISHED_LOG)  # a new session counts only what is appended after it starts
    record_finished(tmp_path, tmp_path / "3_seed3")
    assert resumed.count() == 1


def test_the_planned_number_of_runs_counts_every_jobs_replications():
    cfg = OmegaConf.create(
        {
            "replications": 4,
            "hydra": {
                "sweeper": {"_target_": "hydra_plugins.sim_sweeper.sim_sweeper.SimSweeper"},
                "overrides": {"task": ["seed=range(3)", "org=small_team,medium_org"]},
            },
        }
    )
    assert planned_runs(cfg) == 3 * 2 * 4
    cfg.hydra.overrides.task = ["seed=range(3)", "replications=1,2"]
    assert planned_runs(cfg) == 3 * (1 + 2)
    cfg.hydra.sweeper._target_ = "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"
    assert planned_runs(cfg) is None


def test_a_job_hands_back_its_status_and_value_without_its_configs():
    cfg = load_config(TINY)
    ret = JobReturn(overrides=["seed=1"], cfg=cfg, hydra_cfg=OmegaConf.create({"hydra": {"x": [1] * 1000}}))
    ret.status, ret.return_value = JobStatus.COMPLETED, 0.5
    full = len(pickle.dumps(ret))
    SweepProgress().on_job_end(config=cfg, job_return=ret)
    assert ret.cfg is None and ret.hydra_cfg is None and ret.return_value == 0.5 and ret.overrides == ["seed=1"]
    assert len(pickle.dumps(ret)) < full / 20


@pytest.fixture
def written_run(tmp_path) -> Path:
    folder = tmp_path / "run"
    run_and_write(load_config([*TINY, "seed=3"]), folder, progress=False)
    assert pngs(folder) == set()
    return folder


def test_plots_draws_a_run_folder_once_and_again_when_forced(written_run, capsys):
    assert plots_main([str(written_run), "--quiet", "--jobs", "1"]) == 0
    assert pngs(written_run) == set(FIGURE_NAMES)
    stamp = (written_run / FIGURES / "network.png").stat().st_mtime_ns
    assert plots_main([str(written_run), "--quiet"]) == 0
    assert "1 had every figure already" in capsys.readouterr().out
    assert (written_run / FIGURES / "network.png").stat().st_mtime_ns == stamp
    assert plots_main([str(written_run), "--quiet", "--force", "--no-network"]) == 0
    assert "drew 5 figures in 1 runs" in capsys.readouterr().out


def test_plots_leaves_the_network_out_when_the_run_made_again_differs(written_run, monkeypatch, capsys):
    import sim.viz.folder_figures as folder_figures

    def changed_code(*args, **kwargs):  # as if the model had changed since the run was made
        result = run(*args, **kwargs)
        result.timeseries.loc[result.timeseries.index[-1], "culture_mean"] += 0.01
        return result

    monkeypatch.setattr(folder_figures, "run", changed_code)
    assert plots_main([str(written_run), "--quiet", "--jobs", "1"]) == 0
    assert pngs(written_run) == set(FIGURE_NAMES) - {"network"}
    assert "differs from the stored one" in capsys.readouterr().err


def test_plots_of_a_sweep_lists_the_runs_it_cannot_draw(written_run, tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / SUMMARY).write_text("{not json")
    assert plots_main([str(tmp_path), "--quiet", "--jobs", "2", "--no-network"]) == 1
    captured = capsys.readouterr()
    assert pngs(written_run) == set(FIGURE_NAMES) - {"network"}
    assert "broken: corrupt" in captured.err and "1 runs not drawn" in captured.err
    assert plots_main([str(tmp_path / "nothing")]) == 2
    assert plots_main([str(broken.parent / "run" / FIGURES)]) == 2
    assert "holds no run" in capsys.readouterr().err


def test_a_record_that_does_not_fit_the_schema_is_one_line():
    record = json.loads(json.dumps(OmegaConf.to_container(load_config(TINY))))
    record["dynamics"]["no_such_key"] = 1
    with pytest.raises(ConfigError, match="does not fit this version's schema"):
        config_from_record(record)


def test_figures_drawn_later_join_the_runs_record_and_drawing_again_keeps_it_whole(tmp_path):
    """A single run records the figures it drew; drawing them again (``--force``) must not make the
    run read as corrupt, and figures drawn into a sweep's run are checked like its tables from then on."""
    sim(tmp_path, "hydra.run.dir=one")
    recorded = json.loads((tmp_path / "one" / SUMMARY).read_text())["files"]
    assert {f"{FIGURES}/{name}.png" for name in FIGURE_NAMES} <= set(recorded)
    assert plots_main([str(tmp_path / "one"), "--quiet", "--force", "--no-network"]) == 0
    assert run_status(tmp_path / "one")[:2] == ("complete", "")
    folder = tmp_path / "later"
    run_and_write(load_config([*TINY, "seed=1"]), folder, progress=False)
    assert plots_main([str(folder), "--quiet", "--no-network"]) == 0
    assert f"{FIGURES}/culture.png" in json.loads((folder / SUMMARY).read_text())["files"]
    (folder / FIGURES / "culture.png").write_bytes(b"not the figure")
    status, detail, _ = run_status(folder)
    assert status == "corrupt" and "figures/culture.png" in detail


def test_the_collector_gives_a_row_to_every_run_of_a_job_of_several(tmp_path):
    sim(tmp_path, "-m", "seed=range(2)", "replications=3", "hydra.sweep.dir=sw", "hydra.launcher.n_jobs=2")
    got = collect(tmp_path / "sw")
    assert sorted(got.runs["seed"]) == list(range(6)) and got.problems.empty
    assert all(run.split("/")[-1] == f"seed{seed}" for run, seed in zip(got.runs["run"], got.runs["seed"], strict=True))
    assert got.runs["run_key"].is_unique
    job = next((tmp_path / "sw").glob("1_*"))
    (replicate_dir(job, 4, 3) / SUMMARY).unlink()
    got = collect(tmp_path / "sw")
    assert sorted(got.runs["seed"]) == [0, 1, 2, 3, 5]
    (problem,) = got.problems.itertuples()
    assert problem.status == "unfinished" and problem.run.endswith("seed4")
