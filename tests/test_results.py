"""Run outputs: atomic writes, the write/read round trip, summaries and the reproducibility records."""

import hashlib
import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook

from sim import results
from sim.config import load_config
from sim.results import (
    atomic_write_bytes,
    atomic_write_text,
    git_revision,
    is_complete,
    read_run,
    run_key,
    run_status,
    summarise,
    summary_digest,
    versions,
    write_parquet_atomic,
    write_run,
)
from sim.run import run_and_write
from sim.sweeps.jobs import finished_with_key


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
    assert list(out.summary) == [*_summary(), "files", "summary_sha256"]  # key order kept, not sorted
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
    write_run(tmp_path, _timeseries(), _teams(), _summary(), {"a": fig}, formats=("xlsx", "csv"))
    assert order[-1] == "summary.json"
    tables = {"timeseries.parquet", "teams.parquet", "timeseries.csv", "teams.csv", "results.xlsx"}
    assert set(order) == {*tables, "a.png", "summary.json"}


def test_without_formats_only_the_parquet_tables_are_written(tmp_path):
    written = write_run(tmp_path, _timeseries(), _teams(), _summary(), formats=("parquet",))
    assert set(written) == {"timeseries", "teams", "summary"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json", "teams.parquet", "timeseries.parquet"]


def test_csv_and_xlsx_hold_the_tables_the_summary_and_escape_formula_text(tmp_path):
    teams = _teams().assign(team_name=pd.Categorical(np.tile(["=HYPERLINK(x)", "Frontline 1.1", "-ops"], 2)))
    written = write_run(tmp_path, _timeseries(), teams, _summary(), formats=("csv", "xlsx"))
    assert written["csv:timeseries"] == tmp_path / "timeseries.csv" and written["xlsx"] == tmp_path / "results.xlsx"
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "timeseries.csv"), _timeseries())
    from_csv = pd.read_csv(tmp_path / "teams.csv")
    assert from_csv["team_name"].tolist()[:3] == ["'=HYPERLINK(x)", "Frontline 1.1", "'-ops"]
    pd.testing.assert_frame_equal(from_csv.drop(columns="team_name"), _teams())  # numbers stay numbers

    book = load_workbook(tmp_path / "results.xlsx", read_only=True)
    assert book.sheetnames == ["summary", "timeseries", "teams"]
    summary = pd.DataFrame(book["summary"].values)
    assert summary.iloc[0].tolist() == ["metric", "final", "mean"]
    assert summary.iloc[1:].values.tolist() == [
        [metric, _summary()["final"][metric], _summary()["mean"][metric]] for metric in _summary()["final"]
    ]
    sheet = list(book["teams"].values)
    assert sheet[0] == tuple(teams.columns)
    assert [row[-1] for row in sheet[1:4]] == ["'=HYPERLINK(x)", "Frontline 1.1", "'-ops"]
    assert [row[2] for row in sheet[1:]] == teams["level"].tolist()
    assert len(list(book["timeseries"].values)) == len(_timeseries()) + 1


def test_a_run_writes_its_workbook_with_team_names_and_passes_the_checks(tmp_path):
    cfg = load_config(["org=small_team", "steps=3", "output.format=[csv,xlsx]", "output.progress=false"])
    written = run_and_write(cfg, tmp_path)
    assert {"csv:timeseries", "csv:teams", "xlsx"} <= set(written)
    assert run_status(tmp_path)[:2] == ("complete", "")
    out = read_run(tmp_path)
    assert {"timeseries.csv", "teams.csv", "results.xlsx"} <= set(out.summary["files"])
    sheet = pd.DataFrame(load_workbook(tmp_path / "results.xlsx", read_only=True)["teams"].values)
    sheet = sheet.iloc[1:].set_axis(sheet.iloc[0].tolist(), axis=1)
    assert sheet["team_name"].tolist() == out.teams["team_name"].astype(str).tolist()
    assert sheet["team_name"].iloc[0] == "Executive team"
    assert finished_with_key(tmp_path, run_key(cfg))  # resume knows the run as finished


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


def _edit_summary(run_dir: Path, edit, *, reseal: bool = True) -> None:
    """Change summary.json; ``reseal`` recomputes its own hash, as if the run had written it so."""
    path = run_dir / "summary.json"
    summary = json.loads(path.read_text())
    edit(summary)
    if reseal and "summary_sha256" in summary:
        summary["summary_sha256"] = summary_digest(summary)
    path.write_text(json.dumps(summary))


def _written_with_a_figure(run_dir: Path) -> dict:
    """A run folder with every kind of file a run writes: tables in every format, a figure, the summary."""
    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    return write_run(run_dir, _timeseries(), _teams(), _summary(), {"line": fig}, formats=("csv", "xlsx"))


def test_the_summary_records_the_sha256_and_size_of_every_file_written(tmp_path):
    given = _summary()
    written = _written_with_a_figure(tmp_path)
    summary = json.loads(written["summary"].read_text())
    assert set(summary["files"]) == {
        "timeseries.parquet",
        "teams.parquet",
        "timeseries.csv",
        "teams.csv",
        "results.xlsx",
        "figures/line.png",
    }
    for rel, record in summary["files"].items():
        data = (tmp_path / rel).read_bytes()
        assert record == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert summary["summary_sha256"] == summary_digest(summary)
    assert "files" not in given and "summary_sha256" not in given  # the caller's summary is not changed
    assert run_status(tmp_path) == ("complete", "", summary)


@pytest.mark.parametrize(
    "name", ["timeseries.parquet", "teams.parquet", "teams.csv", "results.xlsx", "figures/line.png"]
)
def test_a_flipped_bit_in_a_recorded_file_makes_the_run_corrupt_naming_it(tmp_path, name, flip_bit):
    _written_with_a_figure(tmp_path)
    flip_bit(tmp_path / name)
    status, detail, summary = run_status(tmp_path)
    assert status == "corrupt" and summary is None
    assert detail.startswith(f"{name}: SHA-256 mismatch (recorded ")
    assert not is_complete(tmp_path)
    if name.endswith(".parquet"):
        with pytest.raises(ValueError, match=f"{name} is corrupt: {name}: SHA-256 mismatch"):
            read_run(tmp_path)


def test_a_flipped_bit_in_a_value_that_still_reads_is_found(tmp_path, flip_bit):
    import pyarrow.parquet as pq

    write_run(tmp_path, _timeseries(), _teams(), _summary())
    path = tmp_path / "timeseries.parquet"
    chunk = pq.read_metadata(path).row_group(0).column(1)  # culture_mean: its values are in the dictionary page
    assert chunk.has_dictionary_page and chunk.compression == "SNAPPY"
    flip_bit(path, at=(chunk.data_page_offset - 1) / path.stat().st_size)  # the last value's top byte
    changed = pd.read_parquet(path)["culture_mean"]  # reads, footer and pages, with a wrong value
    assert changed.iloc[-1] != 0.8 and changed.iloc[:-1].tolist() == [0.2, 0.4, 0.6]
    assert run_status(tmp_path)[1].startswith("timeseries.parquet: SHA-256 mismatch")


def test_a_recorded_file_of_another_size_or_gone_is_named(tmp_path):
    _written_with_a_figure(tmp_path)
    size = (tmp_path / "teams.parquet").stat().st_size
    with (tmp_path / "teams.parquet").open("ab") as fh:
        fh.write(b"x")
    assert run_status(tmp_path)[1] == f"teams.parquet: SHA-256 mismatch ({size + 1} bytes, {size} recorded)"
    (tmp_path / "figures" / "line.png").unlink()
    _written_with_a_figure(tmp_path / "again")
    (tmp_path / "again" / "figures" / "line.png").unlink()
    assert run_status(tmp_path / "again") == (
        "corrupt",
        "figures/line.png is missing beside a summary.json that records it",
        None,
    )


def test_a_figure_drawn_later_into_the_run_folder_is_not_checked(tmp_path):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    assert not (tmp_path / "figures").exists()  # none written with the run: no empty folder either
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "later.png").write_bytes(b"drawn on demand")
    assert run_status(tmp_path)[:2] == ("complete", "")


def test_a_changed_value_in_the_summary_breaks_its_own_hash(tmp_path):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    text = (tmp_path / "summary.json").read_text()
    (tmp_path / "summary.json").write_text(text.replace('"revenue": 120.0', '"revenue": 121.0', 1))
    status, detail, _ = run_status(tmp_path)
    assert (
        status == "corrupt"
        and detail == "summary.json is corrupt: SHA-256 mismatch of its own content ('summary_sha256')"
    )
    with pytest.raises(ValueError, match="summary_sha256"):
        read_run(tmp_path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.update(final={}), "'final' is empty"),
        (lambda s: s.update(mean={}), "'mean' is empty"),
        (lambda s: s.pop("mean"), "'mean' is missing or not an object"),
        (lambda s: s.update(final=[1.0]), "'final' is missing or not an object"),
        (lambda s: s["final"].update(revenue="120"), "'final.revenue' is not a number: '120'"),
        (lambda s: s.update(files={"../elsewhere.parquet": {"sha256": "0", "bytes": 1}}), "not inside the run folder"),
        (
            lambda s: s.update(files={"teams.parquet": {"sha256": "0"}}),
            "'files.teams.parquet' is not a {sha256, bytes}",
        ),
        (lambda s: s.pop("summary_sha256"), "has one of 'files' and 'summary_sha256' but not the other"),
    ],
)
def test_an_empty_or_malformed_summary_is_corrupt(tmp_path, edit, message):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    _edit_summary(tmp_path, edit)
    status, detail, summary = run_status(tmp_path)
    assert status == "corrupt" and summary is None
    assert detail.startswith("summary.json is corrupt: ") and message in detail
    with pytest.raises(ValueError, match="summary.json is corrupt"):
        read_run(tmp_path)


def test_a_run_written_before_the_hashes_is_complete_with_its_footers_checked(tmp_path):
    write_run(tmp_path, _timeseries(), _teams(), _summary())
    _edit_summary(tmp_path, lambda s: [s.pop("files"), s.pop("summary_sha256")])
    status, detail, summary = run_status(tmp_path)
    assert status == "complete" and summary is not None
    assert detail == "no SHA-256 recorded for timeseries.parquet, teams.parquet: only the Parquet footers checked"
    pd.testing.assert_frame_equal(read_run(tmp_path).teams, _teams())
    path = tmp_path / "teams.parquet"
    path.write_bytes(path.read_bytes()[:-20])  # the footer is what the old check can see
    assert run_status(tmp_path)[:1] == ("corrupt",) and "teams.parquet cannot be read" in run_status(tmp_path)[1]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002, 0o077])
def test_files_get_the_users_umask_not_0600(tmp_path, umask):
    before = os.umask(umask)
    try:
        written = _written_with_a_figure(tmp_path)
        atomic_write_text(tmp_path / "note.txt", "shared")
    finally:
        os.umask(before)
    assert {_mode(p) for p in [*written.values(), tmp_path / "note.txt"]} == {0o666 & ~umask}
