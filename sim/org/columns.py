"""Which column of a client's table holds what: HR systems' header spellings, the ``org.columns`` mapping,
and ids as spreadsheets write them.

An HR export names its columns as its system does (``Employee Id``, ``Full Name``, ``Job Title``,
``Department``, ``Manager Id``...). A header is *recognised* when, lower-cased without spaces and
punctuation, it is one of a field's spellings in ``SPELLINGS``; ``org.columns.<field>`` names the
column outright and wins over recognition. Every recognised column is said in a note, so a
consultant sees what was taken for what; a required field nobody recognised is an error that
names the columns and the ``org.columns`` key to set.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: The fields a chart's columns can hold. ``manager`` holds ids or names; ``role`` the model's role
#: words (leader / frontline / back office); ``frontline`` and ``vacant`` true/false.
FIELDS = ("id", "manager", "name", "title", "department", "team", "role", "frontline", "vacant")

#: Header spellings per field, normalised (``key``), in order of preference: when two columns are
#: spellings of one field, the earlier spelling wins (a manager's id over a manager's name).
# fmt: off
SPELLINGS: dict[str, tuple[str, ...]] = {
    "id": (
        "id", "employeeid", "employeeno", "employeenumber", "employeecode", "empid", "empno", "empnumber",
        "eeid", "personid", "personnelnumber", "personnelno", "personnelid", "staffid", "staffnumber",
        "staffno", "workerid", "associateid", "userid", "badgeid", "badgenumber", "payrollid",
        "payrollnumber", "employee",
    ),
    "manager": (
        "managerid", "manageremployeeid", "manageremployeenumber", "managerempid", "managerno",
        "managernumber", "managercode", "reportstoid", "reportstoemployeeid", "supervisorid",
        "linemanagerid", "directmanagerid", "reportingmanagerid", "parentid", "bossid", "manager",
        "reportsto", "supervisor", "linemanager", "directmanager", "reportingmanager", "reportingto",
        "managername", "reportstoname", "supervisorname", "linemanagername", "boss",
    ),
    "name": (
        "name", "fullname", "employeename", "displayname", "preferredname", "workername", "personname",
        "staffname", "legalname", "employeefullname",
    ),
    "title": (
        "title", "jobtitle", "position", "positiontitle", "positionname", "businesstitle", "jobname",
        "job", "designation", "jobrole", "roletitle", "occupation", "jobprofile", "jobdescription",
    ),
    "department": (
        "department", "dept", "departmentname", "deptname", "division", "unit", "orgunit",
        "organisationunit", "organizationunit", "organisationalunit", "organizationalunit", "businessunit",
        "function", "section", "area", "costcenter", "costcentre", "costcentername", "costcentrename",
    ),
    "team": ("team", "teamname", "workgroup", "group", "squad", "crew"),
    "role": ("role", "modelrole", "simrole"),
    "frontline": ("frontline", "isfrontline", "customerfacing", "iscustomerfacing", "servescustomers"),
    "vacant": ("vacant", "isvacant", "vacancy", "positionvacant"),
}
# fmt: on
#: First and last name in two columns make the ``name`` when no column holds the whole name.
FIRST_NAMES = ("firstname", "givenname", "forename", "preferredfirstname")
LAST_NAMES = ("lastname", "surname", "familyname")
#: A float that is a whole number, as a spreadsheet writes an integer id ("1001.0").
_WHOLE_FLOAT = re.compile(r"^([+-]?\d+)\.0*$")


def key(header: str) -> str:
    """A header as compared with ``SPELLINGS``: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(header).lower())


def clean_ids(values: np.ndarray) -> np.ndarray:
    """Ids as text, with the ``.0`` a spreadsheet adds to whole numbers dropped (``1001.0`` -> ``1001``)."""
    text = pd.Series(values, dtype=object).astype(str)
    floats = text.str.contains(".", regex=False).to_numpy(dtype=bool)  # one plain pass; the regex only where needed
    if floats.any():
        text[floats] = text[floats].str.replace(_WHOLE_FLOAT, r"\1", regex=True)
    return text.to_numpy(dtype=object)


def recognise(headers: list[str], mapping: dict[str, str | None]) -> tuple[dict[str, str], list[str]]:
    """Each field's column: the one ``mapping`` names, else the recognised header; and what was recognised.

    Parameters
    ----------
    headers
        The table's column names as written in the file (stripped).
    mapping
        ``org.columns``: field -> a header (matched case- and space-insensitively) or None.

    Returns
    -------
    (columns, recognised)
        ``columns`` maps a field to its header in the file; ``recognised`` lists ``'Header' -> field``
        for the columns found by their spelling (a mapped column is not listed).

    Raises
    ------
    KeyError
        ``(field, header)`` of a mapping that names a column the table does not have.
    """
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(key(header), header)
    columns: dict[str, str] = {}
    for field, header in mapping.items():
        if header is None or header == "":
            continue
        found = by_key.get(key(header))
        if found is None:
            raise KeyError(field, header)
        columns[field] = found
    taken = set(columns.values())
    recognised = []
    for field in FIELDS:
        if field in columns or field in mapping and mapping[field] == "":
            continue
        found = next((by_key[s] for s in SPELLINGS[field] if s in by_key and by_key[s] not in taken), None)
        if found is not None:
            columns[field] = found
            taken.add(found)
            if key(found) != field:
                recognised.append(f"{found!r} -> {field}")
    return columns, recognised


def name_parts(headers: list[str]) -> tuple[str, str] | None:
    """The first-name and last-name headers, when a table has both."""
    by_key = {key(h): h for h in headers}
    first = next((by_key[s] for s in FIRST_NAMES if s in by_key), None)
    last = next((by_key[s] for s in LAST_NAMES if s in by_key), None)
    return (first, last) if first and last else None


def id_suggestion(columns: dict[str, np.ndarray], taken: set[str]) -> str | None:
    """The column most likely to be the people's id: every value present and unique, the fewest
    characters on average (ids are short codes, names are longer), among the columns not taken."""
    best, best_length = None, np.inf
    for header, values in columns.items():
        if header in taken or values.size == 0 or (values == "").any() or pd.Index(values).has_duplicates:
            continue
        length = float(np.mean([len(v) for v in values]))
        if length < best_length:
            best, best_length = header, length
    return best


def option(field: str, header: str) -> str:
    """The ``org.columns`` override that maps ``header`` to ``field``, quoted for a shell when needed."""
    text = f"org.columns.{field}={header}"
    return f"'{text}'" if re.search(r"[^\w.=\-]", text) else text
