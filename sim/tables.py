"""Tables written for people to open in a spreadsheet: CSV text and Excel workbooks whose text cells
cannot run as formulas.

A spreadsheet reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and some also
one that begins with a tab or a carriage return, so a team name or an id taken from a client's file
(``=HYPERLINK(...)``) would run when the file is opened (CSV injection). Following OWASP's guidance,
every text cell that begins with one of those characters is written with a leading apostrophe, which
spreadsheets show as text: ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``. Numbers are left as
numbers (``-0.5`` in a numeric column is a number, not a formula). The Parquet files programs read are
written as they are; docs/outputs.md lists what is escaped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

#: what a text cell may begin with that a spreadsheet reads as the start of a formula (OWASP)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: rows of an Excel worksheet, its header row included
SHEET_ROWS = 1_048_576
# control characters a workbook's XML cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, without its import)
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SheetTooLongError(ValueError):
    """A table with more rows than a worksheet holds (one line naming the sheet and its rows)."""


def escape_formula(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text beginning with one of ``FORMULA_START``;
    anything else (a number, a flag, a missing value, other text) as it is.

    Examples
    --------
    >>> escape_formula("=1+1"), escape_formula("-5"), escape_formula(-5), escape_formula("Frontline 1.2")
    ("'=1+1", "'-5", -5, 'Frontline 1.2')
    """
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def unescape_formulas(values: pd.Series) -> pd.Series:
    """Text cells as they were before :func:`escape_formula`: one leading apostrophe before a formula
    character dropped, so an id written ``'=CMD()`` (by this project or by any tool that follows OWASP)
    is read back as ``=CMD()`` and matches the same id written plainly in another file."""
    quoted = values.str.startswith("'").fillna(False).to_numpy(dtype=bool)
    if not quoted.any():  # the usual case, checked in one pass: a regex over every cell costs ~0.1 s a 100k
        return values
    out = values.copy()
    out[quoted] = values[quoted].str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    return out


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are escaped (:func:`escape_formula`).

    Only text and categorical columns are looked at, so numeric, boolean and date columns keep their
    type (a negative number stays a number). A categorical column stays categorical (its categories
    are escaped), unless escaping would make two categories equal.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
    """
    out = df.copy(deep=False)
    for position in range(df.shape[1]):
        column = df.iloc[:, position]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = column.cat.categories.map(escape_formula)
            if categories.is_unique:
                column = column.cat.rename_categories(categories)
            else:
                column = column.astype(object).map(escape_formula)
        elif pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
            column = column.map(escape_formula)
        else:
            continue
        out.isetitem(position, column)
    out.columns = [escape_formula(name) for name in df.columns]
    return out


def csv_bytes(df: pd.DataFrame, **options: Any) -> bytes:
    """``df`` as UTF-8 CSV without its index, escaped by :func:`spreadsheet_safe`.

    Parameters
    ----------
    df : pandas.DataFrame
    **options
        Passed to ``DataFrame.to_csv`` (``header=False``, ``sep=" "``...).

    Returns
    -------
    bytes
    """
    return spreadsheet_safe(df).to_csv(index=False, **options).encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook with one sheet per table, in the order given: a header row of column names,
    then one row per table row; cells escaped by :func:`spreadsheet_safe`, missing values (NaN) empty,
    and control characters a workbook cannot hold removed from text.

    Written by openpyxl in its write-only mode, which streams rows instead of keeping a cell object
    for each.

    Parameters
    ----------
    sheets : mapping of str to pandas.DataFrame
        Sheet name (at most 31 characters) -> table.

    Returns
    -------
    bytes
        The ``.xlsx`` file's content.

    Raises
    ------
    SheetTooLongError
        When a table has more rows than a worksheet holds (``SHEET_ROWS``, its header included).
    """
    from openpyxl import Workbook  # a quarter of a second to import, which runs writing only Parquet skip

    for name, df in sheets.items():
        if len(df) + 1 > SHEET_ROWS:
            raise SheetTooLongError(
                f"the {name} sheet would need {len(df) + 1:,} rows with its header, more than a worksheet's "
                f"{SHEET_ROWS:,}: write it as CSV or Parquet"
            )
    book = Workbook(write_only=True)
    for name, df in sheets.items():
        sheet = book.create_sheet(title=name)
        safe = spreadsheet_safe(df)
        sheet.append([_xml_text(label) for label in safe.columns])
        for row in zip(*(_cells(safe.iloc[:, i]) for i in range(safe.shape[1])), strict=True):
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cells(column: pd.Series) -> Iterable[Any]:
    """A column's values as plain Python values a workbook takes: None for a missing value."""
    values = column.astype(object).where(column.notna(), None).tolist()
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return values
    return [_xml_text(value) for value in values]


def _xml_text(value: Any) -> Any:
    return _NOT_IN_XML.sub("", value) if isinstance(value, str) else value
