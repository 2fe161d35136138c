"""The parameter table (sim/research/parameters.py, experiments/parameters.py, docs/parameters.md): every
parameter of the schema is in it with its default value, meaning and unit; sources come from the sources
file and everything else is an assumption; ranks come from the sensitivity report; the committed table is
the one the code writes."""

from __future__ import annotations

import dataclasses

import pytest

from sim.config import (
    MECHANISM_PARAMS,
    ConfigError,
    CustomersConfig,
    PoliciesConfig,
    StyleConfig,
    config_dir,
    load_config,
)
from sim.params import UNITS
from sim.research import parameters as table


@pytest.fixture(scope="module")
def rows():
    return table.parameters(ranks={"style.vision": 3, "policies.hire_rate": 1})


def test_every_parameter_of_the_default_config_is_a_row_with_its_value(rows):
    by_key = {r.key: r for r in rows}
    cfg = load_config([])
    for mechanism, schema in MECHANISM_PARAMS.items():
        for spec in dataclasses.fields(schema):
            if "range" in spec.metadata:
                assert by_key[f"dynamics.{mechanism}.{spec.name}"].value == cfg.dynamics[mechanism][spec.name]
    for section, schema in (("customers", CustomersConfig), ("policies", PoliciesConfig)):
        for spec in dataclasses.fields(schema):
            if spec.name != "name":
                assert by_key[f"{section}.{spec.name}"].value == cfg[section][spec.name]
    presets = sorted(p.stem for p in (config_dir() / "style").glob("*.yaml"))
    assert presets and all(f"style.{p}.{s.name}" in by_key for p in presets for s in dataclasses.fields(StyleConfig))


def test_every_row_says_what_it_means_and_in_what_unit(rows):
    missing = [r.key for r in rows if not r.meaning]
    assert not missing, f"no meaning (doc=) for {missing[:5]}"
    switches = {r.key for r in rows if r.low is None}
    assert all(r.unit in UNITS and (r.unit or r.key in switches) for r in rows), [r.key for r in rows if not r.unit][:5]


def test_sources_come_from_the_file_fits_from_the_moment_fit_and_the_rest_are_assumptions(rows):
    by_key = {r.key: r for r in rows}
    sources, fitted = table.load_sources(), table.fitted_sources()
    for key, entry in sources.items():
        if "source" in entry:
            assert by_key[key].source == entry["source"] and by_key[key].figure == entry.get("figure", "")
    for key in fitted:  # each fitted parameter names the published moments it was fitted to
        assert by_key[key].source == table.FITTED and "=" in by_key[key].figure
    assert {"dynamics.onboarding.pull", "leadership.spread"} <= set(fitted)
    unsourced = [r for r in rows if "source" not in sources.get(r.key, {}) and r.key not in fitted]
    assert unsourced and all(r.source == table.ASSUMPTION for r in unsourced)


def test_a_parameter_cannot_be_both_fitted_and_sourced(monkeypatch):
    given = {"leadership.spread": {"source": "someone (2001)"}}
    monkeypatch.setattr(table, "load_sources", lambda path=None: given)
    with pytest.raises(ConfigError, match="'leadership.spread', which the moment fit fits"):
        table.parameters()


def test_a_source_for_a_key_that_is_not_a_parameter_is_a_one_line_error():
    with pytest.raises(ConfigError, match="'dynamics.training.charm'.*not a parameter"):
        table.parameters(sources={"dynamics.training.charm": {"source": "nobody"}})


def test_ranks_are_read_from_the_morris_table_of_the_sensitivity_report(tmp_path, rows):
    report = tmp_path / "sensitivity.md"
    report.write_text(
        "# Sensitivity\n\n| `not.this` | x |\n\n## Morris screening\n\n| lever | mu* |\n|---|---|\n"
        "| `policies.hire_rate` **(Sobol)** | 0.1 |\n| `style.vision` | 0.05 |\n\n## Sobol\n\n| `style.gossip` | 1 |\n",
        encoding="utf-8",
    )
    assert table.sensitivity_ranks(report) == {"policies.hire_rate": 1, "style.vision": 2}
    assert table.sensitivity_ranks(tmp_path / "none.md") == {}
    by_key = {r.key: r for r in rows}
    assert by_key["style.typical.vision"].rank == 3 and by_key["policies.hire_rate"].rank == 1
    assert by_key["dynamics.training.forgetting"].rank is None


def test_the_committed_table_is_what_the_code_writes(experiment, tmp_path):
    assert experiment("parameters", "--check")[0] == 0, "docs/parameters.md is stale: run experiments/parameters.py"
    code, out, _ = experiment("parameters", "--out", str(tmp_path))
    assert code == 0 and (tmp_path / "parameters.md").read_text(encoding="utf-8").startswith("# Parameters")
    (tmp_path / "parameters.md").write_text("# Parameters\n", encoding="utf-8")
    code, _, err = experiment("parameters", "--check", "--out", str(tmp_path))
    assert code == 1 and "out of date" in err
