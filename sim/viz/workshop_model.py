"""The model as the workshop page runs it: the room's settings and the config they compose, the played
model with its baseline, the sessions a reload finds again, the server's limits and the launch presets.

No Solara here (:mod:`sim.viz.dashboard` draws the page): these are the rules the page and the server
both follow, tested without a browser.

Every control of the page becomes a Hydra override (``scenario=...``, ``org=...``, ``seed=...``, a
lever for every leader through ``sim.config.style_lever_overrides``, ``policies.<policy>=...``) and the
config is composed with :func:`sim.config.load_config`, so the ranges of the schema apply.
:class:`PlayedModel` is stepped by Mesa's Play in a worker thread while the page reads it, and keeps its
*baseline* (the same story, org and seed with nothing the room changed) at its week.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
import os
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, config_dir, load_config, option_names, override_text, style_lever_overrides
from sim.model import ServiceCultureModel
from sim.org.footprint import generated_size

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
RENDER_WAIT = 60.0  # seconds a week waits at most for the page to finish drawing the last one
PLAY_INTERVAL_MS = (10, 1000)  # the play interval's range; it opens at PLAY_INTERVAL
PLAY_INTERVAL = 10
WEEKS_PER_STEP = (1, 52)  # the server refuses any other value, whatever a browser sends
SEEDS = 100  # the seed slider's top
MAX_SEATS = 5_000  # the default limit on an org's seats (--max-seats): above it a week no longer draws in time
SESSIONS_KEPT = 32  # sessions whose model a reload finds again; the oldest beyond this are let go
LAUNCH_ENV = "SIM_DASHBOARD_LAUNCH"  # how ``main`` hands its presets to the page Solara serves


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
    limit, out = max_seats(), []
    for name in option_names("org"):
        node = OmegaConf.load(config_dir() / "org" / f"{name}.yaml")
        if node.get("source") == "generated" and generated_size(node).seats <= limit:
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


def between_steps(model: ServiceCultureModel) -> contextlib.AbstractContextManager:
    """What a read or change of ``model`` from the page holds: a played model's lock (no step runs
    meanwhile), nothing for a model nobody steps in another thread."""
    return model.lock if isinstance(model, PlayedModel) else contextlib.nullcontext()


def live_lever(model: ServiceCultureModel, lever: str) -> float:
    """A lever's mean over the leaders in post now: what its slider shows until the room moves it."""
    leaders = model.org.is_leader & model.people.filled
    return float(getattr(model.styles, lever)[leaders].mean()) if leaders.any() else float("nan")


def read_series(model: ServiceCultureModel) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The model's and its baseline's time series, read between two weeks (Mesa's collector appends
    metric by metric: a read mid-step would mix lengths)."""
    with between_steps(model):
        base = model.baseline if isinstance(model, PlayedModel) else None
        if base is not None:
            model.sync_baseline()
        return model.timeseries(), (base.timeseries() if base is not None else None)
