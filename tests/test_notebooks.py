"""The notebooks (notebooks/*.ipynb) run top to bottom headless, in quick mode, and git holds them
without outputs.

Each notebook reads SIM_NOTEBOOK_QUICK in its parameters cell (fewer seeds and weeks, a smaller
org); every cell runs either way. Execution uses nbclient with the ipykernel of this interpreter.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = [
    "01_quickstart",
    "02_manager_a_vs_b",
    "03_sweep_analysis",
    "04_your_org_chart",
    "05_workshop",
]
# figures each notebook must show (image/png outputs), the widget's own output aside
FIGURES = {
    "01_quickstart": 2,
    "02_manager_a_vs_b": 4,
    "03_sweep_analysis": 1,
    "04_your_org_chart": 3,
    "05_workshop": 2,
}
BUDGET_S = 120  # per notebook, quick mode (the issue asks for under 2 minutes even in full mode)
# Per cell. Seen on fresh venvs: after 05's slider cell (ipywidgets' interactive) nbclient sometimes
# waits out the whole cell timeout for a message that has already come, then carries on; the cells
# themselves take seconds. A per-cell bound tighter than the notebook's keeps that stall from eating
# the notebook's budget; no quick-mode cell comes near it (the longest, 03's sweep, takes ~15 s).
CELL_S = 45
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def test_every_notebook_of_the_issue_is_there():
    assert [p.stem for p in paths()] == EXPECTED


@pytest.mark.parametrize("path", paths(), ids=lambda p: p.stem)
def test_notebook_has_one_parameters_cell_that_reads_quick_mode(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "SIM_NOTEBOOK_QUICK" in tagged[0].source
    assert sum("SIM_NOTEBOOK_QUICK" in c.source for c in nb.cells) == 1
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


@pytest.mark.parametrize("path", paths(), ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_in_quick_mode(path, monkeypatch):
    monkeypatch.setenv("SIM_NOTEBOOK_QUICK", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the notebooks draw inline
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_S,  # per cell; the whole notebook is held to BUDGET_S below
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    took = time.perf_counter() - started
    assert took < BUDGET_S, f"{path.name} took {took:.0f} s in quick mode"
    produced = outputs(nb)
    assert not [o for o in produced if o.output_type == "error"]
    stderr = "".join(o.text for o in produced if o.output_type == "stream" and o.name == "stderr")
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr
    figures = sum("image/png" in o.get("data", {}) for o in produced)
    assert figures >= FIGURES[path.stem], f"{path.name} showed {figures} figures"
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")
    if path.stem == "05_workshop":
        assert any(WIDGET_VIEW in o.get("data", {}) for o in produced), "the sliders were not built"


@pytest.mark.parametrize("path", paths(), ids=lambda p: p.stem)
def test_notebook_in_git_holds_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code), (
        f"{path.name} holds outputs: run `make strip-notebooks`"
    )
    assert "widgets" not in nb.metadata


def test_notebooks_use_no_machine_specific_paths():
    for path in paths():
        text = path.read_text(encoding="utf-8")
        for marker in ("/work/", "/home/", "/Users/", "C:\\\\", "/tmp/"):
            assert marker not in text, f"{path.name} mentions {marker}"


def test_strip_script_clears_outputs_and_check_mode_finds_them(tmp_path):
    dirty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1 + 1")])
    dirty.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    dirty.cells[1].execution_count = 1
    dirty.metadata["widgets"] = {"state": {}}
    target = tmp_path / "dirty.ipynb"
    nbformat.write(dirty, target)
    script = [sys.executable, str(ROOT / "scripts" / "strip_notebooks.py")]
    check = subprocess.run([*script, "--check", str(target)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 1 and "cell 1: outputs" in check.stdout and "widget state" in check.stdout
    assert nbformat.read(target, as_version=4).cells[1].outputs  # --check changes nothing
    done = subprocess.run([*script, str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "stripped" in done.stdout
    clean = nbformat.read(target, as_version=4)
    assert clean.cells[1].outputs == [] and clean.cells[1].execution_count is None
    assert clean.cells[1].source == "1 + 1" and "widgets" not in clean.metadata
    again = subprocess.run([*script, "--check", str(target)], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stdout


def test_notebook_04_runs_without_the_optional_files_on_a_chart_without_team_names(tmp_path, monkeypatch):
    """Ties and survey set to None (no crash on None.as_posix()), a chart with no team column: every team
    shown has a name."""
    monkeypatch.setenv("SIM_NOTEBOOK_QUICK", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    chart = tmp_path / "chart.csv"
    staff = [f"s{i},L{1 + i % 3},{'back office' if i % 3 == 0 else 'frontline'}" for i in range(12)]
    chart.write_text(
        "\n".join(["id,manager_id,role", "B,,leader", "L1,B,leader", "L2,B,leader", "L3,B,leader", *staff])
    )
    nb = nbformat.read(NOTEBOOKS / "04_your_org_chart.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    unset = f"CHART = Path({chart.as_posix()!r})\nTIES = None\nSURVEY = None"
    nb.cells.insert(at, nbformat.v4.new_code_cell(unset))
    shown = (
        "import json\nprint(json.dumps({'teams': list(map(str, teams.name)), 'ranked': list(map(str, ranking.name))}))"
    )
    nb.cells.append(nbformat.v4.new_code_cell(shown))
    NotebookClient(
        nb, timeout=CELL_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    shown = json.loads(nb.cells[-1].outputs[0].text)
    assert len(shown["teams"]) == 4 and all(name.strip() for name in shown["teams"])
    assert len(shown["ranked"]) == len(set(shown["ranked"])) == 3  # the teams with staff, each named
