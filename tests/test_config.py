import dataclasses

import pytest

from sim.config import MECHANISM_PARAMS, ConfigError, config_dir, listed, load_config, with_style_levers


def test_defaults_compose_and_validate():
    cfg = load_config()
    assert cfg.org.name == "company" and cfg.leadership.name == "typical" and cfg.steps == 156
    assert set(cfg.leadership.styles) == {"typical"}
    assert set(load_config(["leadership=mixed"]).leadership.styles) == {"typical", "manager_a", "manager_b"}


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("dynamics.influence.anchor=1.5", "dynamics.influence.anchor=1.5 is out of range: allowed [0.0, 1.0]"),
        ("dynamics.negative_talk.bias=0.5", "dynamics.negative_talk.bias=0.5 is out of range: allowed [1, 20]"),
        ("dynamics.hiring.candidates_max=0", "dynamics.hiring.candidates_max=0 is out of range"),
        ("org.team_size=0", "org.team_size=0 is out of range"),
        ("steps=0", "steps=0 is out of range"),
        ("seed=-1", "seed=-1 is out of range"),
        ("leadership.styles.typical.vision=2", "leadership.styles.typical.vision=2.0 is out of range"),
        ("leadership.executive.gossip=-0.1", "leadership.executive.gossip=-0.1 is out of range"),
        ("policies.hire_rate=nan", "policies.hire_rate=nan is out of range"),
    ],
)
def test_out_of_range_values_name_key_value_and_range(override, named):
    with pytest.raises(ConfigError) as err:
        load_config([override])
    assert named in str(err.value)


def test_unknown_key_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="dynamics.no_such_rate"):
        load_config(["dynamics.no_such_rate=1"])
    with pytest.raises(ConfigError, match="no_such_rate"):
        load_config(["+dynamics.no_such_rate=1"])
    with pytest.raises(ConfigError, match=r"^dynamics\.influence\.no_such_weight is not a known key"):
        load_config(["+dynamics.influence.no_such_weight=1"])


def test_every_mechanism_block_is_composed_with_every_field_set():
    dynamics = load_config().dynamics
    assert set(MECHANISM_PARAMS) == set(dynamics) - {"name"}
    for name, schema in MECHANISM_PARAMS.items():
        assert set(dynamics[name]) == {spec.name for spec in dataclasses.fields(schema)}


def test_every_scenario_names_its_runs_unless_the_command_line_names_them():
    scenarios = sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml"))
    assert len(scenarios) > 40
    assert {s: load_config([f"scenario={s}"]).name for s in scenarios} == {s: s for s in scenarios}
    assert load_config(["scenario=c06_manager_b", "name=mine"]).name == "mine"
    assert load_config([]).name == "default"


def test_a_style_lever_on_the_command_line_reaches_every_leader_and_only_that_lever():
    base = load_config(["leadership=mixed"])
    cfg = load_config(["leadership=mixed", "style.recognition_rate=0.9"])
    leaders = [cfg.leadership.executive, *cfg.leadership.styles.values()]
    assert len(leaders) == 4 and all(style.recognition_rate == 0.9 for style in leaders)
    for before, after in zip([base.leadership.executive, *base.leadership.styles.values()], leaders, strict=True):
        assert {k: v for k, v in before.items() if k != "recognition_rate"} == {
            k: v for k, v in after.items() if k != "recognition_rate"
        }
    assert with_style_levers(base) is base  # nothing set: the config as it is
    assert with_style_levers(cfg) == cfg  # applying again changes nothing
    # a scenario that sets a lever for some leaders is overridden for all of them
    assert load_config(["scenario=c12_rare_recognition", "style.recognition_rate=0.6"]).leadership.executive[
        "recognition_rate"
    ] == pytest.approx(0.6)
    with pytest.raises(ConfigError, match=r"style\.recognition_rate=1\.5 is out of range: allowed \[0\.0, 1\.0\]"):
        load_config(["style.recognition_rate=1.5"])


def test_a_style_lever_set_after_composing_still_reaches_the_model():
    from sim.model import ServiceCultureModel

    cfg = load_config(["org=small_team", "leadership=mixed"])
    cfg.style.gossip = 0.05
    model = ServiceCultureModel(cfg, space=False)
    assert model.leadership.executive.gossip == 0.05
    assert {style.gossip for style in model.leadership.styles.values()} == {0.05}


def test_unknown_group_option_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="scenario/nope"):
        load_config(["scenario=nope"])


def test_wrong_type_is_refused():
    with pytest.raises(ConfigError, match="steps"):
        load_config(["steps=many"])


def test_leadership_mix_must_name_known_styles():
    with pytest.raises(ConfigError, match="leadership.mix.ghost names no style"):
        load_config(["+leadership.mix.ghost=0.5"])


def test_events_are_checked():
    with pytest.raises(ConfigError, match="events.e.kind='party' is not allowed"):
        load_config(["+events.e={kind: party, week: 3}"])
    with pytest.raises(ConfigError, match="events.e.target='nowhere' is not allowed"):
        load_config(["+events.e={kind: shock, week: 3, target: nowhere}"])
    with pytest.raises(ConfigError, match="events.e.style='manager_z' names no style"):
        load_config(["+events.e={kind: leadership_change, week: 3, style: manager_z}"])
    with pytest.raises(ConfigError, match="events.e.week has no value"):
        load_config(["+events.e={kind: shock}"])
    with pytest.raises(ConfigError, match="events.e.value=0.9 is out of range for misfit_weeks"):
        load_config(["+events.e={kind: policy_change, week: 3, policy: misfit_weeks, value: 0.9}"])
    ok = load_config(["+events.e={kind: policy_change, week: 3, policy: onboarding, value: 0.9}"])
    assert ok.events.e.value == 0.9


def test_output_format_takes_one_format_or_a_list_and_parquet_alone_by_default():
    assert listed(load_config().output.format) == ("parquet",)
    assert listed(load_config(["output.format=xlsx"]).output.format) == ("xlsx",)
    assert listed(load_config(["output.format=[csv,xlsx]"]).output.format) == ("csv", "xlsx")


@pytest.mark.parametrize("value", ["pdf", "[csv,pdf]", "null"])
def test_a_bad_output_format_is_one_line_naming_the_allowed_formats(value):
    with pytest.raises(ConfigError) as err:
        load_config([f"output.format={value}"])
    shown = "null" if value == "null" else "pdf"
    assert str(err.value) == f"output.format={shown} is not allowed: choose from parquet, csv, xlsx, or a list of them"
