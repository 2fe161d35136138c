"""The core imports no wing: the layers contract in pyproject.toml holds, and breaks when a core
module imports a wing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the ``sim`` package under ``root`` with ``root``'s pyproject.toml."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("import-linter is not installed: it is part of the dev extra")
    # grimp finds `sim` on sys.path: the copy under root must come before the installed project
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(root)}
    return subprocess.run(
        [exe, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_core_imports_no_wing():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("core_module", "wing_import"),
    [("sim/metrics.py", "import sim.viz.plots"), ("sim/mechanisms/influence.py", "from sim.research import analysis")],
)
def test_a_core_module_importing_a_wing_breaks_the_contract(tmp_path, core_module, wing_import):
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    module = tmp_path / core_module
    module.write_text(module.read_text() + f"\n{wing_import}  # a core module reaching into a wing\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout and wing_import.split()[1].split(".")[1] in done.stdout
