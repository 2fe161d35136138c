"""When an experiment may write into docs/: the one rule every script in ``experiments/`` follows.

What lies in ``docs/`` is committed and says which run made it, so only that run may rewrite it: a
script writes there when run in full, or when given ``--write-docs``. A quick or reduced run prints its
results and writes only where the user pointed it outside ``docs/`` (``--out``, ``docs=...``).
Not a script: the scripts import it (``experiments`` is a namespace package on the project's path).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.research.study import load_study
from sim.results import atomic_write_text

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WRITE_DOCS = "--write-docs"
WRITE_DOCS_HELP = "write the report into docs/ from a quick or reduced run too (a full run always does)"


def may_write(target: Path, *, full: bool, write_docs: bool = False) -> bool:
    """Whether a script may write ``target``: anywhere outside the project's ``docs/``; inside it only
    from a full run or with ``--write-docs``. A ``False`` says so on stdout, naming the flag."""
    if full or write_docs or not Path(target).resolve().is_relative_to(DOCS.resolve()):
        return True
    shown = Path(target).resolve().relative_to(ROOT)
    print(f"{shown} left alone: a quick or reduced run does not rewrite committed docs ({WRITE_DOCS} does)")
    return False


def full_study(name: str, cfg: DictConfig, ignore: tuple[str, ...]) -> bool:
    """Whether a research study's settings are its committed ones (``configs/research/<name>.yaml``),
    but for the keys in ``ignore``: those that change where and how it runs, not what it finds."""
    given, committed = (
        {k: v for k, v in OmegaConf.to_container(c, resolve=True).items() if k not in ignore}
        for c in (cfg, load_study(name))
    )
    return given == committed


def write_or_check(target: Path, text: str, *, check: bool, command: str) -> int:
    """Write a generated doc that costs nothing to remake (atomically), or with ``check`` only compare:
    0 when up to date, 1 with one line on stderr naming ``command`` when stale."""
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            print(f"{target.name} is out of date: run {command}", file=sys.stderr)
            return 1
        print(f"{target.name} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, text)
    return 0


def cheap_writer_args(doc: str, name: str, argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of a generated doc that costs nothing to remake: ``--out`` (the folder for ``name``,
    default docs/) and ``--check`` (compare, write nothing)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DOCS, help=f"folder for {name} (default: docs/)")
    parser.add_argument("--check", action="store_true", help="compare with the table in --out, write nothing")
    return parser.parse_args(argv)
