"""The dashboard's model side (``sim.viz.workshop_model``, ``sim.viz.dashboard_pictures``): controls ->
validated config -> model, live changes, the baseline, sessions, limits and launch options, the
intervention and the pictures. The page itself is driven in a browser in ``test_dashboard_browser.py``."""

import dataclasses
import socket
import threading
from xml.etree import ElementTree

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config import ConfigError, config_dir, load_config, option_names
from sim.state import STYLE_LEVERS
from sim.viz.dashboard import main
from sim.viz.dashboard_pictures import panel
from sim.viz.workshop_model import (
    LEVERS,
    POLICIES,
    REPLACED,
    REPLACEMENT,
    Settings,
    build_model,
    compose,
    leaders_with_style,
    live_lever,
    pending_events,
    replace_style,
)

A_VS_B = Settings(scenario="manager_a_vs_b", org="small_team", seed=3)


def plain(cfg) -> dict:
    return OmegaConf.to_container(cfg, resolve=True)


def test_pickers_list_the_config_tree():
    assert option_names("scenario") == sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml"))
    assert {"manager_a_vs_b", "replace_manager_a", "c06_manager_b"} <= set(option_names("scenario"))
    assert {"company", "small_team"} <= set(option_names("org"))


def test_levers_and_policies_on_screen_are_fields_of_the_schema():
    cfg = load_config()
    assert set(LEVERS) <= set(STYLE_LEVERS)
    assert set(POLICIES) <= set(cfg.policies)


def test_untouched_controls_give_the_same_config_as_the_command_line():
    cli = load_config(["scenario=manager_a_vs_b", "org=small_team", "seed=3"])
    assert plain(compose(A_VS_B)) == plain(cli)


def test_a_scenario_without_manager_b_gets_the_preset_with_no_share():
    cfg = compose(Settings(scenario="c06_manager_a"))
    assert REPLACEMENT in cfg.leadership.styles
    assert dict(cfg.leadership.mix) == {REPLACED: 1.0}  # nobody is given it: the run is the scenario's
    preset = load_config(["leadership=manager_b"]).leadership.executive  # style/manager_b.yaml
    assert plain(cfg.leadership.styles[REPLACEMENT]) == plain(preset)


def test_a_moved_lever_overrides_every_leader_and_only_that_lever():
    cfg = compose(dataclasses.replace(A_VS_B, levers={"gossip": 0.9}))
    assert cfg.leadership.executive.gossip == 0.9
    assert {name: style.gossip for name, style in cfg.leadership.styles.items()} == {REPLACED: 0.9, REPLACEMENT: 0.9}
    untouched = compose(A_VS_B).leadership
    assert cfg.leadership.styles[REPLACED].vision == untouched.styles[REPLACED].vision
    assert cfg.leadership.styles[REPLACEMENT].vision == untouched.styles[REPLACEMENT].vision
    model = build_model(dataclasses.replace(A_VS_B, levers={"gossip": 0.9}))
    model.set_lever("gossip", 0.9)  # as the page does for a moved slider: the slider's value is the model's
    assert live_lever(model, "gossip") == pytest.approx(0.9)


def test_slider_values_reach_a_new_model_through_the_config():
    settings = dataclasses.replace(A_VS_B, levers={"gossip": 0.9}, policies={"onboarding": 0.8})
    model = build_model(settings)
    leaders = model.org.is_leader & model.people.filled
    gossip = model.styles.gossip[leaders]
    # each leader is the preset plus N(0, leadership.spread) noise, clipped to [0, 1]
    assert gossip.mean() == pytest.approx(0.9, abs=3 * model.cfg.leadership.spread)
    assert model.policies["onboarding"] == 0.8
    assert model.seed == 3 and model.cfg.org.name == "small_team"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(levers={"vision": 1.5}), "style.vision=1.5 is out of range: allowed [0.0, 1.0]"),
        (Settings(policies={"onboarding": -0.1}), "policies.onboarding=-0.1 is out of range: allowed [0.0, 1.0]"),
        (Settings(scenario="nope"), "scenario/nope"),
    ],
)
def test_bad_values_are_refused_by_the_config_validation(settings, message):
    with pytest.raises(ConfigError) as caught:
        compose(settings)
    assert message in str(caught.value)


def test_a_moved_slider_reaches_the_running_model_as_the_composed_config_says():
    """The page composes the room's settings (validation), then moves the running model through its own
    methods: every leader's lever and the presets take the value the composed config gives every style."""
    settings = dataclasses.replace(A_VS_B, levers={"mistake_tolerance": 1.0}, policies={"negative_talk_curb": 0.9})
    cfg = compose(settings)
    model = build_model(A_VS_B)
    model.run_for(5)
    model.set_lever("mistake_tolerance", settings.levers["mistake_tolerance"])
    model.set_policy("negative_talk_curb", settings.policies["negative_talk_curb"])
    leaders = model.org.is_leader
    assert (model.styles.mistake_tolerance[leaders] == 1.0).all()
    assert (model.own_styles.mistake_tolerance[leaders] == 1.0).all()  # role modelling will not pull it back
    assert model.policies["negative_talk_curb"] == cfg.policies.negative_talk_curb == 0.9
    presets = [cfg.leadership.executive, *cfg.leadership.styles.values()]
    assert {p.mistake_tolerance for p in presets} == {1.0}  # what the model's presets now hold, for later hires
    assert all(style.mistake_tolerance == 1.0 for style in model.leadership.styles.values())
    model.run_for(10)
    kept = model.org.is_leader & model.people.filled
    assert model.styles.mistake_tolerance[kept].mean() > 0.95


def test_a_lever_moved_mid_run_changes_what_happens_next():
    """Same seed, same history for 5 weeks; then one run gets tolerant leaders: safety rises (C5)."""
    control, treated = build_model(A_VS_B), build_model(A_VS_B)
    control.run_for(5)
    treated.run_for(5)
    assert treated.flows == control.flows
    treated.set_lever("mistake_tolerance", 1.0)
    control.run_for(20)
    treated.run_for(20)
    assert treated.flows["psych_safety"] > control.flows["psych_safety"] + 0.05


def test_the_intervention_turns_manager_a_leaders_into_manager_b_from_next_week():
    model = build_model(A_VS_B)
    model.run_for(4)
    before_a = leaders_with_style(model, REPLACED)
    before_b = int(leaders_with_style(model, REPLACEMENT).sum())
    changed = replace_style(model)
    assert changed == before_a.sum() > 0
    name = f"{REPLACED}_to_{REPLACEMENT}_week5"
    assert pending_events(model) == [(5, name)]
    assert leaders_with_style(model, REPLACED).sum() == changed  # nothing happens before the week comes
    model.step()
    assert pending_events(model) == []
    assert leaders_with_style(model, REPLACED).sum() == 0
    assert leaders_with_style(model, REPLACEMENT).sum() == before_b + changed
    preset = model.leadership.styles[REPLACEMENT]
    spread = model.cfg.leadership.spread
    for lever in STYLE_LEVERS:
        for styles in (model.styles, model.own_styles):
            values = getattr(styles, lever)[before_a]
            assert np.abs(values - getattr(preset, lever)).max() <= 4 * spread + 0.05, lever


def test_the_intervention_lifts_trust_in_the_teams_that_get_a_new_style():
    control, treated = build_model(A_VS_B), build_model(A_VS_B)
    control.run_for(5)
    treated.run_for(5)
    seats = leaders_with_style(treated, REPLACED)
    replace_style(treated)
    control.run_for(10)
    treated.run_for(10)
    reports = np.isin(treated.boss, np.flatnonzero(seats)) & ~treated.org.is_leader
    both = reports & control.people.filled & treated.people.filled
    assert both.sum() >= 5
    assert treated.people.trust[both].mean() > control.people.trust[both].mean() + 0.15


def test_no_manager_a_means_the_intervention_schedules_nothing():
    settings = Settings(scenario="c06_manager_b", org="small_team")
    model = build_model(settings)
    model.run_for(2)
    events = len(model.timeline.starts())
    assert replace_style(model) == 0
    assert len(model.timeline.starts()) == events and pending_events(model) == []


def _svg(markup: str):
    return ElementTree.fromstring(markup)


def _event_marks(markup: str, week: int) -> int:
    """How many event marks a chart draws at ``week`` (the dotted lines of ``sim.viz.svg``)."""
    return sum(1 for el in _svg(markup).iter() if el.get("data-week") == str(week))


def test_every_picture_draws_at_week_zero_and_marks_events_it_has_reached():
    model = build_model(Settings(scenario="replace_manager_a", org="small_team", seed=1))
    for name in ("network", "culture", "people", "service", "turnover", "teams"):
        assert _svg(panel(model, name, model.timeseries())).get("data-name") == name
    week = int(model.cfg.events.to_manager_b.week)
    for _ in range(week + 3):
        model.step()
    assert _event_marks(panel(model, "culture", model.timeseries(), model.baseline.timeseries()), week) == 1
    early = build_model(Settings(scenario="replace_manager_a", org="small_team", seed=1))
    for _ in range(week - 1):
        early.step()
    assert _event_marks(panel(early, "people", early.timeseries()), week) == 0


def test_the_charts_carry_the_baseline_and_their_message_and_the_teams_their_names():
    model = build_model(dataclasses.replace(A_VS_B, levers={"mistake_tolerance": 1.0}))
    for _ in range(8):
        model.step()
    ts, base = model.timeseries(), model.baseline.timeseries()
    culture = panel(model, "culture", ts, base)
    assert "baseline" in culture and "Culture" in culture
    names = {str(n) for n in model.org.team_names}
    teams = panel(model, "teams", ts, base)
    shown = {t.text for t in _svg(teams).iter() if t.tag.endswith("text")}
    assert shown & names and not any(t.startswith("team ") for t in shown if t)


def test_the_command_line_serves_on_loopback_unless_told_otherwise(monkeypatch):
    import solara.__main__

    calls = []
    monkeypatch.setattr(solara.__main__, "cli", lambda args, prog_name: calls.append(args))
    main([])
    main(["--host", "0.0.0.0", "--port", "9001"])
    assert calls[0][:6] == ["run", "sim.app", "--host", "127.0.0.1", "--port", "8765"]
    assert calls[1][:6] == ["run", "sim.app", "--host", "0.0.0.0", "--port", "9001"]
    assert all({"--production", "--no-open", "--no-check-version"} <= set(args) for args in calls)


def test_org_selector_offers_generated_orgs_only():
    from sim.viz.workshop_model import dashboard_orgs

    names = dashboard_orgs()
    assert "company" in names and "small_team" in names
    assert "from_file" not in names  # a file import needs a path the room cannot type


def test_the_page_opens_on_a_story_the_intervention_can_change():
    # the default config's leaders are all alike; the page opens where half lead like Manager A
    model = build_model(Settings(org="small_team"))
    assert leaders_with_style(model, REPLACED).sum() > 0


def _waits_for(lock, action):
    """``action``, run in another thread, does not finish while ``lock`` is held and does once it is
    released; returns what it returned."""
    done = []
    with lock:
        worker = threading.Thread(target=lambda: done.append(action()))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not done
    worker.join(60)
    assert done, "it did not finish once the lock was released"
    return done[0]


def test_play_steps_the_model_only_between_the_pages_reads():
    """Mesa's Play steps the model in a worker thread while the page draws it: a step waits for a read
    in progress, and a picture's read waits for a step in progress."""
    model = build_model(Settings(org="small_team"))
    _waits_for(model.lock, model.step)  # as a picture's read holds it
    assert model.steps == 1
    drawn = _waits_for(model.lock, lambda: panel(model, "network", model.timeseries()))  # as a step holds it
    assert _svg(drawn).get("data-name") == "network"


def test_a_week_waits_for_the_pages_render_in_progress():
    """Play must not step while the page draws the last week: a render pass that sees state change
    goes on, and sends nothing to the browser until it stops."""
    model = build_model(Settings(org="small_team"))
    model.render_lock = threading.Lock()
    _waits_for(model.render_lock, model.step)  # as a render in another thread holds it
    assert model.steps == 1
    model.step()  # no render in progress: no wait
    assert model.steps == 2


def test_the_baseline_is_the_same_story_and_seed_without_the_rooms_changes_kept_at_the_models_week():
    settings = dataclasses.replace(A_VS_B, levers={"mistake_tolerance": 1.0})
    model = build_model(A_VS_B)
    assert model.baseline is not None and model.baseline.steps == 0
    for _ in range(3):
        model.step()
    assert model.baseline.steps == 3
    assert model.baseline.flows == model.flows  # same story, same seed, nothing changed yet
    model.set_lever("mistake_tolerance", settings.levers["mistake_tolerance"])
    for _ in range(10):
        model.step()
    assert model.baseline.steps == 13
    assert model.flows["psych_safety"] > model.baseline.flows["psych_safety"] + 0.05
    assert model.baseline.cfg.leadership.styles[REPLACED].mistake_tolerance < 1.0
    # a model built with the levers already moved still compares with the story as it was
    moved = build_model(settings)
    assert plain(moved.baseline.cfg) == plain(compose(A_VS_B))


def test_the_server_refuses_an_org_above_the_dashboards_limit(monkeypatch):
    from sim.viz.workshop_model import LAUNCH_ENV, dashboard_orgs

    monkeypatch.setenv(LAUNCH_ENV, '{"max_seats": 100}')
    with pytest.raises(ConfigError, match=r"the org has 246 seats, over the dashboard's limit of 100"):
        build_model(Settings(org="company"))
    assert "company" not in dashboard_orgs() and "small_team" in dashboard_orgs()


def test_a_reload_finds_its_session_and_a_new_browser_gets_its_own(monkeypatch):
    from sim.viz import workshop_model as dashboard

    monkeypatch.setattr(dashboard, "_SESSIONS", dashboard.collections.OrderedDict())
    monkeypatch.setenv(dashboard.LAUNCH_ENV, '{"scenario": "replace_manager_a", "seed": 4}')
    first = dashboard.session("browser-1")
    first.model.step()
    again = dashboard.session("browser-1")
    assert again is first and again.model.steps == 1
    other = dashboard.session("browser-2")
    assert other.model is not first.model and other.model.steps == 0
    assert other.settings.scenario == "replace_manager_a" and other.model.seed == 4
    monkeypatch.setattr(dashboard, "SESSIONS_KEPT", 1)
    dashboard.session("browser-3")
    assert list(dashboard._SESSIONS) == ["browser-3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "is not a port"),
        (["--scenario", "no_such_story"], "no_such_story"),
        (["--org", "missing.csv"], "--org missing.csv: no such file (nor an org of configs/org/: company"),
        (["--seed", "1000"], "--seed 1000: give a seed from 0 to 100"),
        (["--max-seats", "100"], "the org has 246 seats, over the dashboard's limit of 100"),
    ],
)
def test_a_bad_launch_option_is_one_line_and_no_server(monkeypatch, capsys, args, message):
    import solara.__main__

    from sim.viz.workshop_model import LAUNCH_ENV

    monkeypatch.setenv(LAUNCH_ENV, "{}")
    monkeypatch.setattr(solara.__main__, "cli", lambda *a, **k: pytest.fail("a server was started"))
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_a_busy_port_is_one_line(monkeypatch, capsys):
    import solara.__main__

    monkeypatch.setattr(solara.__main__, "cli", lambda *a, **k: pytest.fail("a server was started"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}") and "\n" not in err


def test_the_launch_presets_open_the_page_on_a_story_and_a_clients_chart(monkeypatch):
    import solara.__main__

    from sim.viz import workshop_model as dashboard

    monkeypatch.setattr(solara.__main__, "cli", lambda *a, **k: None)
    monkeypatch.setattr(dashboard, "_SESSIONS", dashboard.collections.OrderedDict())
    chart = config_dir().parent / "examples" / "org" / "harbour_hotel.csv"
    monkeypatch.setenv(dashboard.LAUNCH_ENV, "{}")  # main sets it: undone after the test
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["--scenario", "replace_manager_a", "--org", str(chart), "--seed", "7", "--port", str(port)]) == 0
    opened = dashboard.session("launched")
    assert opened.settings.scenario == "replace_manager_a" and opened.model.seed == 7
    assert opened.model.cfg.org.source == "file" and opened.model.org.n == 46
    assert opened.model.baseline.org.n == 46
    assert main(["--org", "small_team", "--port", str(port)]) == 0
    monkeypatch.setattr(dashboard, "_SESSIONS", dashboard.collections.OrderedDict())
    assert dashboard.session("named").model.cfg.org.name == "small_team"
