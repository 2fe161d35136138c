"""What ``python -m sim --help`` and ``docs/config.md`` say: every config group with its options, and
every key of the config with its default, what it takes (range and unit, choices) and what it means.

Both are read from the schema (``sim.config.schema_keys``, the walk ``docs/parameters.md`` reads too:
``param(lo, hi, doc, unit)`` metadata), the config tree (``configs/``: each option's first comment sentence
says what it is) and a composed config for the defaults. ``--help`` shows the defaults of the config the
command line composes (``python -m sim scenario=c06_manager_b --help`` shows that scenario's values);
``experiments/config_doc.py`` writes ``docs/config.md`` from the default config.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import MISSING as NO_DEFAULT
from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf

from sim.cli.overrides import NAME, group_options, run_groups
from sim.config import ORG_SCHEMAS, SchemaKey, config_dir, first_sentence, option_about, schema_keys, without_none

USAGE = """\
python -m sim: one run of the service-culture model, or a sweep of runs with -m.

usage:
  python -m sim [GROUP=OPTION ...] [KEY=VALUE ...]     one run; its folder is outputs/<name>/<time>
  python -m sim -m KEY=A,B [KEY=range(N) ...]         a sweep (joblib); again into its folder resumes it
  python -m sim [OVERRIDES ...] --help                this help, with the defaults those overrides give
  python -m sim --hydra-help                          Hydra's own flags (--cfg job, --info, launchers)

examples:
  python -m sim scenario=c06_manager_b seed=3
  python -m sim org=small_team style.recognition_rate=0.8     every leader recognises good service more
  python -m sim -m style.recognition_rate=0.2,0.8 seed=range(4) hydra.sweep.dir=multirun/recognition

style.<lever>=VALUE gives every leader (the executive and every style in leadership.styles) that value of
the lever; a run is named after its scenario unless name= is given; a sweep's run folders carry the
job's number, seed and swept values (3_seed=1,style.recognition_rate=0.8).
"""


#: column widths of --help's key table; a longer cell pushes its row's meaning onto the next line
KEY_W, DEFAULT_W, TAKES_W = 22, 12, 20


@dataclass(frozen=True)
class Row:
    """One key: its path inside its section, default, what it takes, and meaning."""

    key: str
    default: str
    takes: str
    meaning: str


@dataclass(frozen=True)
class Section:
    """The keys of one node of the schema (``dynamics.influence``, ``org`` for one org source): its dotted
    path (``""`` at the top), its title, what it is, and its keys relative to the path."""

    path: str
    title: str
    about: str
    rows: list[Row]

    def full(self, row: Row) -> str:
        """A row's whole key, as on the command line."""
        return f"{self.path}.{row.key}" if self.path else row.key


def _text(value: Any) -> str:
    """A value as it is written on the command line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, ListConfig | list):
        return "[" + ",".join(_text(each) for each in value) + "]"
    if isinstance(value, int) and value > 2**32 and (value + 1).bit_count() == 1:
        return f"2^{(value + 1).bit_length() - 1}-1"
    return str(value) if value != "" else "''"


def takes(leaf: SchemaKey) -> str:
    """What a key takes: ``[lo, hi] unit``, one of its choices, true or false, or text; ``or null`` when optional."""
    meta, hint = leaf.spec.metadata, without_none(leaf.hint)
    if "range" in meta:
        lo, hi = meta["range"]
        text = f"[{_text(lo)}, {_text(hi)}]" + (f" {meta['unit']}" if meta.get("unit") else "")
    elif "choices" in meta:
        text = " | ".join(meta["choices"]) + (", or a list" if meta.get("many") else "")
    elif hint is bool:
        text = "true | false"
    elif hint in (int, float):
        text = "number"
    else:
        text = "text"
    return text + (" or null" if hint is not leaf.hint else "")


def _node_path(leaf: SchemaKey) -> str:
    """The dotted path of the node holding ``leaf`` (``leadership`` for ``leadership.mix.<name>``)."""
    parts = leaf.key.split(".")
    at = len(parts) - 1 - parts[::-1].index(leaf.spec.name)
    return ".".join(parts[:at])


def _about(node: type) -> str:
    """A node's one-line description: a mechanism's is its module's (the mechanism), any other its own."""
    module = sys.modules[node.__module__]
    doc = module.__doc__ if node.__module__.startswith("sim.mechanisms.") else node.__doc__
    return first_sentence((doc or "").split("\n\n")[0])


def _source(schema: type) -> str:
    """The ``org.source`` of an org schema."""
    return next(name for name, each in ORG_SCHEMAS.items() if each is schema)


def _org_root(cfg: DictConfig, schema: type) -> Any:
    """Where the defaults of an org section come from: ``cfg`` when its org's source is the schema's,
    else the first org option of that source (``org=from_file`` for an imported org)."""
    source = _source(schema)
    if cfg.org.get("source") == source:
        return cfg
    for option in group_options()["org"]:
        node = OmegaConf.load(config_dir() / "org" / f"{option}.yaml")
        if node.get("source") == source:
            return OmegaConf.create({"org": node})
    return OmegaConf.create({})


def _org_parent(node: type) -> type | None:
    """The org schema that holds ``node`` as a field (``FileOrgConfig`` for ``OrgColumns``), if any."""
    for schema in ORG_SCHEMAS.values():
        if any(f.type in (node, node.__name__) for f in dataclasses.fields(schema)):
            return schema
    return None


def _value_at(node: Any, parts: list[str], leaf: SchemaKey) -> str:
    """The value at ``parts`` under ``node``; ``name=value`` of every entry where a part is ``<name>``; the
    field's own default (an event's optional fields) where the config leaves it out."""
    if not parts:
        return _text(node)
    head, rest = parts[0], parts[1:]
    if head == NAME:
        entries = [f"{name}={_value_at(value, rest, leaf)}" for name, value in (node or {}).items()]
        return ", ".join(entries) or _value_at({}, [leaf.spec.name], leaf)
    if not isinstance(node, DictConfig | dict) or head not in node:
        has_default = not rest and leaf.spec.default not in (NO_DEFAULT, MISSING)
        return _text(leaf.spec.default) if has_default else "-"
    return _value_at(node[head], rest, leaf)


def _relative(key: str, path: str) -> str:
    return key[len(path) + 1 :] if path else key


def sections(cfg: DictConfig) -> list[Section]:
    """Every key of the schema with its default in ``cfg``, one section per node, in schema order."""
    grouped: dict[tuple[str, type], list[SchemaKey]] = {}
    for leaf in schema_keys():
        grouped.setdefault((_node_path(leaf), leaf.node), []).append(leaf)
    out = []
    for (path, node), leaves in grouped.items():
        org_schema = node if node in ORG_SCHEMAS.values() else _org_parent(node)
        root = _org_root(cfg, org_schema) if org_schema is not None else cfg
        rows = [
            Row(
                _relative(leaf.key, path),
                _value_at(root, leaf.key.split("."), leaf),
                takes(leaf),
                leaf.spec.metadata["doc"],
            )
            for leaf in leaves
        ]
        title = path or "top level"
        if node in ORG_SCHEMAS.values():
            title = f"org (org.source={_source(node)})"
        out.append(Section(path, title, _about(node), rows))
    return out


def groups() -> Iterator[tuple[str, str | None, tuple[str, ...], str]]:
    """Each config group: its name, its default option (None when it has none), its options, and how a
    command line picks one."""
    picked = run_groups()
    for group, options in group_options().items():
        if group in picked:
            yield group, picked[group], options, f"{group}=OPTION"
        elif group == "style":
            yield group, None, options, "style@leadership.executive=OPTION or +style@leadership.styles.NAME=OPTION"
        else:
            yield group, None, options, "not part of a run: the settings of the scripts in experiments/"


def help_text(cfg: DictConfig, width: int | None = None) -> str:
    """``python -m sim --help``: usage, every group with its options (``*`` the default) and every
    key with its default in ``cfg``, what it takes and what it means, a section per node."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    lines = [USAGE, "config groups (GROUP=OPTION; * marks the default):"]
    for group, current, options, how in groups():
        shown = ", ".join(f"{o}*" if o == current else o for o in options)
        if group not in run_groups():
            shown += f"  [{how}]"
        lines += textwrap.wrap(
            shown, width=max(60, width - 2), initial_indent=f"  {group:<12}", subsequent_indent=" " * 14
        )
    lines += [
        "",
        "keys (KEY=VALUE): default, what it takes, meaning (docs/config.md lists the same);",
        "<name> stands for an entry's name (a style of leadership.styles, an event of events)",
    ]
    start = 2 + KEY_W + 1 + DEFAULT_W + 1 + TAKES_W + 1
    meaning_w = max(30, width - start)
    for section in sections(cfg):
        lines += ["", f"{section.title}: {section.about}"]
        for r in section.rows:
            cells = f"  {r.key:<{KEY_W}} {r.default:<{DEFAULT_W}} {r.takes:<{TAKES_W}} "
            meaning = textwrap.wrap(r.meaning, meaning_w)
            if len(cells) > start:  # a long cell pushes the meaning onto the next line
                lines.append(cells.rstrip())
                cells = " " * start
            lines.append(cells + meaning[0])
            lines += [" " * start + more for more in meaning[1:]]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: no column break, HTML tag or emphasis read into it."""
    for raw, safe in (("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("*", "\\*")):
        text = text.replace(raw, safe)
    return text


def markdown(cfg: DictConfig) -> str:
    """``docs/config.md``: the groups with each option's description, then a table of keys per section."""
    lines = [
        "# Configuration",
        "",
        "Generated by `experiments/config_doc.py` from the schema (`sim/config.py`, `sim/mechanisms/*.py`), the",
        "config tree (`configs/`) and the default configuration. Do not edit by hand. `python -m sim --help`",
        "shows the same, with the defaults of the config its command line composes.",
        "",
        "```text",
        *USAGE.rstrip("\n").splitlines(),
        "```",
        "",
        "## Config groups",
        "",
        "Pick an option with `GROUP=OPTION` (sweep several with `-m GROUP=A,B`); the default is in bold.",
        "",
    ]
    for group, current, options, how in groups():
        lines += [f"### `{group}`", ""]
        if group not in run_groups():
            lines += [f"Used as {how}." if "=" in how else f"{how[0].upper()}{how[1:]}.", ""]
        lines += ["| option | what it is |", "|---|---|"]
        for option in options:
            name = f"**`{option}`**" if option == current else f"`{option}`"
            lines.append(f"| {name} | {_cell(option_about(group, option))} |")
        lines.append("")
    lines += [
        "## Keys",
        "",
        "Set any key with `KEY=VALUE`. `<name>` stands for an entry's name (a style of `leadership.styles`, an",
        "event of `events`, a style's share in `leadership.mix`). Ranges are closed; a rate is per week.",
        "",
    ]
    for section in sections(cfg):
        lines += [f"### `{section.title}`" if section.title == section.path else f"### {section.title}", ""]
        lines += [_cell(section.about), "", "| key | default | takes | meaning |", "|---|---|---|---|"]
        for r in section.rows:
            cells = (_cell(text) for text in (r.default, r.takes, r.meaning))
            lines.append(f"| `{section.full(r)}` | {' | '.join(cells)} |")
        lines.append("")
    return "\n".join(lines)
