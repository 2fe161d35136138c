"""The workshop dashboard: a trainer projects it, the room moves levers and watches culture spread.

Start it with ``python -m sim.app`` (binds 127.0.0.1:8765; ``--host 0.0.0.0`` lets a classroom's
devices connect, ``--port`` picks the port) or ``solara run sim/app.py``. It needs the ``dashboard``
extra, which pins a Solara that ships its own front-end, so the page works with no internet.

Built from Mesa's SolaraViz pieces: ``ModelController`` (Step, Play/Pause, Reset), ``UserInputs``
(the Select and slider controls, described in Mesa's ``model_params`` format) and ``update_counter``
(re-render after each step); the pictures are the project's standard figures (``sim.viz.plots``).
Mesa's ``SolaraViz`` page itself is not used: its sliders only take effect at Reset, and a workshop
wants to move a lever mid-run and see the result.

How a control reaches the model
-------------------------------
Every control becomes a Hydra override (``scenario=...``, ``org=...``, ``seed=...``, a lever for every
leader through ``sim.config.style_lever_overrides``, ``policies.<policy>=...``) and the config is
composed with :func:`sim.config.load_config`, so the ranges of the schema apply; a config that fails
shows its one-line error and leaves the model alone. Then:

- scenario (``manager_a_vs_b`` when the page opens), org size and seed build a new model at once (a
  fresh run at week 0);
- a leadership lever reaches the running model through ``ServiceCultureModel.set_lever``: every
  leader's current and personal style, and the presets later hires and leadership changes draw from;
- a policy slider reaches it through ``ServiceCultureModel.set_policy``;
- Reset rebuilds the model from the composed config (fresh per-leader noise around the presets).

Sliders the room has not moved leave the scenario's values alone: a lever slider shows the
scenario's mean over its style mix until it is moved, and only then overrides every style.

The intervention button schedules (``ServiceCultureModel.schedule``) a leadership-change event for the
next week aimed at the leaders who lead like Manager A, so they take Manager B's style through the
model's own event path, as a scenario's ``leadership_change`` would; every event start is marked on
the charts.

Play steps the model in Mesa's worker thread while the page draws it: :class:`PlayedModel` keeps every
picture to one whole week and lets a week land only once the page has finished drawing the last one.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import io
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
import reacton.core
import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ModelController, UserInputs
from mesa.visualization.utils import force_update, update_counter
from omegaconf import DictConfig, OmegaConf
from solara.server import settings as solara_settings

from sim.config import ConfigError, config_dir, load_config, override_text, style_lever_overrides
from sim.model import ServiceCultureModel
from sim.viz.plots import (
    WEEK,
    culture_figure,
    mark_events,
    network_figure,
    people_figure,
    service_figure,
    team_figure,
    turnover_figure,
)

# A classroom's usage is nobody else's business, and the room may be offline: no usage reports.
solara_settings.telemetry.mixpanel_enable = False

# The levers of a leader's style the room can move (StyleConfig fields) and how the room calls them.
LEVERS: dict[str, str] = {
    "vision": "service vision",
    "integrity": "say-do consistency",
    "support": "support",
    "recognition_rate": "recognition",
    "mistake_tolerance": "mistake tolerance",
    "idea_support": "idea support",
    "gossip": "gossip",
}
# The organisation-wide policies the room can move (PoliciesConfig fields).
POLICIES: dict[str, str] = {
    "standards_in_appraisal": "standards in appraisal",
    "practice_support": "practice after training",
    "feedback_sharing": "customer feedback shared",
    "negative_talk_curb": "curb on negative talk",
    "hiring_selectivity": "hiring for fit",
    "onboarding": "onboarding",
}
# The intervention button: leaders who lead like REPLACED take REPLACEMENT's style (seed 001's story).
REPLACED, REPLACEMENT = "manager_a", "manager_b"
NO_SCENARIO = "(none: the default config)"
# The page opens on seed 001's story: half the leaders like Manager A, half like Manager B, so the room
# sees teams drift apart by their leader and can fire the intervention (the default config's leaders
# are all alike, each with their own variation).
OPENING_SCENARIO = "manager_a_vs_b"
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
SLIDER_STEP = 0.05
RENDER_WAIT = 60.0  # seconds a week waits at most for the page to finish drawing the last one
DPI = 72  # PNGs for a projector: a third fewer pixels than matplotlib's 100 renders noticeably faster
CSS = """
.chart img { max-width: 100%; height: auto; }
.week-counter { font-size: 2rem; font-weight: 600; }
.headline th { font-size: 0.75rem; font-weight: 400; color: #555; text-align: left; padding-right: 0.8rem; }
.headline td { font-size: 1.4rem; padding-right: 0.8rem; }
.live td { padding: 0 0.6rem 0 0; }
"""


# ------------------------------------------------------------------------------------------ settings
@dataclass
class Settings:
    """What the room chose: the scenario, org and seed, and the levers and policies it has moved.

    ``org`` and ``seed`` are None until chosen (the config's own then apply); ``levers`` and
    ``policies`` hold only the controls that were moved, so the scenario's values stand for the rest.
    """

    scenario: str = OPENING_SCENARIO
    org: str | None = None
    seed: int | None = None
    levers: dict[str, float] = field(default_factory=dict)
    policies: dict[str, float] = field(default_factory=dict)

    def base_overrides(self) -> list[str]:
        """The overrides that pick the scenario, org and seed."""
        out = [] if self.scenario == NO_SCENARIO else [f"scenario={self.scenario}"]
        if self.org is not None:
            out.append(f"org={self.org}")
        if self.seed is not None:
            out.append(f"seed={int(self.seed)}")
        return out


def option_names(group: str) -> list[str]:
    """The options of a config group, read from the config tree (``configs/<group>/*.yaml``)."""
    return sorted(path.stem for path in (config_dir() / group).glob("*.yaml"))


MAX_DASHBOARD_SEATS = 5_000  # beyond this a week's redraw takes longer than a room will wait


def dashboard_orgs() -> list[str]:
    """Org options the dashboard offers: generated ones (a file import needs a path) small enough to draw."""
    out = []
    for name in option_names("org"):
        node = OmegaConf.load(config_dir() / "org" / f"{name}.yaml")
        if node.get("source") != "generated":
            continue
        d, t, k = int(node.departments), int(node.teams_per_department), int(node.team_size)
        if 1 + d + d * t * (1 + k) <= MAX_DASHBOARD_SEATS:
            out.append(name)
    return out


@functools.lru_cache(maxsize=64)
def _base(base: tuple[str, ...]) -> tuple[DictConfig, tuple[str, ...]]:
    """The config the room's levers apply to and the overrides it takes beyond ``base``: Manager B's
    preset is added when the scenario has none, so the intervention can always reach for it (a preset
    nobody is given, share 0, changes nothing else). Composing costs ~0.1 s and a slider drag asks
    often, hence the cache."""
    cfg = load_config(list(base))
    if REPLACEMENT in cfg.leadership.styles:
        return cfg, ()
    added = (f"+style@leadership.styles.{REPLACEMENT}={REPLACEMENT}",)
    return load_config([*base, *added]), added


def overrides(settings: Settings) -> list[str]:
    """Every Hydra override that ``settings`` stand for.

    A moved lever sets that lever for every leader, now and later (``sim.config.style_lever_overrides``).
    """
    base = settings.base_overrides()
    cfg, added = _base(tuple(base))
    out = [*base, *added]
    for lever, value in settings.levers.items():
        out.extend(style_lever_overrides(cfg, lever, float(value)))
    out.extend(f"policies.{policy}={override_text(float(value))}" for policy, value in settings.policies.items())
    return out


def compose(settings: Settings) -> DictConfig:
    """The validated config of ``settings`` (raises ``ConfigError`` naming a bad value)."""
    return load_config(overrides(settings))


class PlayedModel(ServiceCultureModel):
    """The model as the page runs it. Mesa's Play steps it in a worker thread while the page reads it
    to draw:

    - ``lock`` is held for a whole week's step and for every read the pictures make, so a picture
      never mixes two weeks (a hire between two reads of ``filled`` once drew x and y of different
      sizes and stopped Play);
    - a week waits for the page's render in progress (``render_lock``, reacton's, set by the page):
      a render pass ends by sending the page to the browser only when no state changed during it, so
      a week landing every play interval while a pass takes longer kept the pass going and the
      browser's week froze (seen after pressing Play on a busy 2-core machine).
    """

    #: the page's render lock (reacton's render context), once the page has drawn this model
    render_lock: threading.Lock | None = None

    # the model's own signature: Mesa's Reset reads it to learn which arguments the model takes
    @functools.wraps(ServiceCultureModel.__init__)
    def __init__(self, *args: object, **kwargs: object) -> None:
        self.lock = threading.RLock()
        super().__init__(*args, **kwargs)
        # Mesa's Model.__init__ makes ``step`` a wrapper that counts the week (``steps``) and then runs
        # the model's step: the lock covers both
        advance = self.step

        def step() -> None:
            page = self.render_lock
            # a bounded wait: a render that never ends must not stop the model for good
            if page is not None and page.acquire(timeout=RENDER_WAIT):
                page.release()
            with self.lock:
                advance()

        self.step = step


def build_model(settings: Settings) -> PlayedModel:
    """A fresh model of ``settings``, placed on Mesa's Network space (the org's fixed layout)."""
    return PlayedModel(compose(settings))


def lever_value(cfg: DictConfig, lever: str) -> float:
    """A lever's value across the scenario's leaders: the mean over the style mix, weighted by share."""
    lead = cfg.leadership
    total = float(sum(lead.mix.values()))
    return float(sum(float(share) * float(lead.styles[name][lever]) for name, share in lead.mix.items()) / total)


# ------------------------------------------------------------------------------------ the live model
def leaders_with_style(model: ServiceCultureModel, style: str) -> np.ndarray:
    """Seats (bool) of the leaders in post whose style is the preset ``style``."""
    names = model.styles.names
    if style not in names:
        return np.zeros(model.org.n, dtype=bool)
    return model.org.is_leader & model.people.filled & (model.styles.style_id == names.index(style))


def replace_style(model: ServiceCultureModel, old: str = REPLACED, new: str = REPLACEMENT) -> int:
    """Schedule, for next week, a leadership change of every leader who leads like ``old`` to ``new``.

    The event goes onto the model's time line through ``model.schedule`` (validated as a scenario's
    event would be), narrowed to those leaders. Returns how many leaders it will change (0: none lead
    like ``old``, nothing scheduled).
    """
    seats = leaders_with_style(model, old)
    if not seats.any():
        return 0
    week = model.steps + 1  # the model applies week w's events at the start of its w-th step
    event = {"kind": "leadership_change", "week": week, "target": "leaders", "style": new}
    model.schedule(f"{old}_to_{new}_week{week}", event, seats=seats)
    return int(seats.sum())


def pending_events(model: ServiceCultureModel) -> list[tuple[int, str]]:
    """Events that start after the current week."""
    return [(week, name) for week, name in model.timeline.starts() if week > model.steps]


# ---------------------------------------------------------------------------------------- pictures
def mark_weeks(fig: Figure, starts: Sequence[tuple[int, str]], week: int) -> None:
    """On every panel over weeks: the x axis from week 0 to now, and a labelled dotted line at each
    week an event started (the before/after the room is asked to look at)."""
    for ax in fig.axes:
        if ax.get_xlabel() != WEEK:
            continue
        ax.set_xlim(0, max(week, 1))  # matplotlib's default for an empty plot is -0.05..0.05
        mark_events(ax, [(start, name) for start, name in starts if start <= week])


def panel(
    model: ServiceCultureModel,
    name: str,
    ts: pd.DataFrame,
    graph: nx.Graph | None = None,
    team_metric: str = "culture_mean",
) -> Figure:
    """One of the dashboard's pictures of ``model`` now: the standard figures of a run (``sim.viz.plots``).

    ``name`` is ``network``, ``culture``, ``people``, ``service``, ``turnover`` or ``teams``; ``ts`` is
    ``model.timeseries()``; ``graph`` is ``model.org.graph()``, which a caller drawing every week
    builds once per org (seats never change, people do).
    """
    if name == "network":
        o, p = model.org, model.people
        with _between_steps(model):  # copies of one week: Play may step the model while this one is drawn
            orientation, filled, week = p.orientation.copy(), p.filled.copy(), model.steps
        return network_figure(
            graph if graph is not None else o.graph(),
            o.positions,
            orientation,
            o.is_leader,
            o.frontline,
            filled,
            title=f"Service orientation, week {week}",
        )
    if name == "teams":
        with _between_steps(model):
            teams = model.team_table()
        return team_figure(teams, team_metric)
    draw: dict[str, Callable[[pd.DataFrame], Figure]] = {
        "culture": culture_figure,
        "people": people_figure,
        "service": service_figure,
        "turnover": turnover_figure,
    }
    fig = draw[name](ts)
    mark_weeks(fig, model.timeline.starts(), model.steps)
    return fig


def _between_steps(model: ServiceCultureModel) -> contextlib.AbstractContextManager:
    """What a read or change of ``model`` from the page holds: a played model's lock (no step runs
    meanwhile), nothing for a model nobody steps in another thread."""
    return model.lock if isinstance(model, PlayedModel) else contextlib.nullcontext()


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- components
def _slider(label: str, value: float) -> dict:
    """A float slider over [0, 1] in Mesa's ``model_params`` format, its value in its label (for the back row)."""
    return {
        "type": "SliderFloat",
        "label": f"{label} {value:.2f}",
        "value": round(value, 3),
        "min": 0.0,
        "max": 1.0,
        "step": SLIDER_STEP,
    }


@solara.component
def Chart(name: str, draw: Callable[[], Figure], key: list) -> None:
    """The picture ``draw`` makes, redrawn only when ``key`` changes (a PNG costs ~0.2 s)."""
    image = solara.use_memo(lambda: png(draw()), key)
    solara.Image(image, width="100%", classes=["chart", f"chart-{name}"])


@solara.component
def Headline(model: ServiceCultureModel) -> None:
    """The week and this week's headline metrics."""
    update_counter.get()  # the model object stays the same across steps: subscribe to Mesa's step counter
    solara.Text(f"Week {model.steps}", classes=["week-counter"])
    flows = model.flows
    labels = [solara.v.Html(tag="th", children=[label]) for label in HEADLINE.values()]
    values = [
        solara.v.Html(tag="td", class_=f"headline-{key}", children=[f"{flows[key]:.2f}" if key in flows else "-"])
        for key in HEADLINE
    ]
    solara.v.Html(
        tag="table",
        class_="headline",
        children=[solara.v.Html(tag="tr", children=labels), solara.v.Html(tag="tr", children=values)],
    )


@solara.component
def LiveModel(model: ServiceCultureModel) -> None:
    """What the running model holds now: lever means over the leaders in post, and the policies."""
    update_counter.get()
    leaders = model.org.is_leader & model.people.filled
    rows = []
    for lever, label in LEVERS.items():
        value = float(getattr(model.styles, lever)[leaders].mean())
        rows.append((f"live-{lever}", f"{label}: {value:.2f}"))
    for policy, label in POLICIES.items():
        rows.append((f"live-{policy}", f"{label}: {model.policies[policy]:.2f}"))
    styles = ", ".join(f"{name} {int(leaders_with_style(model, name).sum())}" for name in model.style_names)
    rows.append(("live-styles", f"leaders by style: {styles}"))
    solara.v.Html(
        tag="table",
        class_="live",
        children=[
            solara.v.Html(tag="tr", children=[solara.v.Html(tag="td", class_=key, children=[text])])
            for key, text in rows
        ],
    )


@solara.component
def Intervention(model: ServiceCultureModel, on_error: Callable[[str | None], None]) -> None:
    """The button that replaces Manager A with Manager B from next week, and what it did."""
    update_counter.get()
    count = int(leaders_with_style(model, REPLACED).sum())
    pending = pending_events(model)

    def fire() -> None:
        try:
            with _between_steps(model):
                replace_style(model)
        except ConfigError as exc:
            on_error(str(exc))
            return
        force_update()

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


def _read_timeseries(model: ServiceCultureModel) -> pd.DataFrame:
    with _between_steps(model):  # Mesa's collector appends metric by metric: a read mid-step mixes lengths
        return model.timeseries()


@solara.component
def Dashboard(model: ServiceCultureModel, on_error: Callable[[str | None], None]) -> None:
    """The main area: week, headline, intervention, the model's levers now, and the pictures."""
    update_counter.get()  # re-render after every step (Mesa's ModelController bumps it)
    if isinstance(model, PlayedModel):
        model.render_lock = reacton.core.get_render_context().thread_lock
    team_metric, set_team_metric = solara.use_state("culture_mean")
    ts = solara.use_memo(lambda: _read_timeseries(model), [model, model.steps])
    graph = solara.use_memo(model.org.graph, [model.org])
    # events scheduled for later are not drawn yet: scheduling one must not redraw every picture
    marks = sum(week <= model.steps for week, _ in model.timeline.starts())
    key = [model, model.steps, marks]

    def picture(name: str, metric: str = "culture_mean") -> None:
        Chart(name, lambda: panel(model, name, ts, graph, metric), [*key, metric])

    with solara.Columns([3, 2]):
        with solara.Column():
            Headline(model)
            with solara.Card("Intervention"):
                Intervention(model, on_error)
        with solara.Card("In the model now", subtitle="levers: mean over the leaders in post"):
            LiveModel(model)
    # left: the org and its teams (tall pictures); right: the time series stacked, weeks aligned
    with solara.Columns([1, 1]):
        with solara.Column():
            picture("network")
            solara.Select("team metric", values=list(TEAM_METRICS), value=team_metric, on_value=set_team_metric)
            picture("teams", team_metric)
        with solara.Column():
            for name in ("culture", "people", "service", "turnover"):
                picture(name)


@solara.component
def Page() -> None:
    """The workshop dashboard (the page Solara serves)."""
    settings = solara.use_reactive(Settings())
    model = solara.use_reactive(solara.use_memo(lambda: build_model(settings.value), []))
    # Mesa's ModelController rebuilds the model from these at Reset: ServiceCultureModel(config=...).
    params = solara.use_reactive({"config": model.value.cfg})
    play_interval = solara.use_reactive(100)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    error = solara.use_reactive(None)
    cfg: DictConfig = params.value["config"]

    def settle(new: Settings, rebuild: bool, levers: Sequence[str] = (), policies: Sequence[str] = ()) -> None:
        """Compose ``new``; on success adopt it (rebuild, or apply to the running model), else show why."""
        try:
            composed = compose(new)
        except ConfigError as exc:
            error.set(str(exc))
            return
        error.set(None)
        settings.set(new)
        params.set({"config": composed})
        if rebuild:
            model.set(PlayedModel(composed))
        else:
            with _between_steps(model.value):
                for lever in levers:
                    model.value.set_lever(lever, new.levers[lever])
                for policy in policies:
                    model.value.set_policy(policy, new.policies[policy])
        force_update()

    def on_run(name: str, value) -> None:
        s = settings.value
        if name == "scenario":
            # a scenario brings its own levers and policies: forget what was moved for the last one
            settle(Settings(scenario=value, org=s.org, seed=s.seed), rebuild=True)
        else:
            settle(dataclasses.replace(s, **{name: value}), rebuild=True)

    def on_lever(name: str, value: float) -> None:
        s = settings.value
        settle(dataclasses.replace(s, levers={**s.levers, name: round(float(value), 3)}), False, levers=[name])

    def on_policy(name: str, value: float) -> None:
        s = settings.value
        settle(dataclasses.replace(s, policies={**s.policies, name: round(float(value), 3)}), False, policies=[name])

    run_params = {
        "scenario": {
            "type": "Select",
            "label": "scenario",
            "value": settings.value.scenario,
            "values": [NO_SCENARIO, *option_names("scenario")],
        },
        "org": {"type": "Select", "label": "org size", "value": str(cfg.org.name), "values": dashboard_orgs()},
        "seed": {"type": "SliderInt", "label": "seed", "value": int(cfg.seed), "min": 0, "max": 100, "step": 1},
    }
    lever_params = {lever: _slider(label, lever_value(cfg, lever)) for lever, label in LEVERS.items()}
    policy_params = {policy: _slider(label, float(cfg.policies[policy])) for policy, label in POLICIES.items()}

    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("Service culture workshop")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(
                model,
                model_parameters=params,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=use_threads,
            )
            solara.SliderInt("play interval (ms)", value=play_interval, min=1, max=1000, step=10)
            solara.SliderInt("weeks per step", value=render_interval, min=1, max=52)
        if error.value:
            solara.Error(error.value, classes=["config-error"])
        with solara.Card("Scenario", subtitle="a change starts a new run"):
            UserInputs(run_params, on_change=on_run)
        with solara.Card("Leadership levers", subtitle="every leader, from now on"):
            UserInputs(lever_params, on_change=on_lever)
        with solara.Card("Policies", subtitle="from now on"):
            UserInputs(policy_params, on_change=on_policy)
    Dashboard(model.value, error.set)


# -------------------------------------------------------------------------------------------- CLI
def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.app [--host HOST] [--port PORT]``: serve the dashboard with Solara."""
    parser = argparse.ArgumentParser(prog="python -m sim.app", description="Serve the workshop dashboard.")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for a classroom)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    args = parser.parse_args(argv)
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
