"""The workshop dashboard: a trainer projects it, the room moves levers and watches culture spread.

Start it with ``python -m sim.app`` (binds 127.0.0.1:8765; ``--host 0.0.0.0`` lets a classroom's
devices connect, ``--port`` picks the port; ``--scenario NAME``, ``--org FILE`` and ``--seed N`` open
it on a story, a client's chart, a seed; ``--max-seats`` is the largest org it builds) or ``solara run
sim/app.py``. It needs the ``dashboard`` extra, which pins a Solara that ships its own front-end, so
the page works with no internet.

Built from Mesa's SolaraViz pieces: ``ModelController`` (Step, Play/Pause, Reset) and
``update_counter`` (re-render after each step). Mesa's ``SolaraViz`` page itself is not used: its
sliders only take effect at Reset, and a workshop wants to move a lever mid-run and see the result.

One screen, drawn fast
----------------------
At 1920x1080 the week, the headline numbers, the network and the charts fit without scrolling. The
pictures are SVG the browser draws (:mod:`sim.viz.svg`): the server builds their text in milliseconds
where six matplotlib PNGs took about 0.9 s a week, and the network's edges are built once per org,
only its seats recoloured each week. Every chart has a faint line for the *baseline*: the same story
and seed with nothing the room changed, stepped along with the model (:class:`PlayedModel`).

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

Play steps the model in Mesa's worker thread while the page draws it: :class:`PlayedModel` keeps every
picture to one whole week and lets a week land only once the page has finished drawing the last one.
A browser's session (its Solara session id) keeps its model: a reload finds the run where it was.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import functools
import json
import os
import socket
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import reacton.core
import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter
from omegaconf import DictConfig, OmegaConf
from solara.server import settings as solara_settings

from sim.config import ConfigError, config_dir, load_config, option_names, override_text, style_lever_overrides
from sim.model import ServiceCultureModel
from sim.viz import svg
from sim.viz.measures import BACKOFFICE_COLOUR, FRONTLINE_COLOUR
from sim.viz.measures import label as words
from sim.viz.plots import culture_message, people_message, service_message, team_message, turnover_message
from sim.viz.stories import research_scenarios, story, workshop_stories

# A classroom's usage is nobody else's business, and the room may be offline: no usage reports.
solara_settings.telemetry.mixpanel_enable = False
# Solara's "This website runs on Solara" banner sits over the bottom right chart on a projector.
solara_settings.theme.show_banner = False
solara_settings.theme.title = "Service culture workshop"

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
SLIDER_STEP = 0.01  # fine enough that an unmoved slider can show the leaders' mean as it is
RENDER_WAIT = 60.0  # seconds a week waits at most for the page to finish drawing the last one
PLAY_INTERVAL_MS = (10, 1000)  # the play interval's range; it opens at PLAY_INTERVAL
PLAY_INTERVAL = 10
WEEKS_PER_STEP = (1, 52)  # the server refuses any other value, whatever a browser sends
SEEDS = 100  # the seed slider's top
MAX_SEATS = 5_000  # the default limit on an org's seats (--max-seats): above it a week no longer draws in time
SESSIONS_KEPT = 32  # sessions whose model a reload finds again; the oldest beyond this are let go
CLIENT_ORG = "client's chart (--org)"
LAUNCH_ENV = "SIM_DASHBOARD_LAUNCH"  # how ``main`` hands its presets to the page Solara serves
# Projector first: at 1920x1080 the week, the headline, the network and the charts fit one screen; a
# narrower window (a laptop) wraps the charts into fewer columns and scrolls.
CSS = """
.controls .v-card { margin-bottom: 6px; }
.controls .v-card__title { font-size: 1rem; padding: 6px 12px 0; }
.controls .v-card__subtitle { padding: 2px 12px 0; font-size: 0.8rem; }
.controls .v-card__text, .controls .v-card > div { padding-top: 2px; padding-bottom: 2px; }
.controls .v-input { margin-top: 6px; }
.controls .v-input__slider .v-label { font-size: 0.95rem; }
.headline-row { align-items: center; flex-wrap: nowrap; margin: 0 0 4px; }
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


# ------------------------------------------------------------------------------------------ settings
@dataclass
class Settings:
    """What the room chose: the scenario, org and seed, and the levers and policies it has moved.

    ``org`` and ``seed`` are None until chosen (the config's own then apply); ``levers`` and
    ``policies`` hold only the controls that were moved, so the scenario's values stand for the rest.
    """

    scenario: str = OPENING_SCENARIO
    org: str | None = None
    org_path: str | None = None  # the client's chart the page was launched with (``--org FILE``)
    seed: int | None = None
    levers: dict[str, float] = field(default_factory=dict)
    policies: dict[str, float] = field(default_factory=dict)

    def base_overrides(self) -> list[str]:
        """The overrides that pick the scenario, org and seed."""
        out = [f"scenario={self.scenario}"]
        if self.org is not None:
            out.append(f"org={self.org}")
        elif self.org_path is not None:
            out += ["org=from_file", f"org.path={quoted(self.org_path)}"]
        if self.seed is not None:
            out.append(f"seed={int(self.seed)}")
        return out

    def unchanged(self) -> Settings:
        """These settings without the room's levers and policies: the baseline's."""
        return Settings(scenario=self.scenario, org=self.org, org_path=self.org_path, seed=self.seed)


def quoted(text: str) -> str:
    """``text`` as one quoted Hydra override value (a path may hold spaces, ``=`` or quotes)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def max_seats() -> int:
    """The largest org the dashboard builds: ``--max-seats`` as launched, else ``MAX_SEATS``."""
    return int(launch().get("max_seats") or MAX_SEATS)


def dashboard_orgs() -> list[str]:
    """Org options the dashboard offers: generated ones (a file import needs a path) within ``max_seats``."""
    out = []
    for name in option_names("org"):
        node = OmegaConf.load(config_dir() / "org" / f"{name}.yaml")
        if node.get("source") != "generated":
            continue
        d, t, k = int(node.departments), int(node.teams_per_department), int(node.team_size)
        if 1 + d + d * t * (1 + k) <= max_seats():
            out.append(name)
    return out


def launch() -> dict:
    """What ``python -m sim.app`` was started with (``--scenario``, ``--org``, ``--seed``, ``--max-seats``)."""
    return json.loads(os.environ.get(LAUNCH_ENV, "{}"))


def launch_settings() -> Settings:
    """A new session's settings: the launch presets, else the opening story."""
    given = launch()
    return Settings(
        scenario=given.get("scenario") or OPENING_SCENARIO,
        org=given.get("org"),
        org_path=given.get("org_path"),
        seed=given.get("seed"),
    )


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
    #: the same scenario and seed without the room's changes, kept at this model's week (the faint lines)
    baseline: ServiceCultureModel | None = None

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
                self.sync_baseline()

        self.step = step

    def attach_baseline(self, baseline: ServiceCultureModel) -> None:
        """Compare with ``baseline`` (a fresh model of this one's scenario and seed), brought to this week."""
        with self.lock:
            self.baseline = baseline
            self.sync_baseline()

    def sync_baseline(self) -> None:
        """Step the baseline up to this model's week (Mesa's ``run_for`` steps the model past ``step``)."""
        with self.lock:
            while self.baseline is not None and self.baseline.steps < self.steps:
                self.baseline.step()


def _within_limit(model: ServiceCultureModel) -> None:
    if model.org.n > max_seats():
        raise ConfigError(
            f"the org has {model.org.n:,} seats, over the dashboard's limit of {max_seats():,} "
            "(python -m sim.app --max-seats N raises it; a week then takes longer to draw)"
        )


def build_baseline(settings: Settings) -> ServiceCultureModel:
    """The model the faint lines show: ``settings``' scenario, org and seed, nothing the room moved."""
    return ServiceCultureModel(compose(settings.unchanged()))


def build_model(settings: Settings, composed: DictConfig | None = None) -> PlayedModel:
    """A fresh model of ``settings`` (``composed``: their config, when already composed), with its
    baseline; refuses an org above the dashboard's limit (``ConfigError``)."""
    model = PlayedModel(composed if composed is not None else compose(settings))
    _within_limit(model)
    model.attach_baseline(build_baseline(settings))
    return model


@dataclass
class Session:
    """What a browser's session keeps across a reload: its settings, its model and the run controls."""

    settings: Settings
    model: PlayedModel
    play_interval: int = PLAY_INTERVAL
    render_interval: int = 1


_SESSIONS: collections.OrderedDict[str, Session] = collections.OrderedDict()
_SESSIONS_LOCK = threading.Lock()


def session(key: str) -> Session:
    """The session ``key`` (a browser's Solara session id): the one it had before a reload, else a new
    one on the launch presets. At most ``SESSIONS_KEPT`` are kept, the least recently used let go."""
    with _SESSIONS_LOCK:
        if key in _SESSIONS:
            _SESSIONS.move_to_end(key)
            return _SESSIONS[key]
    settings = launch_settings()
    made = Session(settings, build_model(settings))
    with _SESSIONS_LOCK:
        kept = _SESSIONS.setdefault(key, made)
        while len(_SESSIONS) > SESSIONS_KEPT:
            _SESSIONS.popitem(last=False)
        return kept


def _session_key() -> str:
    try:
        return solara.get_session_id()
    except Exception:  # outside a served page (a test rendering it): one shared session
        return "local"


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
# The pictures' viewBoxes, near the pixels a 1920-wide projector gives them (three columns of about
# 500 px beside the controls), so their 16-18 unit text shows at 14 px or more.
CHART_BOX = {"width": 500, "height": 300}
NETWORK_BOX = {"width": 380, "height": 380}
TEAMS_SHOWN = 8  # the team bars show the weakest this many: more would not fit a tile at readable size
MESSAGES: dict[str, Callable[[pd.DataFrame, pd.DataFrame | None], str]] = {
    "culture": culture_message,
    "people": people_message,
    "service": service_message,
    "turnover": turnover_message,
}


def panel(
    model: ServiceCultureModel,
    name: str,
    ts: pd.DataFrame,
    baseline: pd.DataFrame | None = None,
    background: str | None = None,
    team_metric: str = "culture_mean",
) -> str:
    """One of the dashboard's pictures of ``model`` now, as SVG markup the browser draws (``sim.viz.svg``).

    ``name`` is ``network``, ``culture``, ``people``, ``service``, ``turnover`` or ``teams``; ``ts`` is
    ``model.timeseries()`` and ``baseline`` the baseline model's (drawn faint: the same scenario and
    seed without the room's changes). For ``network``, ``background`` given (the edges' picture, which
    a caller drawing every week makes once per org) means the seats alone, to be laid over it.
    """
    o = model.org
    if name == "network":
        with _between_steps(model):  # copies of one week: Play may step the model while this one is drawn
            orientation, filled = model.people.orientation.copy(), model.people.filled.copy()
        nodes = svg.network_nodes(o.positions, orientation, o.is_leader, o.frontline, filled, **NETWORK_BOX)
        return network_picture("", nodes) if background is not None else network_picture(network_background(o), nodes)
    if name == "teams":
        with _between_steps(model):
            values, week = model.team_now(team_metric), model.steps
        last = pd.DataFrame(  # the columns team_message reads, this week only: cheap to build every week
            {
                "step": week,
                "team": np.arange(values.size),
                "team_name": o.team_names[: values.size].astype(str),
                "frontline": o.frontline_team[: values.size],
                team_metric: values,
            }
        )
        last = last[o.team_size[: values.size] > 1].sort_values(team_metric, kind="stable")
        shown = last.head(TEAMS_SHOWN)
        front = shown["frontline"].to_numpy(dtype=bool)
        weakest = f"{len(shown)} weakest of {len(last)}" if len(last) > len(shown) else "every team"
        return svg.bar_chart(
            [str(n) for n in shown["team_name"]],
            shown[team_metric].to_numpy(dtype=float),
            list(np.where(front, FRONTLINE_COLOUR, BACKOFFICE_COLOUR)),
            legend=[("frontline", FRONTLINE_COLOUR), ("back office / management", BACKOFFICE_COLOUR)],
            title=team_message(last, team_metric) if len(last) else "Teams",
            xlabel=f"{words(team_metric)}, {weakest}",
            name="teams",
            **CHART_BOX,
        )
    with _between_steps(model):
        starts, week = model.timeline.starts(), model.steps
    return svg.charts(
        name,
        ts,
        baseline=baseline,
        events=[(start, event) for start, event in starts if start <= week],
        xmax=max(week, 1),
        only=0,
        title=MESSAGES[name](ts, baseline) if len(ts) else None,
        **CHART_BOX,
    )[0]


def network_background(org) -> str:
    """The org's ties and reporting lines, drawn once per org (seats never move, people do)."""
    return svg.network_background(org.positions, _edges(org), reports_to=_reports(org), **NETWORK_BOX)


def network_picture(background: str, nodes: str) -> str:
    """The network with its title and legend; the page lays the seats (``background`` empty) over the
    edges (``nodes`` empty) in two pictures of one size, so a week sends only the seats' colours."""
    return svg.network_svg(background, nodes, title="Service orientation", name="network", **NETWORK_BOX, font_px=20)


def _reports(org) -> np.ndarray:
    reports = np.flatnonzero(org.manager >= 0)
    return np.column_stack([reports, org.manager[reports]]).astype(np.int64)


def _edges(org) -> np.ndarray:
    """The org's peer and cross-team ties as (k, 2) seat pairs, each once."""
    ties = org.ties.tocoo()
    upper = ties.row < ties.col
    return np.column_stack([ties.row[upper], ties.col[upper]]).astype(np.int64)


def _between_steps(model: ServiceCultureModel) -> contextlib.AbstractContextManager:
    """What a read or change of ``model`` from the page holds: a played model's lock (no step runs
    meanwhile), nothing for a model nobody steps in another thread."""
    return model.lock if isinstance(model, PlayedModel) else contextlib.nullcontext()


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
    """The week and this week's headline metrics, each with the baseline's value beside it."""
    update_counter.get()  # the model object stays the same across steps: subscribe to Mesa's step counter
    with _between_steps(model):
        flows, week = dict(model.flows), model.steps
        base = dict(model.baseline.flows) if isinstance(model, PlayedModel) and model.baseline is not None else {}
    cells = []
    for key, label in HEADLINE.items():
        value = f"{flows[key]:.2f}" if key in flows else "-"
        without = f"without: {base[key]:.2f}" if key in base else ""
        cells.append(
            solara.v.Html(
                tag="div",
                class_=f"headline-cell headline-{key}",
                children=[
                    solara.v.Html(tag="div", class_="headline-label", children=[label]),
                    solara.v.Html(tag="div", class_="headline-value", children=[value]),
                    solara.v.Html(tag="div", class_="headline-base", children=[without]),
                ],
            )
        )
    with solara.Row(classes=["headline-row"]):
        solara.Text(f"Week {week}", classes=["week-counter"])
        solara.v.Html(tag="div", class_="headline", children=cells)


@solara.component
def LiveModel(model: ServiceCultureModel) -> None:
    """What the running model holds now: lever means over the leaders in post, and the policies."""
    update_counter.get()
    with _between_steps(model):
        leaders = model.org.is_leader & model.people.filled
        rows = []
        for lever, label in LEVERS.items():
            rows.append((f"live-{lever}", f"{label}: {live_lever(model, lever):.2f}"))
        for policy, label in POLICIES.items():
            rows.append((f"live-{policy}", f"{label}: {model.policies[policy]:.2f}"))
        styles = ", ".join(f"{name} {int(leaders_with_style(model, name).sum())}" for name in model.style_names)
    del leaders
    rows.append(("live-styles", f"leaders by style: {styles}"))
    solara.v.Html(
        tag="table",
        class_="live",
        children=[
            solara.v.Html(tag="tr", children=[solara.v.Html(tag="td", class_=key, children=[text])])
            for key, text in rows
        ],
    )


def live_lever(model: ServiceCultureModel, lever: str) -> float:
    """A lever's mean over the leaders in post now: what its slider shows until the room moves it."""
    leaders = model.org.is_leader & model.people.filled
    return float(getattr(model.styles, lever)[leaders].mean()) if leaders.any() else float("nan")


@solara.component
def Intervention(model: ServiceCultureModel, on_error: Callable[[str | None], None]) -> None:
    """The button that replaces Manager A with Manager B from next week, and what it did."""
    update_counter.get()
    with _between_steps(model):
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


def _read(model: ServiceCultureModel) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The model's and its baseline's time series, read between two weeks (Mesa's collector appends
    metric by metric: a read mid-step would mix lengths)."""
    with _between_steps(model):
        base = model.baseline if isinstance(model, PlayedModel) else None
        if base is not None:
            model.sync_baseline()
        return model.timeseries(), (base.timeseries() if base is not None else None)


@solara.component
def Dashboard(model: ServiceCultureModel, on_error: Callable[[str | None], None]) -> None:
    """The main area, one screen at 1920x1080: the week and headline, then the network and the charts."""
    update_counter.get()  # re-render after every step (Mesa's ModelController bumps it)
    if isinstance(model, PlayedModel):
        model.render_lock = reacton.core.get_render_context().thread_lock
    team_metric, set_team_metric = solara.use_state("culture_mean")
    edges = solara.use_memo(lambda: network_picture(network_background(model.org), ""), [model.org])
    ts, base = _read(model)
    Headline(model)
    with solara.v.Html(tag="div", class_="charts"):
        Chart("network", panel(model, "network", ts, base, edges), under=edges)
        for name in ("culture", "people", "service", "teams", "turnover"):
            Chart(name, panel(model, name, ts, base, None, team_metric))
    with solara.Row(classes=["below"]):
        solara.Select("team chart shows", values=list(TEAM_METRICS), value=team_metric, on_value=set_team_metric)
        with solara.Card("In the model now", subtitle="levers: mean over the leaders in post"):
            LiveModel(model)


@solara.component
def Levers(model: ServiceCultureModel, moved: dict[str, float], on_lever: Callable[[str, float], None]) -> None:
    """A slider per leadership lever: the value the room set, else the leaders' mean now, redrawn every
    week (leaders' styles move as people come and go), so it agrees with "In the model now"."""
    update_counter.get()
    with _between_steps(model):
        shown = {lever: moved.get(lever, live_lever(model, lever)) for lever in LEVERS}
    for lever, label in LEVERS.items():
        slider(label, shown[lever], functools.partial(on_lever, lever))


@solara.component
def Policies(model: ServiceCultureModel, on_policy: Callable[[str, float], None]) -> None:
    """A slider per policy, showing the model's value now (an event may change one)."""
    update_counter.get()
    with _between_steps(model):
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
            with _between_steps(model.value):
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
        with _between_steps(model.value):
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
