"""A client's org chart as their HR system exports it (sim.org.readers, sim.org.columns, sim.org.job_roles):
headers as the system spells them or mapped in one setting, Excel workbooks, managers by name, ids a
spreadsheet made floats, frontline or back office from titles and departments, teams named from what
the export has, and a terminal-safe ``check``."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.config import load_config, typed_org
from sim.org.files import OrgFileError, import_org

ROOT = Path(__file__).resolve().parent.parent

# A 40-person retailer as an HR system exports it: no role, frontline or team column; who serves
# customers is only in the job titles and departments.
PEOPLE = [
    # id, name, title, department, manager's id
    (1001, "Maria Keller", "Chief Executive Officer", "Executive", None),
    (1002, "Tom Baker", "Executive Assistant", "Executive", 1001),
    (1003, "Ana Silva", "Chief Financial Officer", "Finance", 1001),
    (1004, "Jon Reyes", "Head of Stores", "Retail Operations", 1001),
    (1005, "Lea Novak", "HR Director", "Human Resources", 1001),
]
PEOPLE += [(1006 + i, f"Fin Analyst {i}", "Financial Analyst", "Finance", 1003) for i in range(4)]
PEOPLE += [(1010 + i, f"HR Partner {i}", "HR Business Partner", "Human Resources", 1005) for i in range(3)]
STORES = [(1013, "Store Manager North"), (1014, "Store Manager South"), (1015, "Store Manager East")]
PEOPLE += [(sid, f"Sam {name.split()[-1]}", name, "Retail Operations", 1004) for sid, name in STORES]
for k, (sid, _) in enumerate(STORES):
    PEOPLE += [
        (1016 + 8 * k + j, f"Clerk {k}-{j}", "Cashier" if j % 2 else "Sales Associate", "Stores", sid) for j in range(8)
    ]
assert len(PEOPLE) == 39
PEOPLE.append((1040, "IT Support", "IT Support Specialist", "Information Technology", 1003))


def export_frame(manager_by: str = "id") -> pd.DataFrame:
    """The export as a table: HR-style headers; managers by id or by name."""
    names = {pid: name for pid, name, *_ in PEOPLE}
    manager = ["" if m is None else (names[m] if manager_by == "name" else str(m)) for *_, m in PEOPLE]
    return pd.DataFrame(
        {
            "Employee Id": [str(p[0]) for p in PEOPLE],
            "Full Name": [p[1] for p in PEOPLE],
            "Job Title": [p[2] for p in PEOPLE],
            "Department": [p[3] for p in PEOPLE],
            ("Manager Id" if manager_by == "id" else "Reports To"): manager,
        }
    )


def file_cfg(path, *over: str):
    overrides = ["org=from_file", f"org.path='{path}'", *over]
    return OmegaConf.to_object(typed_org(load_config(overrides).org))


def load(path, *over: str):
    return import_org(file_cfg(path, *over), np.random.default_rng(0))


def refused(path, *over: str) -> str:
    with pytest.raises(OrgFileError) as err:
        load(path, *over)
    assert "\n" not in str(err.value)
    return str(err.value)


def by_id(imported, pid) -> int:
    return int(np.flatnonzero(imported.ids == str(pid))[0])


def assert_the_retailer(imported):
    """The structure, kinds and names every form of the export must give."""
    org = imported.org
    assert org.n == 40
    ceo, head = by_id(imported, 1001), by_id(imported, 1004)
    assert org.manager[ceo] == -1 and org.manager[by_id(imported, 1013)] == head
    front = dict(zip(imported.team_names, org.frontline_team & (org.team_size > 1), strict=True))
    # the stores serve customers; finance, HR and the executive's team (its one staff member is the
    # assistant) do not: 24 of 34 staff are customer-facing, not all of them
    assert sum(front.values()) == 3
    assert int(org.frontline.sum()) == 24
    team_of = {name: t for t, name in enumerate(imported.team_names)}
    assert not front[imported.team_names[org.leads[by_id(imported, 1003)]]]
    assert "" not in set(imported.team_names) and len(set(imported.team_names)) == org.n_teams
    return team_of


def test_an_hr_export_with_its_own_headers_imports_without_settings_and_says_what_it_recognised(tmp_path):
    path = tmp_path / "export.csv"
    export_frame().to_csv(path, index=False)
    imported = load(path)
    assert_the_retailer(imported)
    notes = " | ".join(imported.org.notes)
    for said in ("'Employee Id' -> id", "'Manager Id' -> manager", "'Job Title' -> title", "'Full Name' -> name"):
        assert said in notes
    assert "read as frontline or back office from their job title" in notes


def test_headers_nobody_recognises_are_mapped_in_one_setting_and_the_error_says_which(tmp_path):
    frame = export_frame().rename(columns={"Employee Id": "Personnel Key", "Manager Id": "Supervisor Key"})
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    message = refused(path)
    assert "no column of people's ids recognised" in message
    assert "'org.columns.id=Personnel Key'" in message  # the unique short column is suggested
    message = refused(path, "org.columns.id=Personnel Key")
    assert "'org.columns.manager=Supervisor Key'" in message  # the column whose values are ids
    assert_the_retailer(load(path, "org.columns.id=Personnel Key", "org.columns.manager=Supervisor Key"))
    assert "org.columns.id='Staff Code' names no column" in refused(path, "org.columns.id=Staff Code")


def test_an_excel_export_imports_from_the_sheet_asked_for_below_a_title_row(tmp_path):
    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["Headcount report"])
    sheet = book.create_sheet("Staff")
    sheet.append(["Employee list exported 2026-11-30"])  # a title row above the header
    frame = export_frame()
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        # ids as numbers, as Excel keeps them; the top's manager an empty cell
        sheet.append([float(row[0]), row[1], row[2], row[3], float(row[4]) if row[4] else None])
    book.save(path)
    assert_the_retailer(load(path, "org.sheet=Staff"))
    assert_the_retailer(load(path, "org.sheet=1"))
    assert "no sheet 'Payroll': set org.sheet to one of 'Summary', 'Staff'" in refused(path, "org.sheet=Payroll")
    # the first sheet holds no chart: the error points at the others
    assert refused(path).endswith("or is the chart on another sheet ('Staff')? set org.sheet")


def test_a_workbook_saved_under_a_csv_name_says_how_to_read_it(tmp_path):
    path = tmp_path / "export.csv"
    book = openpyxl.Workbook()
    book.active.append(["id", "manager_id"])
    book.save(path)
    message = refused(path)
    assert "is an Excel workbook (xlsx)" in message and "org.format=xlsx" in message
    assert "encoding" not in message


def test_managers_given_by_name_are_found_and_a_shared_name_is_refused_naming_both_rows(tmp_path):
    path = tmp_path / "export.csv"
    export_frame("name").to_csv(path, index=False)
    imported = load(path)
    assert_the_retailer(imported)
    assert any("managers: 39 given by name" in note for note in imported.org.notes)

    frame = export_frame("name")
    frame.loc[frame["Employee Id"] == "1040", "Full Name"] = "Ana Silva"  # a second Ana Silva
    frame.to_csv(path, index=False)
    message = refused(path)
    assert "reports to 'Ana Silva', the name of 2 people (lines 4, 41)" in message
    assert "give that manager by id" in message


def test_last_first_names_and_float_ids_match(tmp_path):
    chart = tmp_path / "chart.csv"
    chart.write_text(
        'Emp No,Name,Manager\n1.0,"Keller, Maria",\n2.0,Tom Baker,Maria Keller\n3.0,Ana Silva,2.0\n',
        encoding="utf-8",
    )
    imported = load(chart)
    assert imported.ids.tolist() == ["1", "2", "3"]
    assert imported.org.manager.tolist() == [-1, 0, 1]


def test_titles_decide_the_kind_with_the_longest_phrase_and_a_consultant_can_extend_the_table(tmp_path):
    chart = tmp_path / "chart.csv"
    rows = ["id,manager,title", "boss,,Director"]
    rows += [f"a{i},boss,Ride Operator" for i in range(3)]  # no phrase in the shipped table
    chart.write_text("\n".join(rows) + "\n", encoding="utf-8")
    default = load(chart, "org.unlabelled_staff=back_office")
    assert not default.org.frontline_team[0]
    own = tmp_path / "our_roles.yaml"
    own.write_text("frontline: [ride operator]\n", encoding="utf-8")
    extended = load(chart, "org.unlabelled_staff=back_office", f"org.job_roles='{own}'")
    assert extended.org.frontline_team[0]
    assert extended.team_kinds[0] == "3 of 3 staff"
    # "sales assistant" (frontline) is longer than "assistant" (back office)
    chart.write_text("id,manager,title\nboss,,Director\na,boss,Sales Assistant\n", encoding="utf-8")
    assert load(chart, "org.unlabelled_staff=back_office").org.frontline_team[0]
    bad = tmp_path / "bad.yaml"
    bad.write_text("frontline: ride operator\n", encoding="utf-8")
    with pytest.raises(Exception, match="frontline must be a list of phrases"):
        load(chart, f"org.job_roles='{bad}'")


def test_teams_are_named_from_team_then_department_then_leader_never_blank(tmp_path):
    path = tmp_path / "export.csv"
    frame = export_frame()
    frame.to_csv(path, index=False)
    names = set(load(path).team_names)
    # no team column: the leaders' departments; the three stores share one, so their leaders tell them apart
    assert {"Executive", "Finance", "Human Resources"} <= names
    assert {"Retail Operations (Sam North)", "Retail Operations (Sam South)"} <= names
    frame.drop(columns="Department").to_csv(path, index=False)
    assert "Maria Keller's team" in set(load(path).team_names)
    frame.drop(columns=["Department", "Full Name"]).to_csv(path, index=False)
    assert "Chief Executive Officer's team" in set(load(path).team_names)
    frame.drop(columns=["Department", "Full Name", "Job Title"]).to_csv(path, index=False)
    assert "team of 1001" in set(load(path).team_names)


def test_a_model_role_column_keeps_its_strict_check_and_an_hr_role_column_is_read_as_titles(tmp_path):
    chart = tmp_path / "chart.csv"
    chart.write_text("id,manager,role\nboss,,Director\na,boss,Cashier\nb,boss,Cashier\n", encoding="utf-8")
    imported = load(chart, "org.unlabelled_staff=back_office")
    assert imported.org.frontline_team[0]
    assert any("column 'role' holds job titles" in note for note in imported.org.notes)


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.org", "check", *args, "--no-picture"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_prints_client_text_escaped_and_states_each_teams_kind(tmp_path):
    chart = tmp_path / "chart.csv"
    chart.write_text(
        "id,manager,title,team\nboss,,Director,\x1b[2J\x1b[31mRed team\u202e\na,boss,Cashier,\nb,boss,Cashier,\n",
        encoding="utf-8",
    )
    done = run_check(str(chart))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    assert "\\x1b[2J\\x1b[31mRed team\\u202e" in done.stdout
    assert "frontline" in done.stdout and "(2 of 2 staff)" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("id,manager\n\x1b[31mX,\nY,nobody\n", encoding="utf-8")
    done = run_check(str(bad))
    assert done.returncode == 2 and "\x1b" not in done.stderr


def test_check_takes_a_column_mapping_and_a_sheet(tmp_path):
    path = tmp_path / "export.xlsx"
    frame = export_frame().rename(columns={"Employee Id": "Personnel Key"})
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="People", index=False)
    done = run_check(str(path), "--sheet", "People", "--column", "id=Personnel Key")
    assert done.returncode == 0, done.stderr
    assert "seats: 40" in done.stdout and "Finance" in done.stdout
    done = run_check(str(path), "--column", "identifier=Personnel Key")
    assert done.returncode == 2 and "FIELD one of id, manager" in done.stderr


def test_team_names_stay_unique_when_the_file_repeats_them_and_the_team_table_carries_them(tmp_path):
    from sim.run import run

    chart = tmp_path / "chart.csv"
    # two leaders of one name whose teams carry one team name: told apart by number
    rows = ["id,manager,name,team", "1,,Boss,Top", "2,1,Pat Lee,Sales", "3,1,Pat Lee,Sales"]
    rows += [f"{10 + i},{2 + i % 2},Clerk {i},Sales" for i in range(4)]
    chart.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cfg = load_config(["org=from_file", f"org.path='{chart}'", "steps=2"])
    names = load(chart).team_names.tolist()
    assert names == ["Top", "Sales (Pat Lee)", "Sales (Pat Lee) (2)"]
    table = run(cfg).teams
    assert table.loc[table["step"] == 2, "team_name"].astype(str).tolist() == names
