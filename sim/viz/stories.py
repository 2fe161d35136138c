"""The scenarios a workshop picks from: the stories of ``configs/workshop.yaml`` and the claims' arms.

A trainer's picker shows human titles, not file names: the catalogue gives each story a title and a
one-line description, in the order the page lists them. Every scenario of ``configs/scenario/`` is
either a story or an arm of a claim (``configs/research/claims.yaml``); the arms a session does not
need are offered apart (:func:`research_scenarios`), titled by the first sentence of their file's
header comment, which already says in words what the arm does.

    >>> [s.title for s in workshop_stories()][:2]
    ['Manager A vs Manager B', 'Every leader becomes a Manager B in week 52']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, config_dir, option_about, option_names
from sim.research.claims import arms_of, load_spec

STORY, CLAIM_ARM = "story", "claim arm"
ENTRY_KEYS = ("title", "description")
# "C1 treatment: ", "C14 arm: ", "C7: ": the claim's label that opens an arm's header, with the arm's role
CLAIM_LABEL = re.compile(r"^C\d+[a-z]?(?: (?P<role>\w+))?: ")


@dataclass(frozen=True)
class Story:
    """A scenario as the page shows it: ``name`` is the scenario (``scenario=<name>``)."""

    name: str
    title: str
    description: str
    kind: str  # STORY (in the catalogue) or CLAIM_ARM (a claim's arm the catalogue leaves out)
    claim: str | None = None  # the claim the scenario is an arm of (e.g. "C14"), if any


def catalogue_path() -> Path:
    """The catalogue of stories, ``configs/workshop.yaml``."""
    return config_dir() / "workshop.yaml"


def claims_by_arm() -> dict[str, DictConfig]:
    """Each claim arm's scenario -> its claim (an entry of the claims spec), in the spec's order."""
    out: dict[str, DictConfig] = {}
    for claim in load_spec().claims:
        for arm in arms_of(claim):
            out.setdefault(arm, claim)
    return out


def claim_arm_title(name: str) -> str:
    """A claim arm's title: its header comment's first sentence without the claim's label, else its name.

    ``c05_blame`` opens with "C5 control: leaders blame mistakes." and is titled "Leaders blame mistakes".
    """
    about = CLAIM_LABEL.sub("", option_about("scenario", name)).rstrip(".").strip()
    return about[:1].upper() + about[1:] if about else name


def claim_arm(name: str, claim: DictConfig) -> Story:
    """A claim arm as the page lists it: described by its role in the claim and the claim itself.

    ``c05_blame``: "C5 control, for the claim: Mistake tolerance turns "oops" into learning, despite early errors."
    """
    label = CLAIM_LABEL.match(option_about("scenario", name))
    role = " ".join(filter(None, (str(claim.id), label and label.group("role"))))
    statement = " ".join(str(claim.claim).split()).rstrip(".")
    return Story(name, claim_arm_title(name), f"{role}, for the claim: {statement}.", CLAIM_ARM, str(claim.id))


def read_catalogue(path: Path) -> list[Story]:
    """The stories of a catalogue file, in its order, each checked against ``configs/scenario/``.

    Raises
    ------
    ConfigError
        In one line, for a file that is not a mapping of ``stories``, an entry without a one-line
        ``title`` and ``description`` or with other keys, or a story naming no scenario file.
    """
    try:
        node = OmegaConf.load(path)
    except (OSError, OmegaConfBaseException, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: cannot be read ({' '.join(str(exc).split())})") from None
    stories = node.get("stories") if isinstance(node, DictConfig) else None
    if not isinstance(stories, DictConfig) or not stories:
        raise ConfigError(f"{path.name}: give a mapping 'stories:' of scenario name -> {{title, description}}")
    known = set(option_names("scenario"))
    arms = claims_by_arm()
    out = []
    for name, entry in stories.items():
        where = f"{path.name}: stories.{name}"
        if name not in known:
            raise ConfigError(f"{where} names no scenario: add configs/scenario/{name}.yaml or rename the entry")
        if not isinstance(entry, DictConfig) or set(entry) != set(ENTRY_KEYS):
            raise ConfigError(f"{where} must have exactly the keys {', '.join(ENTRY_KEYS)}")
        for key in ENTRY_KEYS:
            text = entry[key]
            if not isinstance(text, str) or not text.strip() or "\n" in text.strip():
                raise ConfigError(f"{where}.{key} must be one line of text")
        claim = arms.get(str(name))
        out.append(Story(str(name), entry.title.strip(), entry.description.strip(), STORY, claim and str(claim.id)))
    return out


@cache
def _catalogue() -> tuple[Story, ...]:
    return tuple(read_catalogue(catalogue_path()))


def workshop_stories() -> list[Story]:
    """The dashboard's stories, in the catalogue's order (the picker's list)."""
    return list(_catalogue())


@cache
def _research() -> tuple[Story, ...]:
    return tuple(claim_arm(name, claim) for name, claim in claims_by_arm().items())


def research_scenarios() -> list[Story]:
    """Every claim's arms, grouped by claim in the claims spec's order (C1's arms first), stories among them.

    The arms a story also tells are listed here too, so that each claim's arms stay together; their
    ``kind`` is still :data:`CLAIM_ARM` and their title the header comment's.
    """
    return list(_research())


def story(name: str) -> Story:
    """Any scenario by name: its catalogue entry, else its claim arm entry.

    Raises
    ------
    ConfigError
        In one line, naming the stories, for a name that is no scenario.
    """
    for each in (*_catalogue(), *_research()):
        if each.name == name:
            return each
    names = ", ".join(s.name for s in _catalogue())
    raise ConfigError(f"unknown scenario {name!r}: pick a story ({names}) or a claim arm of configs/scenario/")
