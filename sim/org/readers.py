"""Readers of the client's org files: the chart, a roles file, peer ties and a survey, read and checked row by row.

Four chart formats (``org.format``, or ``auto`` from the extension):

- **csv** and **xlsx**: a reports-to list, one person a row, as an HR system exports it: a person's id
  and their manager's (by id or by unique name; empty for the top executive), and optionally name,
  job title, department, team, role, frontline and vacant. Columns are found by their header
  (``sim.org.columns``: ``Employee Id``, ``Manager``, ``Job Title``... are recognised) or named by
  ``org.columns.<field>``; a title row above the header is skipped. A workbook is read with openpyxl
  (``org.sheet``: a sheet's name or number, default the first), values only;
- **graphml**: nodes are people (attributes ``role``, ``team``, ``frontline``, ``vacant``), edges are
  reporting lines, from the person to the manager (``org.edge_direction``); an edge whose ``kind``
  attribute is not ``reports_to`` (``peer``, ``advice``, ``friendship``...) is a peer tie;
- **edgelist**: ``id manager_id`` a line (comma, tab or spaces; ``#`` starts a comment line), with the
  roles in a separate file (``org.roles``: ``id,role[,team][,frontline][,vacant]``).

Roles: ``leader``, ``frontline`` or ``back office`` (case, spaces, ``_`` and ``-`` do not matter;
``manager``/``executive`` count as leader); without them, job titles and departments say who serves
customers (``sim.org.job_roles``). Ids a spreadsheet turned into floats (``1001.0``) are read as
whole numbers. Peer ties: ``org.ties``, two ids a line. The survey
(``org.survey``: ``id`` and any of ``engagement``, ``trust``, ``orientation``) is rescaled to [0, 1]
from a 1-5, 0-100 or 0-1 scale.

A problem stops the reading with one line naming the file, the line and the id
(:class:`OrgFileError`, a :class:`~sim.config.ConfigError`). Files are read as data only (pandas
for text, defusedxml for GraphML with DTDs refused, so no entity expansion), and every step over
the people is vectorised. The org is assembled from what these readers return in ``sim.org.files``.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import openpyxl
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from sim.config import ConfigError, FileOrgConfig
from sim.org.columns import FIELDS, SPELLINGS, clean_ids, id_suggestion, key, name_parts, option, recognise
from sim.tables import unescape_formulas

FORMATS = {  # extension -> format, for org.format=auto
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".graphml": "graphml",
    ".xml": "graphml",
    ".txt": "edgelist",
    ".edges": "edgelist",
    ".edgelist": "edgelist",
}
ROLES = {  # role words, lower case without spaces, "_" and "-" -> the role
    "leader": "leader",
    "manager": "leader",
    "executive": "leader",
    "frontline": "frontline",
    "backoffice": "back office",
}
ROLE_NAMES = ("leader", "frontline", "back office")
ATTRIBUTES = ("role", "team", "frontline", "vacant", "name", "title", "department")
SURVEY_VARIABLES = ("engagement", "trust", "orientation")
SCALES = {"1-5": (1.0, 5.0), "0-100": (0.0, 100.0), "0-1": (0.0, 1.0)}
FLAGS = dict.fromkeys(("true", "yes", "y", "1", "t"), 1) | dict.fromkeys(("false", "no", "n", "0", "f"), 0)
EDGE_HEADERS = {("id", "manager_id"), ("source", "target"), ("employee", "manager"), ("person", "manager")}
REPORTS_KINDS = ("", "reports_to", "reportsto", "reports-to", "hierarchy", "manager")
VIRTUAL_ROOT = "(virtual executive)"
SHOWN = 5  # ids named in one message before "and N more"
HEADER_SEARCH = 20  # rows looked at for the header, below an export's title rows
ZIP, OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"  # an xlsx workbook; an old .xls (or .doc) file
# Columns a table may have. A chart, roles file or survey needs a handful and an HR system's full
# export a few hundred; pandas' parsing and the per-column cleaning cost grows with the columns
# (a 5 MB header of 700,000 columns kept a check busy for minutes), so a wider header is refused
# from its first line, before the table is parsed.
MAX_COLUMNS = 1_000


class OrgFileError(ConfigError):
    """A problem in an org chart, roles, ties or survey file: one line naming file, line and id."""


@dataclass
class Rows:
    """The rows of one text table: stripped string columns, and each row's line in the file."""

    path: str
    columns: dict[str, np.ndarray]
    lines: np.ndarray
    unit: str = "line"  # "row" for a workbook's sheet

    def where(self, row: int) -> str:
        return f"{self.path} {self.unit} {int(self.lines[row])}"


@dataclass
class Chart:
    """A reports-to list as read, before any check: ``managers[i]`` is ``""`` for no manager."""

    path: str
    ids: np.ndarray
    managers: np.ndarray
    lines: np.ndarray
    attributes: Rows | None = None  # aligned with ``ids``: ATTRIBUTES' columns the file has
    ties: Rows | None = None  # peer ties found in the chart itself (GraphML), columns a, b
    notes: list[str] = field(default_factory=list)
    unit: str = "line"

    @property
    def rows(self) -> Rows:
        return Rows(self.path, {}, self.lines, self.unit)

    def where(self, seat: int) -> str:
        return self.rows.where(seat)


# ------------------------------------------------------------------ reading bytes and text
def _read_bytes(path: str, limit_mb: float) -> bytes:
    """The file's bytes, after the checks that need no parsing: it exists, is not too big, not empty."""
    file = Path(path)
    if not file.is_file():
        raise OrgFileError(f"{path}: no such file" if not file.exists() else f"{path} is not a file")
    size = file.stat().st_size
    if size > limit_mb * 1e6:
        raise OrgFileError(
            f"{path} is {size / 1e6:.1f} MB, over the limit of {limit_mb:g} MB: raise org.max_file_mb to load it"
        )
    data = file.read_bytes()
    if not data.strip():
        raise OrgFileError(f"{path} is empty")
    return data


def _read_text(path: str, encoding: str, limit_mb: float) -> str:
    data = _read_bytes(path, limit_mb)
    if data.startswith(ZIP):
        raise OrgFileError(
            f"{path} is an Excel workbook (xlsx), not text: name it .xlsx or set org.format=xlsx "
            "(org.sheet picks the sheet)"
        )
    if data.startswith(OLE2):
        raise OrgFileError(f"{path} is an old Excel .xls workbook: save it as .xlsx (or CSV UTF-8) and use that")
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export: UTF-16 with its mark
        codec = "utf-16"
    try:
        text = data.decode(codec)
    except LookupError:
        raise OrgFileError(f"org.encoding={encoding!r} is not an encoding Python knows (e.g. utf-8, cp1252)") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise OrgFileError(
            f"{path} line {line}: byte 0x{data[exc.start]:02x} is not {encoding} text: "
            "save the file as UTF-8 or set org.encoding (e.g. org.encoding=cp1252)"
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise OrgFileError(f"{path} line {line}: binary data, not text: export it as CSV or .xlsx")
    return text


def digest(path: str) -> str:
    """A short content hash, so a run's summary says which version of a file it used."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _separator(line: str) -> str:
    """The one of ``,``, ``;`` and tab a header line uses most (spreadsheets in many locales export ``;``)."""
    return max((",", ";", "\t"), key=line.count)


def _table(path: str, text: str, skip: int = 0) -> pd.DataFrame:
    """Parse text with a header line after ``skip`` title lines as a table of strings; blank rows stay,
    so row i is line ``skip + i + 2``.

    A header of more than ``MAX_COLUMNS`` columns is refused before parsing.
    """
    if skip:
        parts = text.split("\n", skip)
        text = parts[skip] if len(parts) > skip else ""
    end = text.find("\n")
    header = (text if end < 0 else text[:end]).lstrip("\ufeff")
    sep = _separator(header)
    columns = header.count(sep) + 1
    if columns > MAX_COLUMNS:
        raise OrgFileError(
            f"{path} line {skip + 1}: the header has {columns:,} columns, over the limit of {MAX_COLUMNS:,}: "
            "is this the right file? (a chart needs id and manager_id, and a few more at most)"
        )
    try:
        return pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False, engine="c"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = str(exc).strip().splitlines()[0]
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
        if ragged:
            fields, line, saw = ragged.groups()
            raise OrgFileError(f"{path} line {int(line) + skip}: {saw} fields where the header has {fields}") from None
        raise OrgFileError(f"{path}: {message}") from None


def _rows(path: str, df: pd.DataFrame, first_line: int, *, lower: bool = True, unit: str = "line") -> Rows:
    """Stripped string columns without the blank rows, each row remembering its line.

    Column names are stripped, and lower-cased unless ``lower`` is false (a people table keeps its
    headers as written, for messages, and finds its columns through ``sim.org.columns``). A cell a
    spreadsheet writer escaped (``'=CMD()``) is read as it was (``=CMD()``: ``sim.tables``).
    """
    columns = {}
    for name in df.columns:
        label = str(name).strip()
        columns[label.lower() if lower else label] = unescape_formulas(df[name].fillna("").astype(str).str.strip())
    blank = np.logical_and.reduce([(c == "").to_numpy() for c in columns.values()]) if columns else np.array([])
    keep = ~blank
    return Rows(
        path=path,
        columns={name: c.to_numpy(dtype=object)[keep] for name, c in columns.items()},
        lines=np.arange(first_line, first_line + len(df))[keep],
        unit=unit,
    )


def read_csv(path: str, encoding: str, limit_mb: float, required: tuple[str, ...]) -> Rows:
    """A CSV with a header; ``required`` columns must be there (case-insensitive).

    An ``id`` column may be spelt as an HR system does (``Employee Id``...: ``sim.org.columns``); its
    values are read as ids (``clean_ids``).
    """
    text = _read_text(path, encoding, limit_mb)
    rows = _rows(path, _table(path, text), first_line=2)
    found = recognise(list(rows.columns), {})[0].get("id")
    if found is not None and found != "id":
        rows.columns["id"] = rows.columns.pop(found)
    if "id" in rows.columns:
        rows.columns["id"] = clean_ids(rows.columns["id"])
    for name in required:
        if name not in rows.columns:
            have = ", ".join(rows.columns) or "none"
            raise OrgFileError(f"{path} line 1: no {name!r} column (columns: {have})")
    if rows.lines.size == 0:
        raise OrgFileError(f"{path} has a header but no rows")
    return rows


def read_pairs(path: str, encoding: str, limit_mb: float) -> Rows:
    """Two ids a line (``a``, ``b``), split at a comma, a tab or spaces (as the first line shows).

    ``#`` starts a comment line; fields past the second (weights, say) are ignored; a first line
    such as ``source,target`` or ``id,manager_id`` is a header.
    """
    text = _read_text(path, encoding, limit_mb)
    lines = pd.Series(text.splitlines(), dtype=object).str.strip()
    data = lines[(lines != "") & ~lines.str.startswith("#")]
    if data.empty:
        raise OrgFileError(f"{path} is empty: no edges")
    first = data.iloc[0]
    sep, regex = (",", False) if "," in first else ("\t", False) if "\t" in first else (r"\s+", True)
    parts = data.str.split(sep, n=2, regex=regex, expand=True).reindex(columns=[0, 1]).fillna("")
    rows = Rows(
        path,
        {side: unescape_formulas(parts[k].str.strip()).to_numpy(dtype=object) for k, side in enumerate("ab")},
        data.index.to_numpy() + 1,
    )
    if (rows.columns["a"][0].lower(), rows.columns["b"][0].lower()) in EDGE_HEADERS:
        rows = Rows(path, {k: v[1:] for k, v in rows.columns.items()}, rows.lines[1:])
        if rows.lines.size == 0:
            raise OrgFileError(f"{path} has a header but no edges")
    rows.columns = {name: clean_ids(values) for name, values in rows.columns.items()}
    half = np.flatnonzero((rows.columns["a"] == "") | (rows.columns["b"] == ""))
    if half.size:
        raise OrgFileError(f"{rows.where(half[0])}: an edge needs two ids{more(half)}")
    return rows


def more(rows: np.ndarray) -> str:
    """The tail of a message about the first of ``rows``: how many more rows have the same problem."""
    return f" (and {rows.size - 1} more lines like it)" if rows.size > 1 else ""


def some(labels: list[str]) -> str:
    """The first ``SHOWN`` of ``labels``, and how many more there are."""
    shown = ", ".join(labels[:SHOWN])
    return shown + (f" and {len(labels) - SHOWN} more" if len(labels) > SHOWN else "")


def _repeats(ids: np.ndarray) -> tuple[np.ndarray, int]:
    """Rows whose id came before, and the row where the first of them first came (-1 if none)."""
    twice = np.flatnonzero(pd.Index(ids).duplicated())
    return twice, int(np.flatnonzero(ids == ids[twice[0]])[0]) if twice.size else -1


def refuse_twice(ids: np.ndarray, rows: Rows) -> None:
    """Refuse an id that appears on two rows, naming both lines."""
    twice, first = _repeats(ids)
    if twice.size:
        raise OrgFileError(
            f"{rows.where(twice[0])}: id {ids[twice[0]]!r} appears again (first on line {int(rows.lines[first])})"
            f"{more(twice)}"
        )


# ------------------------------------------------------------------ the three chart formats
def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold: whole floats without ``.0``, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _sheet_cells(path: str, sheet: str | None, limit_mb: float) -> tuple[list[list[str]], str, list[str]]:
    """Every row of one sheet of a workbook as text cells, the sheet's label for messages, the other sheets.

    openpyxl reads values only (``data_only``: a formula gives its last computed value, never runs)
    and streams the sheet (``read_only``).
    """
    data = _read_bytes(path, limit_mb)
    if data.startswith(OLE2):
        raise OrgFileError(
            f"{path} is an old .xls workbook or a password-protected one: save it as .xlsx without a password"
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise OrgFileError(
            f"{path} is not a readable .xlsx workbook ({type(exc).__name__}): save it again from Excel"
        ) from None
    try:
        names = book.sheetnames
        if sheet is None or str(sheet) == "":
            chosen = names[0]
        elif str(sheet) in names:
            chosen = str(sheet)
        elif str(sheet).lower() in (lowered := [n.lower() for n in names]):
            chosen = names[lowered.index(str(sheet).lower())]
        elif str(sheet).isdigit() and int(sheet) < len(names):
            chosen = names[int(sheet)]
        else:
            raise OrgFileError(
                f"{path}: no sheet {sheet!r}: set org.sheet to one of {', '.join(map(repr, names))} "
                f"or a number 0..{len(names) - 1}"
            )
        cells = []
        for row in book[chosen].iter_rows(values_only=True):
            if len(row) > MAX_COLUMNS:
                raise OrgFileError(
                    f"{path} sheet {chosen!r}: {len(row):,} columns, over the limit of {MAX_COLUMNS:,}: "
                    "is this the right sheet?"
                )
            cells.append([_cell_text(v).strip() for v in row])
    finally:
        book.close()
    others = [n for n in names if n != chosen]
    return cells, f"{path} sheet {chosen!r}", others


def _header_index(rows: list[list[str]], mapping: dict[str, str | None]) -> int:
    """Which of the first rows is the header: the first with two cells or more where an id or a manager
    column is recognised (or a mapped column found), below any title rows; else the first non-blank row."""
    wanted = {*SPELLINGS["id"], *SPELLINGS["manager"], *(key(h) for h in mapping.values() if h)}
    first = None
    for index, row in enumerate(rows[:HEADER_SEARCH]):
        filled = [c for c in row if c]
        if not filled:
            continue
        first = index if first is None else first
        if len(filled) >= 2 and any(key(c) in wanted for c in filled):
            return index
    return first if first is not None else 0


def _people_rows(
    path: str, cfg: FileOrgConfig, fmt: str, mapping: dict[str, str | None]
) -> tuple[Rows, int, list[str]]:
    """A CSV or a workbook's sheet of people, headers as written; the header's line (row); the other sheets."""
    if fmt == "xlsx":
        cells, label, others = _sheet_cells(path, cfg.sheet, cfg.max_file_mb)
        head = _header_index(cells, mapping)
        if not cells or not any(cells[head]):
            raise OrgFileError(f"{label} is empty")
        width = max(i + 1 for i, c in enumerate(cells[head]) if c)
        header = [c or f"column {get_column_letter(i + 1)}" for i, c in enumerate(cells[head][:width])]
        body = [(row + [""] * width)[:width] for row in cells[head + 1 :]]
        frame = pd.DataFrame(body, columns=header, dtype=object)
        return _rows(label, frame, first_line=head + 2, lower=False, unit="row"), head + 1, others
    text = _read_text(path, cfg.encoding, cfg.max_file_mb)
    head_lines = text.lstrip("\ufeff").split("\n", HEADER_SEARCH)[:HEADER_SEARCH]
    split = [[c.strip().strip('"') for c in line.split(_separator(line))] for line in head_lines]
    head = _header_index(split, mapping)
    return _rows(path, _table(path, text, skip=head), first_line=head + 2, lower=False), head + 1, []


def _manager_suggestion(rows: Rows, ids: np.ndarray, names: np.ndarray | None, taken: set[str]) -> str | None:
    """The column whose values are most often someone's id or name (at least half of its filled cells)."""
    known = set(ids) | (set(names) if names is not None else set())
    best, best_share = None, 0.5
    for header, values in rows.columns.items():
        filled = values[values != ""]
        if header in taken or filled.size == 0:
            continue
        share = float(np.isin(filled, list(known)).mean())
        if share >= best_share:
            best, best_share = header, share
    return best


def _chart_columns(
    rows: Rows, mapping: dict[str, str | None], header_line: int
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The fields (``sim.org.columns.FIELDS``) a chart's table holds, by ``mapping`` (``org.columns``) or
    recognised header; ``id`` and ``manager`` are required. Returns the fields' values (ids cleaned, a
    first and a last name joined into ``name``) and the notes saying what was taken for what.
    """
    where = f"{rows.path} {rows.unit} {header_line}"
    headers = list(rows.columns)
    have = ", ".join(map(repr, headers))
    try:
        found, recognised = recognise(headers, mapping)
    except KeyError as exc:
        field_name, header = exc.args
        raise OrgFileError(f"{where}: org.columns.{field_name}={header!r} names no column (columns: {have})") from None
    if "id" not in found:
        guess = id_suggestion(rows.columns, set(found.values()))
        hint = f"e.g. {option('id', guess)} (its values are unique)" if guess else "org.columns.id=<that column>"
        raise OrgFileError(f"{where}: no column of people's ids recognised (columns: {have}): set {hint}")
    values = {f: rows.columns[h] for f, h in found.items()}
    values["id"] = clean_ids(values["id"])
    notes = []
    if "name" not in values and (parts := name_parts(headers)) is not None:
        first, last = (rows.columns[h] for h in parts)
        values["name"] = np.char.strip(np.char.add(np.char.add(first.astype(str), " "), last.astype(str))).astype(
            object
        )
        found["name"] = f"{parts[0]} + {parts[1]}"
        recognised.append(f"{parts[0]!r} + {parts[1]!r} -> name")
    if "manager" not in values:
        guess = _manager_suggestion(rows, values["id"], values.get("name"), set(found.values()))
        hint = option("manager", guess) if guess else "org.columns.manager=<that column>"
        raise OrgFileError(
            f"{where}: no column of managers recognised (columns: {have}): set {hint}, the column that gives "
            "each person's manager by id or by name"
        )
    values["manager"] = clean_ids(values["manager"])
    if "role" in values and not mapping.get("role"):
        # an HR export's "Role" is usually a job title: it is the model's roles when most of it says
        # roles (then a stray word is an error, as for a mapped column), else it is read as titles
        roles = _translate(values["role"], ROLES, "")
        if (roles[values["role"] != ""] != "").mean() < 0.5:
            role_header = found.pop("role")
            role_values = values.pop("role")
            if "title" not in values:
                values["title"], found["title"] = role_values, role_header
                recognised = [r for r in recognised if not r.endswith("-> role")] + [f"{role_header!r} -> title"]
                notes.append(
                    f"{rows.path}: column {role_header!r} holds job titles, not the model's roles: read as the title"
                )
            else:
                notes.append(
                    f"{rows.path}: column {role_header!r} holds no model roles (leader, frontline, back office): "
                    "not used"
                )
    if recognised:
        notes.insert(0, f"{rows.path}: columns recognised: {', '.join(recognised)}")
    used = {h for header in found.values() for h in header.split(" + ")}
    ignored = [h for h in headers if h not in used]
    if ignored:
        notes.append(f"{rows.path}: columns not used by the model: {', '.join(ignored)}")
    return values, notes


def _chart_from_table(path: str, cfg: FileOrgConfig, fmt: str) -> Chart:
    mapping = {f: getattr(cfg.columns, f) for f in FIELDS}
    rows, header_line, other_sheets = _people_rows(path, cfg, fmt, mapping)
    try:
        if rows.lines.size == 0:
            raise OrgFileError(f"{rows.path} has a header but no rows")
        values, notes = _chart_columns(rows, mapping, header_line)
    except OrgFileError as exc:
        if not other_sheets or cfg.sheet is not None:
            raise
        # the first sheet of a workbook is often a cover or a summary: point at the others
        sheets = ", ".join(map(repr, other_sheets))
        raise OrgFileError(f"{exc}; or is the chart on another sheet ({sheets})? set org.sheet") from None
    attributes = {name: values[name] for name in ATTRIBUTES if name in values}
    return Chart(
        path=rows.path,
        ids=values["id"],
        managers=values["manager"],
        lines=rows.lines,
        attributes=Rows(rows.path, attributes, rows.lines, rows.unit) if attributes else None,
        notes=notes,
        unit=rows.unit,
    )


def _chart_from_csv(path: str, cfg: FileOrgConfig) -> Chart:
    return _chart_from_table(path, cfg, "csv")


def _chart_from_xlsx(path: str, cfg: FileOrgConfig) -> Chart:
    return _chart_from_table(path, cfg, "xlsx")


def _chart_from_edges(
    path: str, person: np.ndarray, boss: np.ndarray, lines: np.ndarray, ids: np.ndarray, id_lines: np.ndarray
) -> Chart:
    """A chart from reporting edges person -> boss over the people ``ids`` (each with its line)."""
    twice, first = _repeats(person)
    if twice.size:
        row = int(twice[0])
        raise OrgFileError(
            f"{path} line {int(lines[row])}: id {person[row]!r} reports to a second manager {boss[row]!r} "
            f"(first {boss[first]!r} on line {int(lines[first])}); if edges point from manager to report, "
            "set org.edge_direction=manager_to_report"
        )
    managers = np.full(len(ids), "", dtype=object)
    managers[pd.Index(ids).get_indexer(person)] = boss
    return Chart(path=path, ids=np.asarray(ids, dtype=object), managers=managers, lines=np.asarray(id_lines))


def _chart_from_edgelist(path: str, cfg: FileOrgConfig) -> Chart:
    rows = read_pairs(path, cfg.encoding, cfg.max_file_mb)
    a, b = rows.columns["a"], rows.columns["b"]
    # people are numbered in the order they first appear in the file, each with that line
    both = np.column_stack([a, b]).ravel()
    ids = pd.unique(both)
    id_lines = pd.Series(np.repeat(rows.lines, 2)).groupby(both, sort=False).first().loc[ids].to_numpy()
    person, boss = (b, a) if cfg.edge_direction == "manager_to_report" else (a, b)
    return _chart_from_edges(path, person, boss, rows.lines, ids, id_lines)


class _GraphMLReader:
    """An expat target that collects GraphML keys, nodes and edges with their lines; builds no tree."""

    def __init__(self) -> None:
        self.parser: DefusedXMLParser | None = None
        self.keys: dict[str, str] = {}
        self.nodes: list[tuple[str | None, int, dict[str, str]]] = []
        self.edges: list[tuple[str | None, str | None, int, dict[str, str]]] = []
        self._data: dict[str, str] | None = None
        self._key: str | None = None
        self._text: list[str] = []

    def line(self) -> int:
        return int(self.parser.parser.CurrentLineNumber) if self.parser is not None else 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        tag = tag.rsplit("}", 1)[-1]
        if tag == "key":
            self.keys[attrib.get("id", "")] = attrib.get("attr.name", attrib.get("id", "")).strip().lower()
        elif tag == "node":
            self._data = {}
            self.nodes.append((attrib.get("id"), self.line(), self._data))
        elif tag == "edge":
            self._data = {}
            self.edges.append((attrib.get("source"), attrib.get("target"), self.line(), self._data))
        elif tag == "data" and self._data is not None:
            self._key, self._text = attrib.get("key", ""), []

    def data(self, text: str) -> None:
        if self._key is not None:
            self._text.append(text)

    def end(self, tag: str) -> None:
        tag = tag.rsplit("}", 1)[-1]
        if tag == "data" and self._key is not None and self._data is not None:
            self._data[self.keys.get(self._key, self._key)] = "".join(self._text).strip()
            self._key = None
        elif tag in ("node", "edge"):
            self._data = None

    def close(self) -> None:
        return None


def _chart_from_graphml(path: str, cfg: FileOrgConfig) -> Chart:
    data = _read_bytes(path, cfg.max_file_mb)
    reader = _GraphMLReader()
    # forbid_dtd: GraphML needs no DTD, and refusing any DTD refuses every entity-expansion attack
    parser = DefusedXMLParser(target=reader, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    reader.parser = parser
    try:
        parser.feed(data)
        parser.close()
    except DefusedXmlException as exc:
        raise OrgFileError(
            f"{path} line {reader.line()}: refused: the file declares a DTD or entities "
            f"({type(exc).__name__}), which GraphML does not need and which can expand without bound"
        ) from None
    except ParseError as exc:
        raise OrgFileError(f"{path} line {exc.position[0]}: not well-formed XML ({exc})") from None
    if not reader.nodes:
        raise OrgFileError(f"{path} is empty: no <node> elements")
    node_ids = np.array([node[0] if node[0] is not None else "" for node in reader.nodes], dtype=object)
    node_lines = np.array([node[1] for node in reader.nodes])
    nodes = Rows(path, {}, node_lines)
    nameless = np.flatnonzero(node_ids == "")
    if nameless.size:
        raise OrgFileError(f"{nodes.where(nameless[0])}: a <node> without an id")
    refuse_twice(node_ids, nodes)
    index = pd.Index(node_ids)
    ends = np.array([(e[0] or "", e[1] or "") for e in reader.edges], dtype=object).reshape(-1, 2)
    edge_lines = np.array([e[2] for e in reader.edges], dtype=np.int64)
    edges = Rows(path, {}, edge_lines)
    unknown = np.flatnonzero((index.get_indexer(ends[:, 0]) < 0) | (index.get_indexer(ends[:, 1]) < 0))
    if unknown.size:
        row = int(unknown[0])
        missing = ends[row, 0] if index.get_indexer(ends[row, :1])[0] < 0 else ends[row, 1]
        raise OrgFileError(
            f"{edges.where(row)}: an edge names {missing!r}, which is no <node> in the file{more(unknown)}"
        )
    kinds = np.array([e[3].get("kind", e[3].get("type", e[3].get("relation", ""))).lower() for e in reader.edges])
    reports = np.isin(kinds, REPORTS_KINDS)
    person, boss = ends[reports, 0], ends[reports, 1]
    if cfg.edge_direction == "manager_to_report":
        person, boss = boss, person
    chart = _chart_from_edges(path, person, boss, edge_lines[reports], node_ids, node_lines)
    attributes = {
        name: np.array([node[2].get(name, "") for node in reader.nodes], dtype=object)
        for name in ATTRIBUTES
        if any(name in node[2] for node in reader.nodes)
    }
    chart.attributes = Rows(path, attributes, node_lines) if attributes else None
    service = kinds == "internal_service"
    ties = ~reports & ~service
    if ties.any():
        chart.ties = Rows(path, {"a": ends[ties, 0], "b": ends[ties, 1]}, edge_lines[ties])
        chart.notes.append(
            f"{path}: {int(ties.sum())} edges of kind {', '.join(sorted(set(kinds[ties])))} are peer ties"
        )
    if service.any():
        chart.notes.append(f"{path}: {int(service.sum())} internal_service edges ignored (links are derived)")
    return chart


READERS = {
    "csv": _chart_from_csv,
    "xlsx": _chart_from_xlsx,
    "graphml": _chart_from_graphml,
    "edgelist": _chart_from_edgelist,
}


def chart_format(path: str, declared: str) -> str:
    """``declared`` unless ``auto``; then the format the extension names (``FORMATS``)."""
    if declared != "auto":
        return declared
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise OrgFileError(
            f"{path}: cannot tell the format from the extension {Path(path).suffix!r}: "
            f"set org.format to csv, xlsx, graphml or edgelist"
        )
    return fmt


# ------------------------------------------------------------------ roles and attributes
def roles_onto(chart: Chart, path: str, cfg: FileOrgConfig) -> Chart:
    """A roles file's columns, aligned with the chart's people; they replace the chart's own."""
    rows = read_csv(path, cfg.encoding, cfg.max_file_mb, ("id",))
    seat = _seats_of(rows, "id", pd.Index(chart.ids), chart.path)
    columns = {}
    for name in ATTRIBUTES:
        if name in rows.columns:
            values = np.full(chart.ids.size, "", dtype=object)
            values[seat] = rows.columns[name]
            columns[name] = values
    if not columns:
        raise OrgFileError(f"{path} line 1: no {', '.join(ATTRIBUTES)} column (columns: {', '.join(rows.columns)})")
    lines = np.zeros(chart.ids.size, dtype=np.int64)
    lines[seat] = rows.lines
    merged = dict(chart.attributes.columns) if chart.attributes is not None else {}
    merged.update(columns)
    return replace(chart, attributes=Rows(path, merged, lines))


def _seats_of(rows: Rows, column: str, index: pd.Index, chart_path: str) -> np.ndarray:
    """Each row's seat; refuses an id twice or one the chart does not have."""
    ids = rows.columns[column]
    refuse_twice(ids, rows)
    seat = index.get_indexer(ids)
    unknown = np.flatnonzero(seat < 0)
    if unknown.size:
        row = int(unknown[0])
        raise OrgFileError(f"{rows.where(row)}: id {ids[row]!r} is not in the org chart {chart_path}{more(unknown)}")
    return seat


def _translate(values: np.ndarray, table: dict[str, object], missing: object) -> np.ndarray:
    """Look each value up in ``table`` after lower-casing and dropping spaces, ``_`` and ``-``.

    A column holds a handful of distinct words, so each is normalised once (``pd.factorize``), not
    once per person. Values not in the table (and empty ones) give ``missing``.
    """
    codes, uniques = pd.factorize(values)
    keys = pd.Index(uniques, dtype=object).str.lower().str.replace(r"[\s_\-]", "", regex=True)
    translated = np.array([table.get(key, missing) for key in keys] + [missing], dtype=object)
    return translated[codes]  # code -1 (none) picks the trailing ``missing``


def flag_values(values: np.ndarray, name: str, rows: Rows, ids: np.ndarray) -> np.ndarray:
    """true/false, yes/no, 1/0 -> 1/0; empty -> -1 (not given)."""
    out = _translate(values, FLAGS, -1).astype(np.int8)
    bad = np.flatnonzero((out < 0) & (values != ""))
    if bad.size:
        row = int(bad[0])
        raise OrgFileError(
            f"{rows.where(row)}: id {ids[row]!r} has {name}={values[row]!r}: allowed true/false, yes/no, 1/0 or empty"
        )
    return out


def role_names(values: np.ndarray, rows: Rows, ids: np.ndarray) -> np.ndarray:
    """Role names -> leader / frontline / back office; empty -> ""."""
    role = _translate(values, ROLES, "")
    bad = np.flatnonzero((role == "") & (values != ""))
    if bad.size:
        row = int(bad[0])
        raise OrgFileError(
            f"{rows.where(row)}: id {ids[row]!r} has role {values[row]!r}: allowed {', '.join(ROLE_NAMES)} "
            f"(or empty, to infer it){more(bad)}"
        )
    return role


def tie_seats(rows: Rows, index: pd.Index, chart_path: str) -> np.ndarray:
    a, b = index.get_indexer(rows.columns["a"]), index.get_indexer(rows.columns["b"])
    unknown = np.flatnonzero((a < 0) | (b < 0))
    if unknown.size:
        row = int(unknown[0])
        name = rows.columns["a"][row] if a[row] < 0 else rows.columns["b"][row]
        raise OrgFileError(f"{rows.where(row)}: id {name!r} is not in the org chart {chart_path}{more(unknown)}")
    own = np.flatnonzero(a == b)
    if own.size:
        raise OrgFileError(f"{rows.where(own[0])}: id {rows.columns['a'][own[0]]!r} is tied to itself{more(own)}")
    return np.column_stack([a, b])


# ------------------------------------------------------------------ the survey
def read_survey(cfg: FileOrgConfig, index: pd.Index) -> tuple[dict[str, np.ndarray], list[str]]:
    """The measured initial state: each variable rescaled to [0, 1], NaN where a seat has no answer."""
    path = cfg.survey
    rows = read_csv(path, cfg.encoding, cfg.max_file_mb, ("id",))
    present = [v for v in SURVEY_VARIABLES if v in rows.columns]
    if not present:
        raise OrgFileError(
            f"{path} line 1: no {', '.join(SURVEY_VARIABLES)} column (columns: {', '.join(rows.columns)})"
        )
    ids = rows.columns["id"]
    refuse_twice(ids, rows)
    seat = index.get_indexer(ids)
    known = seat >= 0
    if not known.any():
        raise OrgFileError(
            f"{path}: none of its {ids.size} ids is in the org chart (first: {ids[0]!r}): are they the same ids?"
        )
    state, notes = {}, []
    for name in present:
        raw = rows.columns[name]
        value = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero((raw != "") & ~np.isfinite(value))
        if bad.size:
            row = int(bad[0])
            raise OrgFileError(f"{rows.where(row)}: id {ids[row]!r} has {name}={raw[row]!r}, not a number{more(bad)}")
        answered = np.isfinite(value)
        scale, how = _scale(value[answered], cfg.survey_scale, name, path)
        lo, hi = SCALES[scale]
        outside = np.flatnonzero(answered & ((value < lo) | (value > hi)))
        if outside.size:
            row = int(outside[0])
            raise OrgFileError(
                f"{rows.where(row)}: id {ids[row]!r} has {name}={raw[row]} outside the {scale} scale "
                f"(org.survey_scale={cfg.survey_scale}){more(outside)}"
            )
        column = np.full(index.size, np.nan)
        use = known & answered
        column[seat[use]] = (value[use] - lo) / (hi - lo)
        state[name] = column
        notes.append(
            f"survey {path}: {name} on the {scale} scale ({how}), rescaled to 0-1 as (x - {lo:g}) / {hi - lo:g}, "
            f"for {int(use.sum())} of {index.size} seats"
        )
    if (~known).any():
        notes.append(
            f"survey {path}: {int((~known).sum())} ids not in the org chart ignored: {some(list(ids[~known]))}"
        )
    return state, notes


def _scale(values: np.ndarray, declared: str, name: str, path: str) -> tuple[str, str]:
    """The declared scale, or for ``auto`` the narrowest that holds every answer: 0-1, then 1-5, then 0-100."""
    if declared != "auto":
        return declared, "org.survey_scale"
    if values.size == 0:
        return "0-1", "no answers"
    lo, hi = float(values.min()), float(values.max())
    for scale in ("0-1", "1-5", "0-100"):
        if SCALES[scale][0] <= lo and hi <= SCALES[scale][1]:
            return scale, f"detected from values {lo:g}..{hi:g}"
    raise OrgFileError(
        f"{path}: {name} runs from {lo:g} to {hi:g}, which fits no scale (1-5, 0-100, 0-1): "
        "check the column or set org.survey_scale"
    )
