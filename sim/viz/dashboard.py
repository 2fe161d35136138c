"""The workshop dashboard: a trainer projects it, the room moves levers and watches culture spread.

Start it with ``python -m sim.app`` (binds 127.0.0.1:8765; ``--host 0.0.0.0`` lets a classroom's
devices connect, ``--port`` picks the port; ``--scenario NAME``, ``--org FILE`` and ``--seed N`` open
it on a story, a client's chart, a seed; ``--max-seats`` is the largest org it builds) or ``solara run
sim/app.py``. It needs the ``dashboard`` extra, which pins a Solara that ships its own front-end, so
the page works with no internet.

Built from Mesa's SolaraViz pieces: ``ModelController`` (Step, Play/Pause, Reset) and
``update_counter`` (re-render after each step). The rules the page and the server follow (settings,
composed configs, the played model and its baseline, sessions, limits, launch presets) are in
:mod:`sim.viz.workshop_model`; the pictures in :mod:`sim.viz.dashboard_pictures`. Mesa's ``SolaraViz``
page itself is not used: its sliders only take effect at Reset, and a workshop wants to move a lever
mid-run and see the result.

One screen, drawn fast
----------------------
At 1920x1080 the week, the headline numbers, the network and the charts fit without scrolling. The
pictures are SVG the browser draws (:mod:`sim.viz.svg`): the server builds their text in milliseconds
where six matplotlib PNGs took about 0.9 s a week, and the network's edges are built once per org,
only its seats recoloured each week. Every chart has a faint line for the *baseline*: the same story
and seed with nothing the room changed, stepped along with the model
(:class:`~sim.viz.workshop_model.PlayedModel`).

How a control reaches the model
-------------------------------
Every control becomes a Hydra override (``scenario=...``, ``org=...``, ``seed=...``, a lever for every
leader through ``sim.config.style_lever_overrides``, ``policies.<policy>=...``) and the config is
composed with :func:`sim.config.load_config`, so the ranges of the schema apply; a config that fails
shows its one-line error and leaves the model alone. Then:

- the story (``manager_a_vs_b`` unless launched with ``--scenario``), organisation and seed build a
  new model at once (a fresh run at week 0), with its baseline;
- a leadership lever reaches the running model through ``ServiceCultureModel.set_lever``: every
  leader's current and personal style, and the presets later hires and leadership changes draw from;
- a policy slider reaches it through ``ServiceCultureModel.set_policy``;
- Reset rebuilds the model from the composed config (fresh per-leader noise around the presets).

A lever slider shows the value the room set; until it is moved, the leaders' mean now, which is
what "In the model now" shows too. The server checks what a browser sends as the page does: an org
the page does not offer, or above ``--max-seats``, and weeks per step outside 1..52 are refused.

The intervention button schedules (``ServiceCultureModel.schedule``) a leadership-change event for the
next week aimed at the leaders who lead like Manager A, so they take Manager B's style through the
model's own event path, as a scenario's ``leadership_change`` would; every event start is marked on
the charts.

Play steps the model in Mesa's worker thread while the page draws it: ``PlayedModel`` keeps every
picture to one whole week and lets a week land only once the page has finished drawing the last one.
A browser's session (its Solara session id) keeps its model: a reload finds the run where it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import html
import json
import os
import socket
import sys
import warnings
from collections.abc import Callable, Sequence

import reacton.core
import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter
from omegaconf import DictConfig
from solara.server import settings as solara_settings

from sim.config import ConfigError, option_names
from sim.model import ServiceCultureModel
from sim.viz.dashboard_pictures import network_edges, panel
from sim.viz.stories import research_scenarios, story, workshop_stories
from sim.viz.workshop_model import (
    LAUNCH_ENV,
    LEVERS,
    MAX_SEATS,
    OPENING_SCENARIO,
    PLAY_INTERVAL_MS,
    POLICIES,
    REPLACED,
    SEEDS,
    WEEKS_PER_STEP,
    PlayedModel,
    Settings,
    between_steps,
    build_baseline,
    build_model,
    compose,
    dashboard_orgs,
    leaders_with_style,
    live_lever,
    pending_events,
    read_series,
    replace_style,
    session,
)

# A classroom's usage is nobody else's business, and the room may be offline: no usage reports.
solara_settings.telemetry.mixpanel_enable = False
# Solara's "This website runs on Solara" banner sits over the bottom right chart on a projector.
solara_settings.theme.show_banner = False
solara_settings.theme.title = "Service culture workshop"

TEAM_METRICS = ("culture_mean", "engagement", "trust", "psych_safety", "service_quality", "customer_satisfaction")
HEADLINE = {
    "culture_mean": "culture",
    "culture_spread": "spread",
    "engagement": "engagement",
    "trust": "trust",
    "psych_safety": "safety",
    "service_quality": "service quality",
    "customer_satisfaction": "customer satisfaction",
    "turnover_rate": "turnover / week",
}
SLIDER_STEP = 0.01  # fine enough that an unmoved slider can show the leaders' mean as it is
CLIENT_ORG = "client's chart (--org)"
# Projector first: at 1920x1080 the week, the headline, the network and the charts fit one screen; a
# narrower window (a laptop) wraps the charts into fewer columns and scrolls.
CSS = """
.controls .v-card { margin-bottom: 6px; }
.controls .v-card__title { font-size: 1rem; padding: 6px 12px 0; }
.controls .v-card__subtitle { padding: 2px 12px 0; font-size: 0.8rem; }
.controls .v-card__text, .controls .v-card > div { padding-top: 2px; padding-bottom: 2px; }
.controls .v-input { margin-top: 6px; }
.controls .v-input__slider .v-label { font-size: 0.95rem; }
.headline-row { display: flex; align-items: center; flex-wrap: nowrap; margin: 0 0 4px; }
.week-counter { font-size: 2.2rem; font-weight: 600; margin-right: 1.2rem; white-space: nowrap; }
.headline { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; }
.headline-label { font-size: 0.95rem; color: #444; }
.headline-value { font-size: 1.6rem; font-weight: 600; line-height: 1.1; }
.headline-base { font-size: 0.85rem; color: #888; min-height: 1em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 6px 10px; }
.chart svg { width: 100%; height: auto; display: block; }
.layered { position: relative; }
.layered .layer-over { position: absolute; inset: 0; }
.below { align-items: flex-start; margin-top: 8px; }
.live td { padding: 0 0.6rem 0 0; }
"""


def _session_key() -> str:
    try:
        return solara.get_session_id()
    except Exception:  # outside a served page (a test rendering it): one shared session
        return "local"


# ------------------------------------------------------------------------------------- components
@solara.component
def Chart(name: str, markup: str, under: str | None = None) -> None:
    """An SVG picture, drawn by the browser (the server only builds its text: a few milliseconds);
    ``under`` is a picture of the same size it is laid over, which does not change week to week."""
    if under is None:
        solara.HTML(tag="div", unsafe_innerHTML=markup, classes=["chart", f"chart-{name}"])
        return
    with solara.v.Html(tag="div", class_=f"chart chart-{name} layered"):
        solara.HTML(tag="div", unsafe_innerHTML=under, classes=["layer-under"])
        solara.HTML(tag="div", unsafe_innerHTML=markup, classes=["layer-over"])


@solara.component
def Headline(model: ServiceCultureModel) -> None:
    """The week and this week's headline metrics, each with the baseline's value beneath it.

    One HTML element built here, not a widget per number: a week then sends one update instead of
    twenty-five, which is part of what lets Play show ten weeks a second or more."""
    update_counter.get()  # the model object stays the same across steps: subscribe to Mesa's step counter
    with between_steps(model):
        flows, week = dict(model.flows), model.steps
        base = dict(model.baseline.flows) if isinstance(model, PlayedModel) and model.baseline is not None else {}
    cells = []
    for key, label in HEADLINE.items():
        value = f"{flows[key]:.2f}" if key in flows else "-"
        without = f"without: {base[key]:.2f}" if key in base else ""
        cells.append(
            f'<div class="headline-cell headline-{key}"><div class="headline-label">{label}</div>'
            f'<div class="headline-value">{value}</div><div class="headline-base">{without}</div></div>'
        )
    markup = f'<div class="week-counter">Week {week}</div><div class="headline">{"".join(cells)}</div>'
    solara.HTML(tag="div", unsafe_innerHTML=markup, classes=["headline-row"])


@solara.component
def LiveModel(model: ServiceCultureModel) -> None:
    """What the running model holds now: lever means over the leaders in post, and the policies (one
    HTML element, as the headline)."""
    update_counter.get()
    with between_steps(model):
        rows = [(f"live-{lever}", f"{label}: {live_lever(model, lever):.2f}") for lever, label in LEVERS.items()]
        rows += [(f"live-{policy}", f"{label}: {model.policies[policy]:.2f}") for policy, label in POLICIES.items()]
        styles = ", ".join(f"{name} {int(leaders_with_style(model, name).sum())}" for name in model.style_names)
    rows.append(("live-styles", f"leaders by style: {html.escape(styles)}"))
    markup = "".join(f'<tr><td class="{key}">{text}</td></tr>' for key, text in rows)
    solara.HTML(tag="table", unsafe_innerHTML=markup, classes=["live"])


@solara.component
def Intervention(model: ServiceCultureModel, on_error: Callable[[str | None], None]) -> None:
    """The button that replaces Manager A with Manager B from next week, and what it did."""
    update_counter.get()
    with between_steps(model):
        count = int(leaders_with_style(model, REPLACED).sum())
        pending = pending_events(model)

    def fire() -> None:
        try:
            with between_steps(model):
                replace_style(model)
        except ConfigError as exc:
            on_error(str(exc))
            return
        force_update()

    with solara.Row(classes=["intervention-row"]):
        solara.Button(
            "Replace Manager A with Manager B",
            on_click=fire,
            color="warning",
            disabled=count == 0 or bool(pending),
            classes=["intervention"],
        )
        if pending:
            text = "; ".join(f"{name} in week {week}" for week, name in pending)
            solara.Text(f"scheduled: {text}", classes=["intervention-status"])
        else:
            solara.Text(f"{count} leaders lead like Manager A now", classes=["intervention-status"])


@solara.component
def Dashboard(model: ServiceCultureModel, on_error: Callable[[str | None], None]) -> None:
    """The main area, one screen at 1920x1080: the week and headline, then the network and the charts."""
    update_counter.get()  # re-render after every step (Mesa's ModelController bumps it)
    if isinstance(model, PlayedModel):
        model.render_lock = reacton.core.get_render_context().thread_lock
    team_metric, set_team_metric = solara.use_state("culture_mean")
    edges = solara.use_memo(lambda: network_edges(model.org), [model.org])
    ts, base = read_series(model)
    Headline(model)
    with solara.v.Html(tag="div", class_="charts"):
        Chart("network", panel(model, "network", ts, base), under=edges)
        for name in ("culture", "people", "service", "teams", "turnover"):
            Chart(name, panel(model, name, ts, base, team_metric))
    with solara.Row(classes=["below"]):
        solara.Select("team chart shows", values=list(TEAM_METRICS), value=team_metric, on_value=set_team_metric)
        with solara.Card("In the model now", subtitle="levers: mean over the leaders in post"):
            LiveModel(model)


@solara.component
def Levers(model: ServiceCultureModel, moved: dict[str, float], on_lever: Callable[[str, float], None]) -> None:
    """A slider per leadership lever: the value the room set, else the leaders' mean now, redrawn every
    week (leaders' styles move as people come and go), so it agrees with "In the model now"."""
    update_counter.get()
    with between_steps(model):
        shown = {lever: moved.get(lever, live_lever(model, lever)) for lever in LEVERS}
    for lever, label in LEVERS.items():
        slider(label, shown[lever], functools.partial(on_lever, lever))


@solara.component
def Policies(model: ServiceCultureModel, on_policy: Callable[[str, float], None]) -> None:
    """A slider per policy, showing the model's value now (an event may change one)."""
    update_counter.get()
    with between_steps(model):
        shown = {policy: float(model.policies[policy]) for policy in POLICIES}
    for policy, label in POLICIES.items():
        slider(label, shown[policy], functools.partial(on_policy, policy))


def slider(label: str, value: float, on_value: Callable[[float], None]) -> None:
    """A lever or policy slider over [0, 1] that always shows its value."""
    solara.SliderFloat(
        label, value=round(value, 2), min=0.0, max=1.0, step=SLIDER_STEP, on_value=on_value, thumb_label="always"
    )


@solara.component
def StoryPicker(current: str, on_pick: Callable[[str], None]) -> None:
    """The scenario picker: the workshop's stories by title, the claim arms only when asked for."""
    research, set_research = solara.use_state(current in {s.name for s in research_scenarios()})
    stories = [*workshop_stories(), *(research_scenarios() if research else [])]
    items = [{"text": s.title, "value": s.name} for s in stories]
    if current not in {s.name for s in stories}:
        items.insert(0, {"text": story(current).title, "value": current})
    solara.v.Select(
        label="story",
        items=items,
        v_model=current,
        on_v_model=on_pick,
        hint=story(current).description,
        persistent_hint=True,
        class_="story-picker",
    )
    solara.Checkbox(label="show the research scenarios (claim arms)", value=research, on_value=set_research)


@solara.component
def Page() -> None:
    """The workshop dashboard (the page Solara serves): one session's model, kept across a reload."""
    kept = session(_session_key())
    settings = solara.use_reactive(kept.settings)
    model = solara.use_reactive(kept.model)
    # Mesa's ModelController rebuilds the model from these at Reset: ServiceCultureModel(config=...), the
    # session's settings as composed (after a reload too: the levers moved mid-run are not in model.cfg)
    params = solara.use_reactive(solara.use_memo(lambda: {"config": compose(kept.settings)}, []))
    play_interval = solara.use_reactive(kept.play_interval)
    render_interval = solara.use_reactive(kept.render_interval)
    use_threads = solara.use_reactive(False)
    error = solara.use_reactive(None)
    cfg: DictConfig = params.value["config"]
    if model.value.baseline is None:  # Mesa's Reset made a new model: it gets its baseline
        model.value.attach_baseline(build_baseline(settings.value))
    kept.settings, kept.model = settings.value, model.value
    kept.play_interval, kept.render_interval = play_interval.value, render_interval.value

    def settle(new: Settings, rebuild: bool, levers: Sequence[str] = (), policies: Sequence[str] = ()) -> None:
        """Compose ``new``; on success adopt it (rebuild, or apply to the running model), else show why."""
        try:
            composed = compose(new)
            fresh = build_model(new, composed) if rebuild else None
        except ConfigError as exc:
            error.set(str(exc))
            return
        error.set(None)
        settings.set(new)
        params.set({"config": composed})
        kept.settings = new  # now, not at the next render: a reload in between must find it
        if fresh is not None:
            model.set(fresh)
            kept.model = fresh
        else:
            with between_steps(model.value):
                for lever in levers:
                    model.value.set_lever(lever, new.levers[lever])
                for policy in policies:
                    model.value.set_policy(policy, new.policies[policy])
        force_update()

    def on_story(name: str) -> None:
        s = settings.value
        # a scenario brings its own levers and policies: forget what was moved for the last one
        settle(Settings(scenario=name, org=s.org, org_path=s.org_path, seed=s.seed), rebuild=True)

    def on_org(name: str) -> None:
        s = settings.value
        if name == CLIENT_ORG and s.org_path is not None:
            settle(dataclasses.replace(s, org=None), rebuild=True)
        elif name in dashboard_orgs():  # the page's list is the server's too: nothing else is built
            settle(dataclasses.replace(s, org=name, org_path=None), rebuild=True)
        else:
            error.set(f"org {name!r} is not one the dashboard offers: {', '.join(dashboard_orgs())}")

    def on_seed(value: int) -> None:
        settle(dataclasses.replace(settings.value, seed=int(value)), rebuild=True)

    def on_weeks(value: int) -> None:
        if WEEKS_PER_STEP[0] <= int(value) <= WEEKS_PER_STEP[1]:
            render_interval.set(int(value))
        else:
            error.set(f"weeks per step must be {WEEKS_PER_STEP[0]} to {WEEKS_PER_STEP[1]}, not {value}")

    def on_interval(value: int) -> None:
        play_interval.set(min(max(int(value), PLAY_INTERVAL_MS[0]), PLAY_INTERVAL_MS[1]))

    def on_lever(name: str, value: float) -> None:
        s = settings.value
        with between_steps(model.value):
            shown = s.levers.get(name, live_lever(model.value, name))
        if abs(float(value) - round(shown, 2)) < SLIDER_STEP / 2:
            return  # the slider echoing the value it was given (on a mount, a reload), not a move
        settle(dataclasses.replace(s, levers={**s.levers, name: round(float(value), 3)}), False, levers=[name])

    def on_policy(name: str, value: float) -> None:
        s = settings.value
        if abs(float(value) - round(float(model.value.policies[name]), 2)) < SLIDER_STEP / 2:
            return  # an echo, as for a lever
        settle(dataclasses.replace(s, policies={**s.policies, name: round(float(value), 3)}), False, policies=[name])

    s = settings.value
    orgs = [*([CLIENT_ORG] if s.org_path is not None else []), *dashboard_orgs()]
    org_shown = CLIENT_ORG if s.org_path is not None and s.org is None else str(cfg.org.name)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(f"Service culture workshop: {story(s.scenario).title}")
    with solara.Sidebar(), solara.Column(classes=["controls"]):
        with solara.Card("Run", classes=["run-card"]):
            ModelController(
                model,
                model_parameters=params,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=use_threads,
            )
            solara.SliderInt(
                "play interval (ms)",
                value=play_interval.value,
                min=PLAY_INTERVAL_MS[0],
                max=PLAY_INTERVAL_MS[1],
                step=10,
                on_value=on_interval,
                thumb_label="always",
            )
            solara.SliderInt(
                "weeks per step",
                value=render_interval.value,
                min=WEEKS_PER_STEP[0],
                max=WEEKS_PER_STEP[1],
                on_value=on_weeks,
                thumb_label="always",
            )
        if error.value:
            solara.Error(error.value, classes=["config-error"])
        with solara.Card("Story", subtitle="a change starts a new run", classes=["story-card"]):
            StoryPicker(s.scenario, on_story)
            solara.Select("organisation", values=orgs, value=org_shown, on_value=on_org)
            solara.SliderInt("seed", value=int(cfg.seed), min=0, max=SEEDS, on_value=on_seed, thumb_label="always")
        with solara.Card("Intervention"):
            Intervention(model.value, error.set)
        with solara.Card("Leadership levers", subtitle="every leader, from now on; until moved: the leaders' mean now"):
            Levers(model.value, s.levers, on_lever)
        with solara.Card("Policies", subtitle="from now on"):
            Policies(model.value, on_policy)
    Dashboard(model.value, error.set)


# -------------------------------------------------------------------------------------------- CLI
def _port(text: str) -> int:
    """``--port``'s value, checked here rather than by argparse, whose refusal prints its usage too."""
    port = int(text) if text.isdigit() else -1
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {text!r} is not a port: give a number from 1 to 65535")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim.app", description="Serve the workshop dashboard.")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for a classroom)",
    )
    parser.add_argument("--port", default="8765", help="port to listen on (default 8765)")
    parser.add_argument("--scenario", help="open on this story (a configs/scenario/ name; default manager_a_vs_b)")
    parser.add_argument(
        "--org",
        help="open on the client's org chart (a file python -m sim.org check accepts) or an org of configs/org/",
    )
    parser.add_argument("--seed", type=int, help=f"open on this seed (0 to {SEEDS})")
    parser.add_argument(
        "--max-seats", type=int, default=MAX_SEATS, help=f"the largest org the page builds (default {MAX_SEATS:,})"
    )
    return parser


def _check_launch(args: argparse.Namespace) -> None:
    """Every preset as the page will use it, checked before the server starts (``ConfigError``)."""
    if args.max_seats < 1:
        raise ConfigError(f"--max-seats {args.max_seats}: give a positive number of seats")
    if args.seed is not None and not 0 <= args.seed <= SEEDS:
        raise ConfigError(f"--seed {args.seed}: give a seed from 0 to {SEEDS}")
    if args.scenario is not None:
        story(args.scenario)
    generated = args.org in option_names("org") and args.org != "from_file"
    if args.org is not None and not generated and not os.path.isfile(args.org):
        raise ConfigError(
            f"--org {args.org}: no such file (nor an org of configs/org/: {', '.join(option_names('org'))})"
        )
    settings = Settings(
        scenario=args.scenario or OPENING_SCENARIO,
        org=args.org if generated else None,
        org_path=os.path.abspath(args.org) if args.org and not generated else None,
        seed=args.seed,
    )
    os.environ[LAUNCH_ENV] = json.dumps(
        {
            "scenario": settings.scenario,
            "org": settings.org,
            "org_path": settings.org_path,
            "seed": settings.seed,
            "max_seats": args.max_seats,
        }
    )
    build_model(settings)  # the org imports, fits the limit, and the scenario composes with it


def _refuse_busy(host: str, port: int) -> None:
    """One line, not a server's traceback, when the address cannot be listened on."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({exc.strerror}): pick another --port or --host"
            ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.app [--host HOST] [--port PORT] [--scenario NAME] [--org FILE] [--seed N]
    [--max-seats N]``: check the presets, then serve the dashboard with Solara. Returns 2 with one
    line on stderr for a bad option."""
    args = _parser().parse_args(argv)
    try:
        args.port = _port(args.port)
        _check_launch(args)
        _refuse_busy(args.host, args.port)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from solara.__main__ import cli

    # Solara warns on every page load that its session cookie falls back to SameSite=Lax over plain http:
    # expected on a classroom LAN without TLS, and it buries real errors in the trainer's terminal.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)

    # production: no file watcher, no auto-restart; no browser to open on a projector's server; no
    # PyPI look-up for a newer Solara (offline rooms).
    cli(
        [
            "run",
            "sim.app",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--production",
            "--no-open",
            "--no-check-version",
        ],
        prog_name="solara",
    )
    return 0
