"""The install: a light base package, make targets that ask only for the extras they need, the console
scripts, and one source for the version."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import sim

ROOT = Path(__file__).resolve().parent.parent
DIST = "service-culture-sim"
#: What the base install must not pull in: the cluster, browser-test, notebook and dashboard stacks.
HEAVY = re.compile(r"^(ray|playwright|jupyter.*|solara.*)$")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def closure(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """The distributions ``name`` (with ``extras``) needs here, from the installed metadata, followed
    recursively with each requirement's markers evaluated (offline: nothing is resolved against an index)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(name, extras)]
    while todo:
        dist, wanted = todo.pop()
        if (canonicalize_name(dist), wanted) in seen:
            continue
        seen.add((canonicalize_name(dist), wanted))
        for text in importlib.metadata.requires(dist) or []:
            req = Requirement(text)
            environments = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in environments):
                todo.append((req.name, frozenset(req.extras)))
    return {dist for dist, _ in seen}


def test_the_base_install_pulls_in_no_cluster_browser_notebook_or_dashboard_stack():
    base = closure(DIST)
    assert {"numpy", "mesa", "hydra-core", "pandas"} <= base
    assert sorted(d for d in base if HEAVY.match(d)) == []
    # the same walk finds them where they belong, so an empty list above is a finding, not a blind spot
    assert {"ray", "playwright", "solara"} <= closure(DIST, frozenset({"dev"}))


def stub_project(tmp_path: Path) -> Path:
    """The project's make and bootstrap files beside a .venv whose python (and jupyter-lab) logs its pip
    and module calls, and answers the bootstrap's version check with this interpreter."""
    for name in ("Makefile", "pyproject.toml", "constraints.txt", "scripts/bootstrap.sh", "scripts/find-python.sh"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for program in ("python", "jupyter-lab"):
        check = f'case "$1" in -c) exec "{sys.executable}" "$@" ;; esac\n'
        (bin_dir / program).write_text(f'#!/bin/sh\n{check}echo "$*" >> "{tmp_path}/calls"\n')
        (bin_dir / program).chmod(0o755)
    return tmp_path


def make(project: Path, target: str) -> list[str]:
    """Run ``make TARGET``; what it asked pip to install (the ``-e`` targets, in order)."""
    calls = project / "calls"
    before = calls.read_text().splitlines() if calls.exists() else []
    # a make above this test (make test) passes its own variables down through MAKEFLAGS: not here
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "EXTRAS", "ARGS")}
    subprocess.run(["make", "-s", target], cwd=project, env=env, check=True, capture_output=True, text=True)
    new = calls.read_text().splitlines()[len(before) :]
    installs = [line.split() for line in new if line.startswith("-m pip install") and " -e " in line]
    for words in installs:
        assert words[words.index("-c") + 1] == "constraints.txt"  # every install is pinned by the lock
    return [words[words.index("-e") + 1] for words in installs]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_asks_for_no_extra_and_extras_accumulate_without_reinstalling(tmp_path):
    project = stub_project(tmp_path)
    assert make(project, "run") == ["."]
    assert "-m sim" in (project / "calls").read_text()
    assert make(project, "run") == []
    assert make(project, "test") == [".[dev]"]
    assert make(project, "run") == []  # the dev extra stays for the developer who ran make test first
    assert make(project, "dashboard") == [".[dashboard,dev]"]
    assert (project / ".venv" / ".installed").read_text().split() == ["dashboard", "dev"]
    assert make(project, "test") == []
    # a new lock installs again, everything installed so far
    later = (project / ".venv" / ".installed").stat().st_mtime + 10
    os.utime(project / "constraints.txt", (later, later))
    assert make(project, "run") == [".[dashboard,dev]"]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_each_make_target_installs_the_extra_it_needs(tmp_path):
    wants = {"dashboard": ".[dashboard]", "notebooks": ".[notebooks]", "lint": ".[dev]", "setup": ".[dev]"}
    for target, wanted in wants.items():
        shutil.rmtree(tmp_path / target, ignore_errors=True)
        project = stub_project(tmp_path / target)
        assert make(project, target) == [wanted], target


SCRIPTS = PYPROJECT["project"]["scripts"]


def test_the_console_scripts_installed_are_the_ones_pyproject_declares():
    installed = {ep.name: ep.value for ep in importlib.metadata.distribution(DIST).entry_points}
    assert {k: v for k, v in installed.items() if k.startswith("service-culture")} == SCRIPTS
    assert set(SCRIPTS) == {
        "service-culture",
        "service-culture-dashboard",
        "service-culture-collect",
        "service-culture-org",
        "service-culture-plots",
    }


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["service-culture", "--help"], 0, "config groups (GROUP=OPTION; * marks the default):"),
        (["service-culture", "org=small_team", "steps=0"], 2, "error: steps=0 is out of range"),
        (["service-culture-dashboard", "--help"], 0, "--port PORT"),
        (["service-culture-collect", "--help"], 0, "sweep_dir"),
        (["service-culture-collect", "no-such-sweep"], 2, "error: no-such-sweep is not a folder"),
        (["service-culture-org", "--help"], 0, "{check}"),
        (["service-culture-org", "check", "no-such-chart.csv"], 2, "error: no-such-chart.csv: no such file"),
        (["service-culture-plots", "--help"], 0, "--no-network"),
        (["service-culture-plots", "no-such-run"], 2, "error: no-such-run is not a folder"),
    ],
)
def test_the_console_scripts_run_from_the_venv_and_exit_with_their_code(tmp_path, argv, code, says):
    script = Path(sys.executable).parent / argv[0]
    done = subprocess.run([script, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stderr[-2000:]
    assert says in done.stdout + done.stderr


def test_the_version_has_one_source_and_the_license_ships():
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert sim.__version__ == importlib.metadata.version(DIST)
    meta = importlib.metadata.metadata(DIST)
    assert meta["License-Expression"] == "MIT" and "LICENSE" in meta.get_all("License-File")
    assert "Copyright (c) 2026 The service-culture-sim authors" in (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_the_dashboard_command_says_what_to_install_when_its_extra_is_missing(monkeypatch, capsys):
    import importlib.util

    from sim.cli import dashboard

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a))
    assert dashboard.main(["--help"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the dashboard extra" in err and "make dashboard" in err
