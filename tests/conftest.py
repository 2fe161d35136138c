import logging

import pytest

from sim.config import load_config

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def joblib_sweep(tmp_path_factory):
    """A 4-run sweep (2 seeds x 2 recognition settings) on the default launcher (joblib):
    ``(sweep folder, the finished process)``."""
    from sweep_helpers import SWEEP_4, sweep

    where = tmp_path_factory.mktemp("joblib") / "sweep"
    done = sweep(where, *SWEEP_4, "hydra.launcher.n_jobs=2")
    return where, done


@pytest.fixture
def small_cfg():
    """The small org, 30 weeks: quick enough for many tests."""
    return load_config(["org=small_team", "steps=30"])


@pytest.fixture
def experiment_module(monkeypatch):
    """Load ``experiments/<name>.py`` as a fresh module, from the project folder (to patch it before ``main``)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)

    def load(name: str):
        spec = importlib.util.spec_from_file_location(f"experiments_{name}", root / "experiments" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def experiment(capsys, experiment_module):
    """Call ``main`` of ``experiments/<name>.py`` with ``key=value`` overrides from the project folder;
    returns ``(exit code, stdout, stderr)``."""

    def run(name: str, *args: str) -> tuple[int, str, str]:
        module = experiment_module(name)
        capsys.readouterr()
        code = module.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def flip_bit():
    """Flip one bit of a file, at a fraction of its length (by default the middle)."""

    def flip(path, at: float = 0.5) -> None:
        data = bytearray(path.read_bytes())
        data[int(len(data) * at)] ^= 0x01
        path.write_bytes(bytes(data))

    return flip
