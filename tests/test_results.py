"""Run outputs: atomic writes, the write/read round trip, summaries and the reproducibility records."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import results
from sim.results import (
    atomic_write_bytes,
    atomic_write_text,
    git_revision,
    is_complete,
    read_run,
    summarise,
    versions,
    write_parquet_atomic,
    write_run,
)


def _timeseries() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": np.array([1, 2, 3, 4], dtype=np.int64),
            "culture_mean": [0.2, 0.4, 0.6, 0.8],
            "revenue": [100.0, 110.0, 90.0, 120.0],
            "headcount": [10.0, 10.0, 9.0, 11.0],
        }
    )


def _teams() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": np.repeat([1, 2], 3).astype(np.int64),
            "team": np.tile([0, 1, 2], 2).astype(np.int64),
            "level": np.tile([0, 1, 1], 2).astype(np.int64),
            "frontline": np.tile([False, True, True], 2),
            "culture_mean": [0.5, 0.4, 0.6, 0.55, 0.45, 0.65],
        }
    )


def _summary() -> dict:
    return {
        "seed": np.int64(7),
        "config": {"steps": 4, "name": "test"},
        "versions": versions(),
        "git_revision": None,
        "weights": np.array([0.25, 0.75]),
        **summarise(_timeseries()),
    }


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def test_summarise_final_and_mean_match_hand_values():
    s = summarise(_timeseries())
    assert set(s) == {"final", "mean"}
    assert set(s["final"]) == set(s["mean"]) == {"culture_mean", "revenue", "headcount"}
    assert s["final"] == pytest.approx({"culture_mean": 0.8, "revenue": 120.0, "headcount": 11.0})
    assert s["mean"] == pytest.approx({"culture_mean": 0.5, "revenue": 105.0, "headcount": 10.0})
    assert all(type(v) is float for part in s.values() for v in part.values())
    json.dumps(s)  # plain Python values


def test_summarise_of_an_empty_run_is_nan_not_an_error():
    s = summarise(_timeseries().iloc[0:0])
    assert np.isnan(s["final"]["revenue"]) and np.isnan(s["mean"]["revenue"])


def test_write_run_then_read_run_round_trips(tmp_path):
    run_dir = tmp_path / "run"
    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    written = write_run(run_dir, _timeseries(), _teams(), _summary(), {"line": fig})

    assert written["timeseries"] == run_dir / "timeseries.parquet"
    assert written["teams"] == run_dir / "teams.parquet"
    assert written["summary"] == run_dir / "summary.json"
    assert written["figure:line"] == run_dir / "figures" / "line.png"
    assert all(p.is_file() for p in written.values())
    assert written["figure:line"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert _leftovers(run_dir) == []

    out = read_run(run_dir)
    assert out.path == run_dir
    pd.testing.assert_frame_equal(out.timeseries, _timeseries())
    pd.testing.assert_frame_equal(out.teams, _teams())
    assert out.summary["seed"] == 7
    assert out.summary["weights"] == [0.25, 0.75]
    assert out.summary["final"]["culture_mean"] == pytest.approx(0.8)
    assert list(out.summary) == list(_summary())  # key order kept, not sorted
    with pytest.raises(AttributeError):
        out.summary = {}  # frozen


def test_summary_json_is_written_last(tmp_path, monkeypatch):
    order = []
    real = results.atomic_write_bytes

    def spy(path, data):
        order.append(Path(path).name)
        real(path, data)

    monkeypatch.setattr(results, "atomic_write_bytes", spy)
    fig = Figure()
    fig.subplots()
    write_run(tmp_path, _timeseries(), _teams(), _summary(), {"a": fig})
    assert order[-1] == "summary.json"
    assert set(order) == {"timeseries.parquet", "teams.parquet", "a.png", "summary.json"}


def test_a_summary_json_cannot_hold_leaves_no_complete_run(tmp_path):
    with pytest.raises(TypeError):
        write_run(tmp_path, _timeseries(), _teams(), {"bad": object()})
    assert not is_complete(tmp_path)
    assert not (tmp_path / "summary.json").exists()


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "data.bin"
    atomic_write_bytes(target, b"first")
    atomic_write_text(target, "second é")
    assert target.read_text(encoding="utf-8") == "second é"
    assert os.listdir(tmp_path) == ["data.bin"]


def test_interrupted_write_keeps_the_old_file_and_no_partial(tmp_path, monkeypatch):
    target = tmp_path / "data.txt"
    target.write_text("old")
    fresh = tmp_path / "fresh.parquet"

    def crash(src, dst):
        assert Path(src).name.startswith(".") and Path(src).name.endswith(".tmp")
        assert Path(src).parent == Path(dst).parent
        raise OSError("disk gone")

    monkeypatch.setattr(results.os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        atomic_write_text(target, "new")
    with pytest.raises(OSError, match="disk gone"):
        write_parquet_atomic(fresh, _timeseries())
    assert target.read_text() == "old"
    assert not fresh.exists()
    assert os.listdir(tmp_path) == ["data.txt"]


def test_read_run_without_summary_names_it(tmp_path):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    (tmp_path / "summary.json").unlink()
    with pytest.raises(FileNotFoundError, match="summary.json"):
        read_run(tmp_path)
    assert not is_complete(tmp_path)


def test_read_run_of_a_missing_table_names_it(tmp_path):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    (tmp_path / "teams.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="teams.parquet"):
        read_run(tmp_path)
    assert not is_complete(tmp_path)


def test_truncated_parquet_raises_value_error_naming_it(tmp_path):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    path = tmp_path / "timeseries.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="timeseries.parquet"):
        read_run(tmp_path)


@pytest.mark.parametrize("text", ['{"final": ', "[1, 2]", ""])
def test_corrupt_summary_raises_value_error_naming_it(tmp_path, text):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    (tmp_path / "summary.json").write_text(text)
    with pytest.raises(ValueError, match="summary.json"):
        read_run(tmp_path)
    assert not is_complete(tmp_path)


def test_is_complete(tmp_path):
    assert not is_complete(tmp_path / "nowhere")
    assert not is_complete(tmp_path)
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    assert is_complete(tmp_path)


def test_git_revision_outside_a_checkout_is_none(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_revision(tmp_path) is None
    assert git_revision(tmp_path / "does-not-exist") is None


def test_git_revision_without_git_is_none(monkeypatch):
    monkeypatch.setenv("PATH", "")
    assert git_revision() is None


def test_git_revision_of_this_checkout_is_a_commit_or_none():
    rev = git_revision()
    if rev is not None:  # an installed copy or a source tarball has no checkout
        head = rev.removesuffix(" (dirty)")
        assert len(head) == 40 and int(head, 16) >= 0


def test_versions_has_the_keys():
    v = versions()
    assert set(v) == {"python", "sim", "mesa", "numpy", "hydra", "networkx", "pandas"}
    assert all(isinstance(x, str) and x for x in v.values())
    assert v["numpy"] == np.__version__


def test_a_doc_section_is_replaced_in_place_and_the_rest_kept(tmp_path):
    from sim.results import replace_doc_section

    doc = tmp_path / "perf.md"
    replace_doc_section(doc, "a", "first A", title="Performance")
    replace_doc_section(doc, "b", "B", title="Performance")
    replace_doc_section(doc, "a", "second A", title="Performance")
    text = doc.read_text()
    assert text.startswith("# Performance\n")
    assert "second A" in text and "first A" not in text and "B" in text
    assert text.index("second A") < text.index("<!-- b:start -->")
