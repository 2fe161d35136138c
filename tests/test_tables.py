"""Tables for spreadsheets (sim.tables): text that would run as a formula is escaped, numbers stay numbers,
and a workbook opens with its sheets in order."""

import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from sim.tables import (
    FORMULA_START,
    SHEET_ROWS,
    SheetTooLongError,
    csv_bytes,
    escape_formula,
    spreadsheet_safe,
    xlsx_bytes,
)


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["=CMD()", "-5", "P1", None],
            "team_name": pd.Categorical(["@SUM(A1)", "Frontline 1.2", "@SUM(A1)", "+ops"]),
            "value": [-1.5, np.nan, 0.25, -3.0],
            "count": np.array([-2, 0, 1, 2], dtype=np.int64),
            "frontline": [True, False, True, False],
        }
    )


@pytest.mark.parametrize("start", FORMULA_START)
def test_text_that_begins_like_a_formula_gets_an_apostrophe(start):
    assert escape_formula(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["Frontline 1.2", "a=b", "'quoted", "", -5, -1.5, True, None])
def test_other_text_and_every_non_text_value_is_left_as_it_is(value):
    assert escape_formula(value) == value


def test_a_safe_table_keeps_numbers_flags_and_categories_as_they_are():
    table = _table()
    safe = spreadsheet_safe(table)
    assert safe["id"].tolist()[:3] == ["'=CMD()", "'-5", "P1"] and pd.isna(safe["id"].iloc[3])
    assert isinstance(safe["team_name"].dtype, pd.CategoricalDtype)
    assert safe["team_name"].tolist() == ["'@SUM(A1)", "Frontline 1.2", "'@SUM(A1)", "'+ops"]
    for name in ("value", "count", "frontline"):
        pd.testing.assert_series_equal(safe[name], table[name])
    assert table["id"].iloc[0] == "=CMD()"  # the table given is not changed


def test_categories_that_escaping_would_merge_stay_apart():
    safe = spreadsheet_safe(pd.DataFrame({"team": pd.Categorical(["=a", "'=a"])}))
    assert safe["team"].tolist() == ["'=a", "'=a"]  # both shown as text; neither category lost


def test_column_names_are_escaped_too():
    assert list(spreadsheet_safe(pd.DataFrame({"=x": [1], "y": [2]})).columns) == ["'=x", "y"]


def test_csv_escapes_formula_text_while_negative_numbers_stay_numbers():
    text = csv_bytes(_table()).decode("utf-8")
    assert text.splitlines()[1] == "'=CMD(),'@SUM(A1),-1.5,-2,True"
    back = pd.read_csv(io.StringIO(text))
    assert back["value"].dtype == np.float64 and back["value"].iloc[0] == -1.5
    assert back["count"].dtype == np.int64 and back["count"].iloc[0] == -2


def test_a_workbook_holds_escaped_text_numbers_as_numbers_and_empty_cells_for_nan():
    book = load_workbook(io.BytesIO(xlsx_bytes({"first": _table(), "second": pd.DataFrame({"a": [1]})})))
    assert book.sheetnames == ["first", "second"]
    sheet = book["first"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("id", "team_name", "value", "count", "frontline")
    assert rows[1] == ("'=CMD()", "'@SUM(A1)", -1.5, -2, True)
    assert rows[2] == ("'-5", "Frontline 1.2", None, 0, False)
    assert rows[4][0] is None
    assert sheet["A2"].data_type == "s" and sheet["C2"].data_type == "n"  # text, not a formula; a number


def test_a_workbook_drops_control_characters_it_cannot_hold():
    book = load_workbook(io.BytesIO(xlsx_bytes({"t": pd.DataFrame({"name": ["bell\x07 team"]})})))
    assert book["t"]["A2"].value == "bell team"


def test_a_table_longer_than_a_worksheet_is_refused_in_one_line():
    with pytest.raises(SheetTooLongError) as err:
        xlsx_bytes({"teams": pd.DataFrame({"a": np.zeros(SHEET_ROWS)})})
    message = str(err.value)
    assert "\n" not in message
    assert f"the teams sheet would need {SHEET_ROWS + 1:,} rows with its header, more than a worksheet's" in message
