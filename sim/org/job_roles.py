"""Frontline or back office, read from an HR export's job titles and departments (``configs/job_roles.yaml``).

A staff member with no role given is frontline when their job title holds one of the table's
``frontline`` phrases and back office when it holds a ``back_office`` one; a title that holds
neither leaves the choice to their department, the same way. Phrases match whole words, case and
punctuation aside; when a text holds phrases of both kinds the longest phrase wins, so the table
can state exceptions by being more specific ("sales assistant" over "assistant"). A consultant
extends the table with a file of their own (``org.job_roles``), whose phrases are added unless it
says ``replace: true``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config import ConfigError, config_dir

KINDS = {"frontline": 1, "back_office": 0}


def _words(text: str) -> str:
    """Text as matched: lower case, runs of anything but letters and digits as one space, padded."""
    return " " + re.sub(r"[^0-9a-z]+", " ", text.lower()).strip() + " "


def _read(path: Path) -> dict:
    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"org.job_roles={path}: cannot read it as YAML ({type(exc).__name__})") from None
    if not isinstance(table, dict) or set(table) - {*KINDS, "replace"}:
        raise ConfigError(
            f"org.job_roles={path}: expected the keys frontline, back_office (and replace), lists of phrases"
        )
    for kind in KINDS:
        phrases = table.get(kind, [])
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise ConfigError(f"org.job_roles={path}: {kind} must be a list of phrases")
    return table


def phrase_table(extra: str | None = None) -> dict[str, int]:
    """Phrase (as matched) -> 1 frontline / 0 back office: the shipped table, plus or instead of ``extra``'s.

    A phrase in both lists takes the later file's kind (a consultant's file over the shipped one).
    """
    tables = [_read(config_dir() / "job_roles.yaml")]
    if extra:
        path = Path(extra)
        if not path.is_file():
            raise ConfigError(f"org.job_roles={extra}: no such file")
        own = _read(path)
        tables = [own] if own.get("replace", False) else [*tables, own]
    phrases: dict[str, int] = {}
    for table in tables:
        for kind, mark in KINDS.items():
            for phrase in table.get(kind, []):
                if _words(phrase).strip():
                    phrases[_words(phrase)] = mark
    return phrases


def kinds_of(texts: np.ndarray, phrases: dict[str, int]) -> np.ndarray:
    """Each text's kind: 1 frontline, 0 back office, -1 none found (the longest phrase it holds decides).

    A column holds few distinct titles, so each distinct text is looked at once.
    """
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object).fillna(""))
    by_length = sorted(phrases, key=len, reverse=True)
    kind = np.full(len(uniques) + 1, -1, dtype=np.int8)
    for i, text in enumerate(uniques):
        words = _words(str(text))
        found = next((p for p in by_length if p in words), None)
        if found is not None:
            kind[i] = phrases[found]
    return kind[codes]  # code -1 (a missing value) picks the trailing "none found"


def infer_marks(title: np.ndarray, department: np.ndarray, phrases: dict[str, int]) -> np.ndarray:
    """Per person: 1 frontline / 0 back office / -1 unknown, from the title, else the department."""
    by_title = kinds_of(title, phrases)
    return np.where(by_title >= 0, by_title, kinds_of(department, phrases)).astype(np.int8)
