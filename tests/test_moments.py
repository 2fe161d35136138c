"""Published moments (sim/research/moments.py, configs/research/moments.yaml, experiments/evidence.py): the
file holds 15+ moments split into calibration and held-out sets, each calibration moment naming parameters
of the schema; a malformed entry is a one-line error naming the moment; the committed evidence table is
what the file says."""

from __future__ import annotations

import pytest

from sim.config import ConfigError
from sim.research import moments as mom
from sim.research.parameters import parameters

KEYS = [p.key for p in parameters(ranks={})]


def test_the_file_holds_15_or_more_moments_in_both_sets_with_sources():
    moments = mom.load_moments(parameters=KEYS)
    assert len(moments) >= 15
    sets = {m.set for m in moments}
    assert sets == {"calibration", "validation"}
    for m in moments:
        assert m.source and m.url and m.quote and m.quantity and m.reason, m.id
        assert (m.set == "calibration") == bool(m.informs), m.id


ENTRY = (
    "  - {id: x, set: calibration, reason: r, quantity: q, statistic: r, level: unit, value: 0.3, source: s,"
    " url: u, quote: q, informs: [dynamics.engagement.customer_mood]"
)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (", window: [0.4, 0.5]}", "window .* must run low to high and hold the value 0.3"),
        (", colour: red}", "unknown key 'colour'"),
        (
            "}\n" + ENTRY.replace("informs: [dynamics.engagement.customer_mood]", "informs: [charm]") + "}",
            "informs 'charm'",
        ),
        ("}\n" + ENTRY + "}", "the id is used twice"),
    ],
)
def test_a_malformed_moment_is_a_one_line_error(tmp_path, extra, message):
    path = tmp_path / "moments.yaml"
    path.write_text("moments:\n" + ENTRY + extra + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        mom.load_moments(path, parameters=KEYS)
    assert "\n" not in str(info.value) and "moment x" in str(info.value)


def test_set_rules(tmp_path):
    path = tmp_path / "moments.yaml"
    path.write_text("moments:\n" + ENTRY.replace("set: calibration", "set: validation") + "}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="held-out validation moment informs no parameter"):
        mom.load_moments(path)
    path.write_text("moments:\n" + ENTRY.replace("set: calibration", "set: tuning") + "}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="set 'tuning' is not one of calibration, validation"):
        mom.load_moments(path)


def test_the_committed_evidence_table_is_what_the_file_says(experiment, tmp_path):
    assert experiment("evidence", "--check")[0] == 0, "docs/evidence.md is stale: run experiments/evidence.py"
    code, _, _ = experiment("evidence", "--out", str(tmp_path))
    text = (tmp_path / "evidence.md").read_text(encoding="utf-8")
    assert code == 0 and "## Calibration moments" in text and "## Held-out validation moments" in text
    for m in mom.load_moments():
        assert f"`{m.id}`" in text
