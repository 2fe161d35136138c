"""The configuration schema, its validation and the one way to load a composed config.

The dataclasses below, with each mechanism's parameters defined beside it in ``sim/mechanisms/``
(``DynamicsConfig`` gathers them), are the *schema*: types and allowed ranges. They hold no defaults
(every field is ``MISSING``); the values live in ``configs/`` only, so there is one copy of
each default. Hydra's ConfigStore registers the schema as ``base_config``; ``config.yaml``
lists it first in its defaults, so unknown keys and wrong types are rejected by OmegaConf's
struct mode and ranges by :func:`validate`.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.mechanisms.engagement import EngagementParams
from sim.mechanisms.feedback import FeedbackParams
from sim.mechanisms.habits import HabitsParams
from sim.mechanisms.hiring import HiringParams
from sim.mechanisms.ideas import IdeasParams
from sim.mechanisms.influence import InfluenceParams
from sim.mechanisms.leadership import LeadershipParams
from sim.mechanisms.mistakes import MistakesParams
from sim.mechanisms.negative_talk import NegativeTalkParams
from sim.mechanisms.onboarding import OnboardingParams
from sim.mechanisms.recognition import RecognitionParams
from sim.mechanisms.role_modelling import RoleModellingParams
from sim.mechanisms.service import ServiceParams
from sim.mechanisms.service_standards import ServiceStandardsParams
from sim.mechanisms.training import TrainingParams
from sim.mechanisms.turnover import TurnoverParams
from sim.params import UNIT, any_of, choice, described, flag, param


class ConfigError(ValueError):
    """A user-facing configuration problem; its message names the key, the value and the allowed range."""


@dataclass
class OrgConfig:
    """Shape of a generated organisation (``sim.org.build_org``); ``org.source=generated``."""

    name: str = described("the option's name (its file in configs/org/)")
    source: str = choice("generated", doc="where the org comes from: generated from this shape")
    departments: int = param(1, 10_000, doc="number of departments under the executive", unit="count")
    teams_per_department: int = param(1, 10_000, doc="number of teams in each department", unit="count")
    team_size: int = param(1, 1_000, doc="staff seats per team, the team lead not counted", unit="count")
    frontline_share: float = param(*UNIT, doc="share of teams that serve customers", unit="share")
    peer_tie_prob: float = param(
        *UNIT, doc="density of peer ties inside a team: chance that two teammates are tied", unit="share"
    )
    cross_ties_per_person: float = param(0, 20, doc="mean number of ties to people in other teams", unit="count")
    served_teams: int = param(0, 100, doc="frontline teams each back-office team serves", unit="count")
    vacancy_share: float = param(0, 0.9, doc="share of staff seats open but empty at the start", unit="share")
    reserve_share: float = param(0, 0.9, doc="share of staff seats closed at the start, opened by growth", unit="share")


@dataclass
class OrgColumns:
    """Which column of the org chart holds what (``sim.org.columns``); null: found by its header."""

    id: str | None = described("each person's id (e.g. 'Employee Id')")
    manager: str | None = described("each person's manager, by id or by unique name; empty for the top")
    name: str | None = described("each person's name (managers may be given by name)")
    title: str | None = described("job title: says frontline or back office (configs/job_roles.yaml)")
    department: str | None = described("department: says frontline or back office when the title does not; names teams")
    team: str | None = described("team name (a leader's row: the team they lead)")
    role: str | None = described("the model's role: leader, frontline or back office")
    frontline: str | None = described("true/false: serves customers")
    vacant: str | None = described("true/false: the seat is open but empty")


@dataclass
class FileOrgConfig:
    """An organisation imported from the client's own files (``sim.org.files``); ``org.source=file``.

    Paths are read as given: relative ones from the folder the run is started in. ``null`` leaves
    an optional file out.
    """

    name: str = described("the option's name (its file in configs/org/)")
    source: str = choice("file", doc="where the org comes from: the client's own files")
    path: str = described("the org chart: a CSV or Excel reports-to list, GraphML, or an edge list")
    format: str = choice(
        "auto",
        "csv",
        "xlsx",
        "graphml",
        "edgelist",
        doc="format of the org chart file; auto: from the file's extension",
    )
    sheet: str | None = described("the workbook's sheet (xlsx): its name or number from 0; null: the first")
    columns: OrgColumns = described("which column holds what (csv, xlsx); a null entry is found by its header")
    job_roles: str | None = described(
        "a YAML file of job-title phrases added to configs/job_roles.yaml (frontline, back_office)"
    )
    roles: str | None = described("id,role[,team][,frontline][,vacant]: where an edge list keeps its roles")
    ties: str | None = described("peer/advice ties, two ids a line; null: peers are generated inside teams")
    survey: str | None = described("id,engagement,trust,orientation: the measured initial state")
    survey_scale: str = choice(
        "auto", "1-5", "0-100", "0-1", doc="scale of the survey's answers; auto: per column, from its values"
    )
    encoding: str = described("of every file, e.g. utf-8 (a byte-order mark is allowed) or cp1252")
    edge_direction: str = choice(
        "report_to_manager", "manager_to_report", doc="direction of reports-to edges (GraphML, edge list)"
    )
    unlabelled_staff: str = choice("frontline", "back_office", doc="what staff with no role given do")
    virtual_root: bool = flag("several roots: add one virtual executive above them instead of stopping")
    peer_tie_prob: float = param(*UNIT, doc="density of generated peer ties inside a team (no ties file)", unit="share")
    cross_ties_per_person: float = param(
        0, 20, doc="mean generated ties to staff of other teams (no ties file)", unit="count"
    )
    served_teams: int = param(
        0, 100, doc="frontline teams of its department each back-office team serves", unit="count"
    )
    max_file_mb: float = param(0.001, 100_000, doc="refuse any input file larger than this", unit="MB")


# ``org.source`` picks the schema an org node is checked against.
ORG_SCHEMAS: dict[str, type] = {"generated": OrgConfig, "file": FileOrgConfig}


@dataclass
class StyleConfig:
    """A leader's style; every lever in [0, 1] (seed 001's Manager A and B are two of these)."""

    vision: float = param(*UNIT, doc="clarity of the stated service vision", unit="level")
    integrity: float = param(*UNIT, doc="say-do consistency (behavioural integrity)", unit="level")
    support: float = param(*UNIT, doc="asks opinions, helps solve problems, empowers", unit="level")
    recognition_rate: float = param(*UNIT, doc="chance per week of recognising a good performer seen", unit="per week")
    recognition_public: float = param(*UNIT, doc="share of recognition given in public", unit="share")
    mistake_tolerance: float = param(
        *UNIT, doc="learning reaction to a reported mistake instead of blame", unit="level"
    )
    idea_support: float = param(*UNIT, doc="chance an idea proposed is evaluated and resourced", unit="level")
    knowledge_sharing: float = param(
        *UNIT, doc="shares knowledge and gets the team to spread its best practice", unit="level"
    )
    gossip: float = param(*UNIT, doc="breaks confidences, talks people and customers down", unit="level")
    transparency: float = param(*UNIT, doc="open, timely communication during tough changes", unit="level")


@dataclass
class LeadershipConfig:
    """Who leads how: the executive's style and the mix of styles of all other leaders."""

    name: str = described("the option's name (its file in configs/leadership/)")
    executive: StyleConfig = MISSING
    styles: dict[str, StyleConfig] = MISSING
    mix: dict[str, float] = described("share of the leaders other than the executive with each style in styles")
    spread: float = param(
        0, 0.5, doc="sd of each leader's deviation from their style (message consistency, C11)", unit="sd"
    )


@dataclass
class PoliciesConfig:
    """Organisation-wide policies (the levers that are not a leader's personal style)."""

    name: str = described("the option's name (its file in configs/policies/)")
    standards_in_appraisal: float = param(
        *UNIT, doc="service standards written into reviews and pay (C12)", unit="level"
    )
    practice_support: float = param(*UNIT, doc="training followed by application on the job (C4)", unit="level")
    feedback_sharing: float = param(*UNIT, doc="customer feedback gathered and shared back (C10)", unit="level")
    negative_talk_curb: float = param(*UNIT, doc="norms against talking customers down (C14)", unit="level")
    hiring_selectivity: float = param(
        *UNIT,
        doc="hiring for fit: a hire is the best of 1 + round(s * (candidates_max - 1)) candidates (C13)",
        unit="level",
    )
    onboarding: float = param(*UNIT, doc="socialisation intensity of new hires (C13)", unit="level")
    remove_misfits: bool = flag("part with persistent misfits (C12)")
    misfit_threshold: float = param(*UNIT, doc="how far below the team's norm orientation a misfit is", unit="level")
    misfit_weeks: int = param(1, 520, doc="consecutive weeks as a misfit before one is parted with", unit="weeks")
    hire_rate: float = param(*UNIT, doc="chance per week that an open vacancy is filled", unit="per week")


#: The levers of a leader's style, in schema order (one row each of ``sim.state.Styles``).
STYLE_LEVERS = tuple(spec.name for spec in dataclasses.fields(StyleConfig))
#: The policies a ``policy_change`` event can set (the numeric ones).
NUMERIC_POLICIES = tuple(spec.name for spec in dataclasses.fields(PoliciesConfig) if "range" in spec.metadata)


@dataclass
class CustomersConfig:
    """The customer population served by each frontline team."""

    name: str = described("the option's name (its file in configs/customers/)")
    per_frontline_seat: float = param(
        0, 1e6, doc="customers per frontline seat at the start", unit="customers per seat"
    )
    price: float = param(0, 1e9, doc="revenue per retained customer per week", unit="money per customer per week")
    memory: float = param(*UNIT, doc="mu: weight of this week's quality in satisfaction", unit="per week")
    base_churn: float = param(*UNIT, doc="weekly churn of a fully satisfied, loyal customer base", unit="per week")
    churn_sensitivity: float = param(*UNIT, doc="extra weekly churn at zero satisfaction and loyalty", unit="per week")
    loyalty_rate: float = param(*UNIT, doc="r_L: weekly speed at which loyalty follows satisfaction", unit="per week")
    acquisition: float = param(
        *UNIT, doc="weekly acquisition per unit of free capacity at full satisfaction", unit="per week"
    )
    headroom: float = param(0, 10, doc="how far above capacity demand can grow, as a share of capacity", unit="share")
    satisfaction0: float = param(
        *UNIT, doc="every frontline team's satisfaction and loyalty at the start", unit="level"
    )
    expectation_spread: float = param(0, 0.5, doc="sd across teams of what their customer segment expects", unit="sd")


@dataclass
class EventConfig:
    """A scheduled intervention on the time line (``sim.events``).

    ``kind`` decides which of the optional fields matter; :func:`validate` checks them.
    """

    kind: str = choice(
        "training_wave",
        "leadership_change",
        "recognition_programme",
        "shock",
        "demand_spike",
        "hiring_freeze",
        "growth",
        "policy_change",
        doc="what the event does",
    )
    week: int = param(1, 100_000, doc="week of the event's first start; week 1 is a run's first step", unit="weeks")
    duration: int = param(
        0, 100_000, doc="weeks a windowed event lasts each time; 0: to the end of the run", unit="weeks", default=0
    )
    every: int = param(0, 100_000, doc="repeat period; 0: once", unit="weeks", default=0)
    repeats: int = param(1, 100_000, doc="starts in all, when every > 0", unit="count", default=1)
    target: str = described(
        "who it reaches: all, frontline, backoffice, leaders, staff, level:N, team:N or department:N", default="all"
    )
    intensity: float = param(
        0.0,
        10.0,
        doc="strength: training dose, recognition boost, shock size or extra demand",
        unit="factor",
        default=0.5,
    )
    style: str = described("leadership_change: the style leaders change to, a name in leadership.styles", default="")
    policy: str = described("policy_change: the policy it sets, a numeric key of policies", default="")
    value: float = param(
        -1.0,
        1.0,
        doc="policy_change: the policy's new value; growth: weekly share of staff seats opened (< 0: closed)",
        unit="level",
        default=0.0,
    )


@dataclass
class MechanismSwitches:
    """Every mechanism can be switched off, e.g. to test one mechanism in isolation."""

    leadership: bool = flag("leaders' style signals shape trust and orientation (C1, C2, C6, C8, C9)")
    influence: bool = flag("people's orientations pull toward their leader's, peers' and reports' (C11, C15)")
    habits: bool = flag("the orientation people are anchored to follows what they practise (C15)")
    negative_talk: bool = flag("cynicism about customers spreads, with a negativity bias (C14)")
    recognition: bool = flag("leaders recognise good service, in private or public (C12)")
    mistakes: bool = flag("how leaders react to mistakes builds or breaks psychological safety (C5)")
    training: bool = flag("training builds knowledge, practice turns it into skill (C4, C14)")
    ideas: bool = flag("frontline ideas, supported by leaders, lift team processes (C4, C6)")
    engagement: bool = flag("treatment by the leader and customers' mood move engagement (C6, C7)")
    service_standards: bool = flag("service standards drift toward recent performance unless anchored (C15)")
    customers: bool = flag("customers' satisfaction, loyalty, churn and acquisition follow service (C7)")
    feedback: bool = flag("customer feedback shared back builds customer focus (C10)")
    turnover: bool = flag("people quit, and persistent misfits are parted with (C12)")
    hiring: bool = flag("open seats are filled from the labour market (C13)")
    onboarding: bool = flag("new hires are socialised into their team's norm (C13)")
    growth: bool = flag("seats are opened and closed over time by growth events")
    stochastic: bool = flag("random draws; false: expected values where a mechanism allows")


@dataclass
class DynamicsConfig:
    """Rates and weights of the mechanisms (per week), one node per mechanism, each defined beside its
    mechanism in ``sim/mechanisms/`` with the formula it enters (``dynamics.influence.anchor``...)."""

    name: str = described("the option's name (its file in configs/dynamics/)")
    hiring: HiringParams = MISSING  # the labour market people are drawn from at hire
    leadership: LeadershipParams = MISSING
    role_modelling: RoleModellingParams = MISSING
    influence: InfluenceParams = MISSING
    habits: HabitsParams = MISSING
    negative_talk: NegativeTalkParams = MISSING
    recognition: RecognitionParams = MISSING
    mistakes: MistakesParams = MISSING
    training: TrainingParams = MISSING
    ideas: IdeasParams = MISSING
    engagement: EngagementParams = MISSING
    service_standards: ServiceStandardsParams = MISSING
    service: ServiceParams = MISSING
    feedback: FeedbackParams = MISSING
    turnover: TurnoverParams = MISSING
    onboarding: OnboardingParams = MISSING


# ``dynamics.<mechanism>`` -> the dataclass of that mechanism's parameters
MECHANISM_PARAMS: dict[str, type] = {
    name: hint for name, hint in typing.get_type_hints(DynamicsConfig).items() if dataclasses.is_dataclass(hint)
}


@dataclass
class OutputConfig:
    """What a run writes besides its time series and summary (docs/outputs.md)."""

    # None lets the kind of launch decide: a figure costs ten times a run's simulation, which a single
    # run can afford and a sweep of thousands cannot (``python -m sim.plots`` draws them later).
    figures: bool | None = field(
        default=MISSING,
        metadata={"doc": "write figures/*.png: null draws them for a single run and not in a sweep", "unit": ""},
    )
    teams: bool = flag("write teams.parquet, the weekly table per team")
    progress: bool = flag("show a progress bar on the terminal")
    # Any: one format alone (output.format=xlsx) or a list (output.format=[csv,xlsx]); OmegaConf types no union
    format: Any = any_of(
        "parquet",
        "csv",
        "xlsx",
        doc="table formats written: parquet always; csv adds timeseries.csv and teams.csv, xlsx results.xlsx",
    )


#: ``style.<lever>``: one lever of ``StyleConfig`` set for every leader at once, the executive and every
#: preset in ``leadership.styles`` (:func:`style_lever_keys`, the rule the research levers use), e.g.
#: ``python -m sim style.recognition_rate=0.8``; null leaves each leader's own value. A real node of the
#: config, so sweeping it is an ordinary sweep: each job's overrides, run key and collected row carry
#: its value. :func:`with_style_levers` hands it to the leaders.
StyleLevers = dataclasses.make_dataclass(
    "StyleLevers",
    [
        (spec.name, float | None, field(default=None, metadata=spec.metadata))
        for spec in dataclasses.fields(StyleConfig)
    ],
    namespace={"__doc__": "A style lever for every leader at once; null: each leader keeps their own."},
    module=__name__,
)


@dataclass
class Config:
    """The whole run: ``seed`` and ``steps`` plus one node per config group."""

    seed: int = field(
        default=MISSING,
        metadata={"range": (0, 2**63 - 1), "doc": "seed of the run's random number generator", "unit": "count"},
    )
    steps: int = param(1, 100_000, doc="weeks simulated (one step is a week)", unit="count")
    replications: int = param(
        1, 100_000, doc="runs per job, of seeds seed*replications ... seed*replications+replications-1", unit="count"
    )
    name: str = described("the run's label (output folder, progress bar, summary): the scenario's, or default")
    style: StyleLevers = MISSING  # type: ignore[valid-type]
    # Any: the node follows one of ORG_SCHEMAS, chosen by ``org.source`` (typed by ``typed_org``).
    org: Any = MISSING
    leadership: LeadershipConfig = MISSING
    policies: PoliciesConfig = MISSING
    customers: CustomersConfig = MISSING
    dynamics: DynamicsConfig = MISSING
    mechanisms: MechanismSwitches = MISSING
    # Typed per entry by ``typed_events`` (OmegaConf cannot take a new typed entry from the command line).
    events: dict[str, Any] = field(default_factory=dict)
    output: OutputConfig = MISSING


#: Nodes the schema cannot type: the schemas their entries are checked against (``org`` by its
#: ``source``, see :func:`typed_org`; each event by :func:`typed_event`).
UNTYPED_NODES: dict[str, tuple[type, ...]] = {"org": tuple(ORG_SCHEMAS.values()), "events.<name>": (EventConfig,)}


@dataclass(frozen=True)
class SchemaKey:
    """One leaf of the schema.

    Attributes
    ----------
    key : str
        Dotted, with ``<name>`` for the entries of a dict (``leadership.styles.<name>.vision``).
    spec : dataclasses.Field
        The field, with its ``range``/``choices``, ``doc`` and ``unit`` metadata (``sim.params``).
    hint : type
        Its Python type (``float``, ``int | None``, ``dict``...).
    node : type
        The dataclass that holds it.
    """

    key: str
    spec: dataclasses.Field
    hint: Any
    node: type


def schema_keys(schema: type = Config, prefix: str = "") -> list[SchemaKey]:
    """Every leaf of ``schema``, in schema order: the walk through nested nodes, through the value type of
    a dict of nodes (``leadership.styles``), and through ``UNTYPED_NODES`` (each org schema in turn, so
    ``org`` keys may come twice, once per schema). ``docs/parameters.md``, ``docs/config.md``,
    ``python -m sim --help`` and the command line's checks all read the schema through it."""
    out = []
    hints = typing.get_type_hints(schema)
    for spec in dataclasses.fields(schema):
        key, hint = f"{prefix}{spec.name}", hints[spec.name]
        if typing.get_origin(hint) is dict:
            key, hint = f"{key}.<name>", typing.get_args(hint)[1]
        nested = (hint,) if dataclasses.is_dataclass(hint) else UNTYPED_NODES.get(key, ())
        if not nested:
            out.append(SchemaKey(key, spec, hint, schema))
        for sub in nested:
            out += schema_keys(sub, f"{key}.")
    return out


def only_mechanisms(*names: str) -> list[str]:
    """Overrides that switch every mechanism (random draws included) off except the named ones."""
    unknown = set(names) - {f.name for f in dataclasses.fields(MechanismSwitches)}
    if unknown:
        raise ConfigError(f"no mechanism named {sorted(unknown)[0]!r}")
    return [f"mechanisms.{f.name}={str(f.name in names).lower()}" for f in dataclasses.fields(MechanismSwitches)]


def refuse_empty_merge(override: str) -> None:
    """Refuse ``key={}`` (``ConfigError``): Hydra merges a ``{...}`` value into the node already there, so
    an empty one changes nothing (``leadership.mix={}`` keeps the mix as it was)."""
    key, sep, value = override.partition("=")
    if sep and not key.startswith(("+", "~")) and value.replace(" ", "") == "{}":
        raise ConfigError(
            f"{key}={{}} changes nothing: a {{...}} value is merged into {key}, not put in its place; "
            f"set or remove its keys one by one ({key}.NAME=VALUE, ~{key}.NAME)"
        )


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name="base_config", node=Config)


def config_dir() -> Path:
    """The ``configs/`` tree: shipped inside the wheel as ``sim/_configs``, else the checkout's."""
    packaged = Path(__file__).parent / "_configs"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "configs"


def first_sentence(text: str, at_least: int = 1) -> str:
    """The start of ``text`` up to the end of its first sentence at least ``at_least`` characters long."""
    text = " ".join(text.replace("``", "`").split())
    for match in re.finditer(r"(?<!e\.g)(?<!i\.e)\.(\s|$)", text):
        if match.start() + 1 >= at_least:
            return text[: match.start() + 1]
    return text


def option_names(group: str) -> list[str]:
    """The options of a config group, sorted: the YAML files of ``configs/<group>/``."""
    return sorted(path.stem for path in (config_dir() / group).glob("*.yaml"))


def option_about(group: str, option: str) -> str:
    """The first sentence of the comment block that opens ``configs/<group>/<option>.yaml``."""
    lines = []
    for line in (config_dir() / group / f"{option}.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if "@package" not in line:
            lines.append(line.lstrip("#").strip())
    return first_sentence(" ".join(lines), at_least=30)  # "The default." says too little


def load_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose the config from ``configs/`` with Hydra's compose API and validate it.

    Parameters
    ----------
    overrides
        Hydra override strings, e.g. ``["leadership=manager_b", "org=small_team", "seed=3"]``.

    Raises
    ------
    ConfigError
        For an unknown key, an unknown group option or an out-of-range value.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException

    register_configs()
    overrides = list(overrides or [])
    for override in overrides:
        refuse_empty_merge(override)
    try:
        if GlobalHydra.instance().is_initialized():
            # Inside a running Hydra app the global search path is already ours.
            cfg = compose(config_name="config", overrides=overrides)
        else:
            with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
                cfg = compose(config_name="config", overrides=overrides)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(one_line(exc)) from None
    cfg = with_style_levers(cfg)
    validate(cfg)
    return cfg


def one_line(exc: BaseException) -> str:
    """Hydra's or OmegaConf's message on one line, with the underlying reason when Hydra wraps one."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    cause = exc.__cause__
    if cause is not None and str(cause).strip():
        text = text.rstrip(".") + ": " + str(cause).strip().splitlines()[0]
    return text


def typed_events(cfg: DictConfig) -> dict[str, DictConfig]:
    """Each event of ``cfg.events`` checked by :func:`typed_event` against ``cfg``'s leadership styles."""
    return {name: typed_event(name, event, cfg.leadership.styles) for name, event in cfg.events.items()}


def typed_event(name: str, event: Any, styles: Iterable[str]) -> DictConfig:
    """One event checked against ``EventConfig`` (unset optional fields filled in) and the rules of its
    kind: a target the org can resolve, a style among ``styles`` for a leadership change, a numeric policy
    and a value in its range for a policy change.

    Raises ``ConfigError`` with one line naming ``events.<name>.<key>``.
    """
    key = f"events.{name}"
    if not isinstance(event, DictConfig | dict):
        raise ConfigError(f"{key}={event!r} is not an event: give kind, week and its options")
    try:
        typed = OmegaConf.merge(OmegaConf.structured(EventConfig), event)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{key}: {str(exc).splitlines()[0]}") from None
    missing = OmegaConf.missing_keys(typed)
    if missing:
        raise ConfigError(f"{key}.{sorted(missing)[0]} has no value")
    _validate_event(key, typed, list(styles))
    return typed


def typed_org(org: DictConfig) -> DictConfig:
    """The ``org`` node checked against the schema its ``source`` names (``ORG_SCHEMAS``), typed and in range.

    Raises ``ConfigError`` for an unknown source, an unknown key, a wrong type or an out-of-range value.
    """
    source = org.get("source") if isinstance(org, DictConfig) else None
    schema = ORG_SCHEMAS.get(source)  # type: ignore[arg-type]
    if schema is None:
        raise ConfigError(f"org.source={source!r} is not allowed: choose one of {', '.join(ORG_SCHEMAS)}")
    _refuse_unknown_keys(org, schema, "org.")
    try:
        typed = OmegaConf.merge(OmegaConf.structured(schema), org)
    except OmegaConfBaseException as exc:
        key = f"org.{exc.full_key}" if getattr(exc, "full_key", None) else "org"
        raise ConfigError(f"{key}: {str(exc).splitlines()[0]}") from None
    missing = OmegaConf.missing_keys(typed)
    if missing:
        raise ConfigError(f"org.{sorted(missing)[0]} has no value: set it in configs/ or on the command line")
    _validate_node(typed, schema, "org.")
    return typed


def _check_range(key: str, value: Any, spec: dataclasses.Field) -> None:
    meta = spec.metadata
    if "range" in meta and isinstance(value, int | float) and not isinstance(value, bool):
        lo, hi = meta["range"]
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ConfigError(f"{key}={value} is out of range: allowed [{lo}, {hi}]")
    if meta.get("many"):
        check_listed(key, value, spec)
    elif "choices" in meta and value not in meta["choices"]:
        raise ConfigError(f"{key}={value!r} is not allowed: choose one of {', '.join(meta['choices'])}")


def check_listed(key: str, value: Any, spec: dataclasses.Field) -> None:
    """Refuse (``ConfigError``, one line) a value of a key that takes one of its choices or a list of them
    (``sim.params.any_of``) when the value, or one in its list, is not among the choices."""
    choices = spec.metadata["choices"]
    for each in listed(value):
        if each not in choices:
            text = "null" if each is None else each
            raise ConfigError(f"{key}={text} is not allowed: choose from {', '.join(choices)}, or a list of them")


def listed(value: Any) -> tuple[Any, ...]:
    """The values of a key that takes one value or a list of them (``sim.params.any_of``): a tuple either way.

    ``output.format=xlsx`` gives ``("xlsx",)``, ``output.format=[csv,xlsx]`` gives ``("csv", "xlsx")``.
    """
    return tuple(value) if isinstance(value, ListConfig | list | tuple) else (value,)


def _refuse_unknown_keys(node: Any, schema: type, prefix: str) -> None:
    """Hydra's ``+key=value`` appends past struct mode, and an untyped node has no struct to guard it."""
    known = {spec.name for spec in dataclasses.fields(schema)}
    unknown = sorted(set(node.keys()) - known)
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]} is not a known key: choose from {', '.join(sorted(known))}")


def _validate_node(node: Any, schema: type, prefix: str) -> None:
    """Check the scalar fields of one node; nested nodes carry no range and are checked by the caller.

    Also refuses keys the schema does not know.
    """
    _refuse_unknown_keys(node, schema, prefix)
    for spec in dataclasses.fields(schema):
        key = f"{prefix}{spec.name}"
        _check_range(key, node[spec.name], spec)


_NESTED = {
    "policies": PoliciesConfig,
    "customers": CustomersConfig,
    "dynamics": DynamicsConfig,
    "mechanisms": MechanismSwitches,
    "output": OutputConfig,
    "style": StyleLevers,
}


def validate(cfg: DictConfig) -> None:
    """Check every value against its allowed range and the cross-field rules.

    Raises ``ConfigError`` with one line naming the key, the value and what is allowed.
    """
    missing = OmegaConf.missing_keys(cfg)
    if missing:
        raise ConfigError(f"{sorted(missing)[0]} has no value: set it in configs/ or on the command line")
    _validate_node(cfg, Config, "")
    typed_org(cfg.org)
    for group, schema in _NESTED.items():
        _validate_node(cfg[group], schema, f"{group}.")
    for name, schema in MECHANISM_PARAMS.items():
        _validate_node(cfg.dynamics[name], schema, f"dynamics.{name}.")
    lead = cfg.leadership
    _validate_node(lead, LeadershipConfig, "leadership.")
    _validate_node(lead.executive, StyleConfig, "leadership.executive.")
    for name, style in lead.styles.items():
        _validate_node(style, StyleConfig, f"leadership.styles.{name}.")
    if not lead.mix:
        raise ConfigError("leadership.mix is empty: name at least one style with a positive share")
    for name, share in lead.mix.items():
        if name not in lead.styles:
            raise ConfigError(f"leadership.mix.{name} names no style: choose from {', '.join(lead.styles)}")
        if not (0.0 <= share <= 1.0):
            raise ConfigError(f"leadership.mix.{name}={share} is out of range: allowed [0.0, 1.0]")
    if sum(lead.mix.values()) <= 0:
        raise ConfigError("leadership.mix shares sum to 0: give at least one style a positive share")
    typed_events(cfg)
    _refuse_infeasible(cfg)


#: The weights of what a person can deliver (``sim.mechanisms.service.capability``) that count for every
#: seat; ``w_internal`` counts only for frontline staff whose team has a back-office provider.
CAPABILITY_WEIGHTS = ("w_skill", "w_orientation", "w_engagement", "w_process")


def _field_range(schema: type, name: str) -> tuple[float, float]:
    return next(spec.metadata["range"] for spec in dataclasses.fields(schema) if spec.name == name)


def _refuse_infeasible(cfg: DictConfig) -> None:
    """Values each in range that cannot hold together (one line naming the keys)."""
    service = cfg.dynamics.service
    if not any(service[name] > 0 for name in CAPABILITY_WEIGHTS):
        keys = ", ".join(f"dynamics.service.{name}" for name in CAPABILITY_WEIGHTS)
        raise ConfigError(
            f"{keys} are all 0: nobody without internal service could deliver any quality "
            "(w_internal counts only for frontline staff with a back-office provider): give one a positive weight"
        )
    seed_hi = _field_range(Config, "seed")[1]
    if cfg.seed * cfg.replications + cfg.replications - 1 > seed_hi:
        raise ConfigError(
            f"seed={cfg.seed} with replications={cfg.replications} runs seeds up to "
            f"{cfg.seed * cfg.replications + cfg.replications - 1}, past the largest seed {seed_hi}: use a smaller seed"
        )
    org = cfg.org
    if org.source == "generated" and org.vacancy_share + org.reserve_share > 1:
        raise ConfigError(
            f"org.vacancy_share={org.vacancy_share} and org.reserve_share={org.reserve_share} add up to more "
            "than every staff seat: both are shares of the same seats, so their sum must be at most 1"
        )


TARGET_KINDS = ("all", "frontline", "backoffice", "leaders", "staff")
TARGET_PREFIXES = ("level:", "team:", "department:")
#: Event kinds that act in their start weeks only; the others hold for ``duration`` weeks each time.
INSTANT_KINDS = ("training_wave", "leadership_change")
#: Event kinds that act on the leaders among their target: their style, their recognition rate.
LEADER_KINDS = ("leadership_change", "recognition_programme")
#: Event kinds that act on the whole organisation, whatever their target.
ORG_WIDE_KINDS = ("shock", "hiring_freeze", "growth", "policy_change")
#: An event's fields that only some kinds read (and their defaults mean "not given").
READ_BY = {"style": ("leadership_change",), "policy": ("policy_change",), "value": ("growth", "policy_change")}


def _validate_event(key: str, event: DictConfig, styles: list[str]) -> None:
    _validate_node(event, EventConfig, key + ".")
    target = event.target
    ok = target in TARGET_KINDS or (target.startswith(TARGET_PREFIXES) and target.split(":", 1)[1].isdigit())
    if not ok:
        raise ConfigError(
            f"{key}.target={target!r} is not allowed: use one of {', '.join(TARGET_KINDS)} "
            "or level:N, team:N, department:N"
        )
    _refuse_no_effect(key, event)
    if event.kind == "leadership_change" and event.style not in styles:
        raise ConfigError(f"{key}.style={event.style!r} names no style: choose from {', '.join(styles)}")
    if event.kind == "policy_change":
        if event.policy not in NUMERIC_POLICIES:
            raise ConfigError(
                f"{key}.policy={event.policy!r} is not allowed: choose one of {', '.join(NUMERIC_POLICIES)}"
            )
        lo, hi = PoliciesConfig.__dataclass_fields__[event.policy].metadata["range"]
        if not lo <= event.value <= hi:
            raise ConfigError(f"{key}.value={event.value} is out of range for {event.policy}: allowed [{lo}, {hi}]")


def _refuse_no_effect(key: str, event: DictConfig) -> None:
    """Refuse a field of ``event`` that its kind would ignore: the run would not do what it says."""
    kind = event.kind
    if kind in ORG_WIDE_KINDS and event.target != "all":
        raise ConfigError(f"{key}.target={event.target} does nothing: a {kind} acts on the whole organisation")
    if kind in LEADER_KINDS and event.target == "staff":
        raise ConfigError(f"{key}.target=staff reaches no leader: a {kind} acts on the leaders of its target")
    if kind in INSTANT_KINDS and event.duration:
        raise ConfigError(f"{key}.duration={event.duration} does nothing: a {kind} acts in its start weeks only")
    if event.repeats > 1 and not event.every:
        raise ConfigError(
            f"{key}.repeats={event.repeats} does nothing with {key}.every=0: set every to the weeks between starts"
        )
    for name, kinds in READ_BY.items():
        if kind not in kinds and event[name] != EventConfig.__dataclass_fields__[name].default:
            raise ConfigError(f"{key}.{name}={event[name]!r} does nothing: only {' and '.join(kinds)} read it")


def checked_value(schema: type, name: str, value: Any, prefix: str) -> float | int | bool:
    """``value`` for the field ``name`` of ``schema`` (a numeric or boolean field), checked as a composed
    config's would be. ``prefix + name`` names it in the error.

    Raises ``ConfigError`` (one line) for an unknown field, a value of the wrong kind (an integer field
    takes whole numbers, a boolean field true or false) or a value out of the field's range.
    """
    specs = {spec.name: spec for spec in dataclasses.fields(schema)}
    hints = {n: without_none(h) for n, h in typing.get_type_hints(schema).items()}
    hint = hints.get(name)
    if name not in specs or hint not in (float, int, bool):
        numeric = [n for n, h in hints.items() if h in (float, int, bool)]
        raise ConfigError(f"{prefix}{name} is not a known key: choose from {', '.join(numeric)}")
    key = f"{prefix}{name}"
    if hint is bool:
        if not isinstance(value, bool | np.bool_):
            raise ConfigError(f"{key}={value!r} is not allowed: give true or false")
        return bool(value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigError(f"{key}={value!r} is not a number")
    if hint is int and not float(value).is_integer():
        raise ConfigError(f"{key}={value!r} is not a whole number")
    typed = int(value) if hint is int else float(value)
    _check_range(key, typed, specs[name])
    return typed


def without_none(hint: Any) -> Any:
    """``X`` for an optional ``X | None``; any other type as it is."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if len(args) == 1 and type(None) in typing.get_args(hint) else hint


def style_lever_keys(cfg: DictConfig, lever: str) -> list[str]:
    """The config keys that set the style lever ``lever`` (a ``StyleConfig`` field) for every leader of
    ``cfg``: the executive's and every preset's in ``leadership.styles``, presets without a share in the
    mix included, since a leadership change can hand them out during the run."""
    if lever not in STYLE_LEVERS:
        raise ConfigError(f"style.{lever} is not a leadership lever: choose from {', '.join(STYLE_LEVERS)}")
    return [f"leadership.executive.{lever}", *(f"leadership.styles.{style}.{lever}" for style in cfg.leadership.styles)]


def override_text(value: float | int | bool) -> str:
    """A value as Hydra override text: ``true``/``false``, whole numbers as they are, floats to 10 digits."""
    if isinstance(value, bool):
        return str(value).lower()
    return format(value, ".10g") if isinstance(value, float) else str(value)


def style_lever_overrides(cfg: DictConfig, lever: str, value: float) -> list[str]:
    """The Hydra overrides that give every leader of ``cfg`` the value ``value`` of style lever ``lever``
    (:func:`style_lever_keys`); shared by the dashboard's sliders and the research levers."""
    text = override_text(checked_value(StyleConfig, lever, value, "style."))
    return [f"{key}={text}" for key in style_lever_keys(cfg, lever)]


def with_style_levers(cfg: DictConfig) -> DictConfig:
    """``cfg`` with each lever set in its ``style`` node (``style.<lever>=VALUE``) given to every leader
    (:func:`style_lever_keys`); ``cfg`` itself when none is set. The same config always gives the same
    result, so applying it twice changes nothing."""
    chosen = {lever: value for lever, value in (cfg.get("style") or {}).items() if value is not None}
    if not chosen:
        return cfg
    out = copy.deepcopy(cfg)
    for lever, value in chosen.items():
        for key in style_lever_keys(out, lever):
            OmegaConf.update(out, key, value, merge=False)
    return out


def to_container(cfg: DictConfig | ListConfig) -> dict:
    """The resolved config as plain Python data (for summary.json)."""
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def config_from_record(record: dict) -> DictConfig:
    """The typed config of a run from the resolved config it recorded (``summary.json``'s ``config``),
    so that the run can be made again: the record filled into the bare schema, not merged into the
    default config (an org read from a file must not gain the generated org's keys, nor a leadership
    its default styles).

    Raises
    ------
    ConfigError
        When the record does not fit the schema (written by another version of the model).
    """
    try:
        cfg = OmegaConf.merge(OmegaConf.structured(Config), record)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"the recorded config does not fit this version's schema: {one_line(exc)}") from None
    validate(cfg)
    return cfg
