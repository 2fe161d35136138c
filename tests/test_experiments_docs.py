"""A quick or reduced run of a script in experiments/ leaves the committed docs/ alone (experiments/_docs.py).

Each script's ``main`` runs with the cheapest settings it allows and docs/ is compared before and after,
file by file (content and modification time). Two scripts measure for minutes even in --quick mode
(benchmark.py: the 100k- and million-seat cases; benchmark_sweep.py: Hydra sweeps on every launcher), so
their measuring is replaced by a stand-in and the test checks what ``main`` does with the result;
validate_external.py --quick takes about 20 s of checks, so it runs a fast real subset of them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from experiments import _docs
from sim.research import external

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: The scripts that write into docs/; every one of them decides with experiments/_docs.py.
WRITERS = (
    "benchmark",
    "benchmark_sweep",
    "calibrate",
    "fit_moments",
    "held_out",
    "lever_responses",
    "sensitivity",
    "validate_claims",
    "validate_external",
)
#: scripts whose docs cost seconds to remake: no reduced mode, so no --write-docs; a --check instead
CHEAP_WRITERS = ("config_doc", "evidence", "parameters")
SMALL = "base=[org=small_team,leadership=typical,policies=baseline]"


def snapshot() -> dict[str, tuple[int, str]]:
    """Every file under docs/: its modification time and a hash of its content."""
    return {
        str(p.relative_to(DOCS)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(DOCS.rglob("*"))
        if p.is_file()
    }


def test_the_decision_writes_into_docs_only_from_a_full_run_or_when_asked(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    for doc in (DOCS / "performance.md", Path("docs/claims.md"), Path("docs/sub/../validation.md")):
        assert not _docs.may_write(doc, full=False)
        assert _docs.may_write(doc, full=True)
        assert _docs.may_write(doc, full=False, write_docs=True)
    # each refusal says which file was spared and which flag writes it
    said = capsys.readouterr().out.splitlines()
    spared = [line.split(" left alone")[0] for line in said]
    assert spared == ["docs/performance.md", "docs/claims.md", "docs/validation.md"]
    assert all("--write-docs" in line for line in said)
    # anywhere else is the user's to name, quick or not
    for elsewhere in (tmp_path / "validation.md", Path("multirun/calibration/calibration.md"), Path("docsmith.md")):
        assert _docs.may_write(elsewhere, full=False)


def test_a_study_is_full_when_only_where_and_how_it_runs_differ():
    from sim.research.study import load_study

    how = ("launcher", "launcher_overrides", "out", "docs")
    assert _docs.full_study("sensitivity", load_study("sensitivity"), how)
    moved = load_study("sensitivity", ["launcher=slurm", "out=elsewhere", "launcher_overrides=[x=1]"])
    assert _docs.full_study("sensitivity", moved, how)
    for reduced in ("steps=12", "morris.trajectories=4", "exclude=[policies.onboarding]", "seed=1"):
        assert not _docs.full_study("sensitivity", load_study("sensitivity", [reduced]), how), reduced


@pytest.mark.parametrize(
    ("script", "cheapest", "shown", "report"),
    [
        ("validate_claims", ("--seeds", "2", "--only", "C2", "--org", "small_team"), "C2", "claims"),
        ("lever_responses", ("--quick", "--seeds", "2", "--levers", "style.vision"), "style.vision", "levers"),
    ],
)
def test_a_reduced_run_leaves_docs_alone_and_writes_where_it_is_told(
    experiment, tmp_path, script, cheapest, shown, report
):
    cheapest = (*cheapest, "--workers", "1", "--no-progress")
    before = snapshot()
    code, out, _ = experiment(script, *cheapest)
    assert code in (0, 1) and shown in out and f"docs/{report}.md left alone" in out
    assert snapshot() == before
    code, out, _ = experiment(script, *cheapest, "--out", str(tmp_path))
    assert (tmp_path / f"{report}.md").is_file() and (tmp_path / f"{report}.png").stat().st_size > 0
    assert snapshot() == before


def test_validate_external_quick_leaves_docs_alone(experiment, monkeypatch):
    fast = external.friedkin_johnsen(quick=True)
    monkeypatch.setattr(external, "all_checks", lambda seeds, quick=False: fast)
    before = snapshot()
    code, out, _ = experiment("validate_external", "--quick")
    assert code in (0, 1) and "docs/validation.md left alone" in out
    assert f"{sum(c.passed for c in fast)}/{len(fast)} checks pass" in out
    # fewer seeds than a full run's, without --quick, is a reduced run too
    assert "docs/validation.md left alone" in experiment("validate_external", "--seeds", "3")[1]
    assert snapshot() == before


def test_calibrate_reduced_leaves_docs_alone_and_puts_the_report_with_its_tables(experiment, tmp_path):
    before = snapshot()
    cheapest = [SMALL, "trials=2", "seeds=1", "workers=1", "identifiability.run=false", f"out={tmp_path}"]
    code, out, err = experiment("calibrate", *cheapest)
    assert code == 0, err[-2000:]
    assert "docs/calibration.md left alone" in out
    assert (tmp_path / "calibration.md").is_file() and (tmp_path / "calibration.png").stat().st_size > 0
    assert snapshot() == before


def test_moment_fit_and_held_out_reduced_leave_docs_alone_and_report_with_their_tables(experiment, tmp_path):
    before = snapshot()
    fit = ["trials=2", "startup=2", "seeds=2", "workers=1", f"storage={tmp_path / 'fit.db'}", f"out={tmp_path}"]
    code, out, err = experiment("fit_moments", *fit)
    assert code == 0, err[-2000:]
    assert "docs/fit.md left alone" in out
    assert (tmp_path / "fit.md").is_file() and (tmp_path / "fit.png").stat().st_size > 0
    held = ["seeds=2", "bad_apple_seeds=2", "workers=1", f"out={tmp_path}"]
    code, out, err = experiment("held_out", *held)
    assert code == 0, err[-2000:]
    assert "docs/held_out.md left alone" in out
    assert (tmp_path / "held_out.md").is_file() and (tmp_path / "held_out.png").stat().st_size > 0
    assert snapshot() == before


@pytest.mark.slow
def test_sensitivity_reduced_leaves_docs_alone_and_puts_the_report_with_its_tables(experiment, tmp_path):
    from sim.config import load_config
    from sim.research.levers import leadership_and_policy_levers

    kept = {"style.vision", "policies.onboarding"}
    levers = leadership_and_policy_levers(load_config(["leadership=typical"]))
    dropped = [lv.name for lv in levers if lv.name not in kept]
    cheapest = [
        SMALL,
        "steps=4",
        "long_run_weeks=2",
        f"exclude=[{','.join(dropped)}]",
        "morris.trajectories=2",
        "sobol.top=1",
        "sobol.n=2",
        "resamples=10",
        "launcher=basic",
        f"out={tmp_path}",
    ]
    before = snapshot()
    code, out, err = experiment("sensitivity", *cheapest)
    assert code == 0, err[-2000:]
    assert "docs/sensitivity.md left alone" in out
    assert (tmp_path / "sensitivity.md").is_file() and (tmp_path / "sensitivity.png").stat().st_size > 0
    assert snapshot() == before


def test_benchmark_writes_its_section_from_a_full_run_or_with_write_docs(experiment_module, capsys):
    written = []

    def load():
        module = experiment_module("benchmark")
        module.collect = lambda quick: {"quick": quick}
        module.verdicts = lambda results, quick: {"default": "met"}
        module.table = lambda results: ["| measured |"]
        module.write_doc = lambda results, verdict, quick: written.append(quick)
        return module

    before = snapshot()
    load().main(["--quick"])
    assert written == [] and "docs/performance.md left alone" in capsys.readouterr().out
    assert snapshot() == before
    load().main(["--quick", "--write-docs"])
    load().main([])
    assert written == [True, False]


def test_benchmark_sweep_writes_docs_from_a_full_run_and_a_quick_one_only_where_told(experiment_module, tmp_path):
    written = []

    def load():
        module = experiment_module("benchmark_sweep")
        module.measure = lambda quick: {"throughput": {}, "launchers": {}, "load_average": [0.0, 0.0]}
        module.throughput_markdown = lambda result, load: "## Sweeps"
        module.launchers_markdown = lambda result, load: "## Launchers"
        module.replace_doc_section = lambda path, name, body, title: written.append((Path(path), name))
        return module

    before = snapshot()
    assert load().main(["--quick"]) == 0
    assert written == [] and snapshot() == before
    load().main(["--quick", "--out", str(tmp_path / "perf.md")])
    load().main(["--quick", "--write-docs"])
    load().main([])
    perf = DOCS / "performance.md"
    assert written == [
        *[(tmp_path / "perf.md", name) for name in ("sweeps", "launchers")],
        *[(perf, name) for name in ("sweeps", "launchers")] * 2,
    ]


@pytest.mark.parametrize("name", WRITERS)
def test_every_docs_writer_documents_write_docs_in_its_help(experiment_module, capsys, name):
    module = experiment_module(name)
    try:
        module.main(["--help"])
    except SystemExit as done:  # argparse's --help
        assert done.code == 0
    assert "--write-docs" in capsys.readouterr().out


def test_only_the_listed_scripts_mention_docs_and_they_all_use_the_shared_decision():
    for script in sorted((ROOT / "experiments").glob("[!_]*.py")):
        source = script.read_text(encoding="utf-8")
        uses = "from experiments._docs import" in source
        assert uses == (script.stem in WRITERS + CHEAP_WRITERS), script.name
        assert uses or "docs" not in source, f"{script.name} mentions docs but does not decide with experiments/_docs"
