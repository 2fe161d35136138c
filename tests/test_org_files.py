"""Bring your own org chart (sim.org.files): round trips through every format, roles, ties, survey,
and one clear refusal per kind of bad input."""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.config import ConfigError, load_config, typed_org
from sim.model import ServiceCultureModel
from sim.org import build_org
from sim.org.files import OrgFileError, import_org, org_table, write_org

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "org"


def generated(seed: int = 3, **over):
    cfg = OmegaConf.merge(load_config(["org=small_team"]).org, over)
    org = build_org(cfg, np.random.default_rng(seed))
    return org, np.array([f"P{i:04d}" for i in range(org.n)], dtype=object)


def file_cfg(path, **over):
    """The typed org node of ``org=from_file org.path=path`` with ``over`` set."""
    overrides = ["org=from_file", f"org.path='{path}'"] + [f"org.{k}={v}" for k, v in over.items()]
    return OmegaConf.to_object(typed_org(load_config(overrides).org))


def load(path, **over):
    return import_org(file_cfg(path, **over), np.random.default_rng(0))


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path, **over) -> str:
    with pytest.raises(OrgFileError) as err:
        load(path, **over)
    message = str(err.value)
    assert "\n" not in message
    return message


def assert_same_structure(original, ids, imported):
    """Manager structure, levels, teams and frontline flags agree, matched by id (seat order may differ)."""
    got = imported.org
    seat = pd.Index(imported.ids).get_indexer(ids)  # original seat -> imported seat
    assert (seat >= 0).all() and got.n == original.n
    child = original.manager >= 0
    assert np.array_equal(got.manager[seat][child], seat[original.manager[child]])
    assert (got.manager[seat][~child] == -1).all()
    assert np.array_equal(got.level[seat], original.level)
    # same team partition: each seat's team is led by the same person
    assert np.array_equal(got.team_leader[got.team[seat]], seat[original.team_leader[original.team]])
    assert np.array_equal(got.frontline[seat], original.frontline)
    assert np.array_equal(got.backoffice[seat], original.backoffice)
    assert np.array_equal(got.initially_filled[seat], original.initially_filled & original.initially_open)


def same_peer_ties(original, ids, imported) -> bool:
    seat = pd.Index(imported.ids).get_indexer(ids)
    moved = imported.org.peer_ties[seat][:, seat]
    return (moved != original.peer_ties).nnz == 0


# ------------------------------------------------------------------ round trips
def test_round_trip_through_csv(tmp_path):
    org, ids = generated()
    write_org(org, tmp_path / "chart.csv", "csv", ids=ids)
    imported = load(tmp_path / "chart.csv")
    assert_same_structure(org, ids, imported)
    assert imported.format == "csv" and not imported.peer_ties_from_file


def test_round_trip_through_graphml_keeps_the_peer_ties(tmp_path):
    org, ids = generated(seed=4)
    write_org(org, tmp_path / "chart.graphml", "graphml", ids=ids)
    imported = load(tmp_path / "chart.graphml")
    assert_same_structure(org, ids, imported)
    assert imported.peer_ties_from_file and same_peer_ties(org, ids, imported)
    assert imported.org.cross_ties.nnz == 0  # the file's network is the whole informal network


def test_round_trip_through_an_edge_list_with_roles_and_ties_files(tmp_path):
    org, ids = generated(seed=5)
    chart, roles, ties = tmp_path / "chart.txt", tmp_path / "roles.csv", tmp_path / "ties.csv"
    write_org(org, chart, "edgelist", ids=ids, roles=roles, ties=ties)
    imported = load(chart, roles=f"'{roles}'", ties=f"'{ties}'")
    assert imported.format == "edgelist"
    assert_same_structure(org, ids, imported)
    assert same_peer_ties(org, ids, imported)


@pytest.mark.parametrize("fmt", ["csv", "edgelist"])
def test_ids_that_look_like_formulas_are_written_as_text_and_the_files_still_agree(tmp_path, fmt):
    """An id a spreadsheet would run (``=CMD()``) is written ``'=CMD()`` in every text file (sim.tables), so a
    client who opens the template runs nothing, and the chart, roles and ties still name the same seats. The
    reader drops the escape: the ids come back as they were."""
    org, ids = generated(seed=5)
    ids[:4] = ["=CMD()", "-5", "+1", "@SUM(A1)"]
    chart, roles, ties = (
        tmp_path / f"chart.{'txt' if fmt == 'edgelist' else 'csv'}",
        tmp_path / "r.csv",
        tmp_path / "t.csv",
    )
    write_org(org, chart, fmt, ids=ids, roles=roles if fmt == "edgelist" else None, ties=ties)
    assert "=CMD()" not in chart.read_text().replace("'=CMD()", "")
    files = {"roles": f"'{roles}'"} if fmt == "edgelist" else {}
    imported = load(chart, ties=f"'{ties}'", **files)
    assert_same_structure(org, ids, imported)
    assert same_peer_ties(org, ids, imported)


def test_a_bigger_generated_org_round_trips_with_vacancies(tmp_path):
    org, ids = generated(seed=6, departments=3, teams_per_department=3, team_size=12, vacancy_share=0.2)
    write_org(org, tmp_path / "chart.csv", "csv", ids=ids)
    imported = load(tmp_path / "chart.csv")
    assert_same_structure(org, ids, imported)
    assert (~imported.org.initially_filled).sum() == (~(org.initially_filled & org.initially_open)).sum() > 0


# ------------------------------------------------------------------ roles, ties, internal service, survey
def test_roles_are_inferred_when_the_file_has_none_and_the_summary_says_so(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\nhead,ceo\na,head\nb,head\nc,ceo\n")
    imported = load(chart)
    org = imported.org
    assert org.is_leader.tolist() == [True, True, False, False, False]
    assert any("inferred: whoever has reports is a leader" in note for note in org.notes)
    assert org.frontline.tolist() == [False, False, True, True, True]  # org.unlabelled_staff=frontline
    back = load(chart, unlabelled_staff="back_office").org
    assert not back.frontline.any() and back.backoffice.sum() == 3


def test_a_team_follows_its_leaders_mark_then_its_staffs_majority(tmp_path):
    chart = write(
        tmp_path,
        "chart.csv",
        "id,manager_id,role,frontline\n"
        "ceo,,leader,\n"
        "desk,ceo,leader,true\n"  # the leader's mark decides, whatever the staff say
        "d1,desk,back office,\nd2,desk,,\n"
        "ops,ceo,,\n"  # no mark on the leader: most of the marked staff are back office
        "o1,ops,back office,\no2,ops,back office,\no3,ops,frontline,\no4,ops,,\n",
    )
    org = load(chart).org
    lead = {name: org.leads[i] for i, name in enumerate(["ceo", "desk", "d1", "d2", "ops"]) if org.leads[i] >= 0}
    assert org.frontline_team[lead["desk"]] and not org.frontline_team[lead["ops"]]
    assert not org.frontline_team[lead["ceo"]]  # a team of leaders only
    assert any("marked differently from most of their team" in note for note in org.notes)


def test_without_a_ties_file_peers_are_generated_inside_teams(tmp_path):
    org, ids = generated()
    write_org(org, tmp_path / "chart.csv", "csv", ids=ids)
    dense = load(tmp_path / "chart.csv", peer_tie_prob=1.0).org
    peer = dense.peer_ties.tocoo()
    assert peer.nnz > 0 and (dense.manager[peer.row] == dense.manager[peer.col]).all()
    # a complete graph among everyone who shares a manager (both directions of each pair stored)
    reports = np.bincount(dense.manager[dense.manager >= 0], minlength=dense.n)
    assert dense.peer_ties.nnz == int((reports * (reports - 1)).sum())
    assert load(tmp_path / "chart.csv", peer_tie_prob=0.0, cross_ties_per_person=0.0).org.ties.nnz == 0


def test_back_office_teams_serve_frontline_teams_of_their_own_department(tmp_path):
    imported = load(EXAMPLE / "harbour_hotel.csv", served_teams=5)
    org, names = imported.org, imported.team_names
    links = org.serves.tocoo()
    pairs = {(names[b], names[f]) for f, b in zip(links.row, links.col, strict=True)}
    # housekeeping (rooms division) serves the rooms division's frontline teams, the kitchen the F&B ones
    assert pairs >= {("Housekeeping", "Front Desk"), ("Housekeeping", "Guest Services")}
    assert pairs >= {("Kitchen", "Restaurant"), ("Kitchen", "Bar")}
    dept = org.department[org.team_leader]
    inside = [
        dept[b] == dept[f] for f, b in zip(links.row, links.col, strict=True) if names[b] != "Finance & HR office"
    ]
    assert all(inside)


def test_ties_file_becomes_the_peer_network(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\nb,ceo\nc,ceo\n")
    ties = write(tmp_path, "advice.txt", "# advice network\nsource target\na b\nb c   2.0\n\n")
    org = load(chart, ties=f"'{ties}'").org
    assert org.peer_ties.nnz == 4 and org.peer_ties[1, 2] == 1 and org.peer_ties[2, 3] == 1
    assert org.cross_ties.nnz == 0


def test_graphml_edges_of_other_kinds_are_peer_ties_and_edges_may_point_down(tmp_path):
    chart = write(
        tmp_path,
        "chart.graphml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<key id="r" for="node" attr.name="role" attr.type="string"/>\n'
        '<key id="k" for="edge" attr.name="kind" attr.type="string"/>\n'
        '<graph edgedefault="directed">\n'
        '<node id="boss"/><node id="x"><data key="r">back office</data></node><node id="y"/>\n'
        '<edge source="boss" target="x"/><edge source="boss" target="y"/>\n'
        '<edge source="x" target="y"><data key="k">friendship</data></edge>\n'
        "</graph></graphml>\n",
    )
    org = load(chart, edge_direction="manager_to_report").org
    assert org.manager.tolist() == [-1, 0, 0]
    assert org.peer_ties[1, 2] == 1 and org.peer_ties.nnz == 2
    assert org.backoffice.tolist() == [False, True, True]  # y takes the kind of its team's marked staff
    assert any("friendship are peer ties" in note for note in org.notes)


def test_survey_is_rescaled_per_column_and_stated(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\nb,ceo\nc,ceo\n")
    survey = write(tmp_path, "survey.csv", "id,engagement,trust,orientation\na,1,0,\nb,5,100,40\nc,3,50,80\n")
    imported = load(chart, survey=f"'{survey}'")
    state = imported.initial_state
    assert state["engagement"][1:].tolist() == [0.0, 1.0, 0.5]  # 1-5 detected
    assert state["trust"][1:].tolist() == [0.0, 1.0, 0.5]  # 0-100 detected
    assert np.isnan(state["orientation"][1]) and state["orientation"][2:].tolist() == [0.4, 0.8]
    assert np.isnan(state["engagement"][0])  # the ceo did not answer
    notes = " | ".join(imported.org.notes)
    assert "engagement on the 1-5 scale" in notes and "trust on the 0-100 scale" in notes
    declared = load(chart, survey=f"'{survey}'", survey_scale="0-100").initial_state
    assert declared["engagement"][1:].tolist() == [0.01, 0.05, 0.03]


def test_the_model_starts_from_the_surveyed_state(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\nb,ceo\nc,ceo\n")
    survey = write(tmp_path, "survey.csv", "id,engagement,orientation\na,2,4\nb,4,\n")
    cfg = load_config(["org=from_file", f"org.path='{chart}'", f"org.survey='{survey}'"])
    drawn = ServiceCultureModel(load_config(["org=from_file", f"org.path='{chart}'"]), seed=1, space=False)
    model = ServiceCultureModel(cfg, seed=1, space=False)
    p = model.people
    assert p.engagement[1:3].tolist() == [0.25, 0.75]
    assert p.orientation[1] == 0.75 and p.disposition[1] == 0.75
    # seats without an answer keep what the labour market drew
    assert p.orientation[2] == drawn.people.orientation[2] and p.engagement[3] == drawn.people.engagement[3]
    agent = model.agent_at(1)
    assert agent.engagement == 0.25  # the Mesa agent is a view of the same arrays


def test_initial_state_is_checked():
    cfg = load_config(["org=small_team"])
    with pytest.raises(ValueError, match="not a person variable"):
        ServiceCultureModel(cfg, seed=1, space=False, initial_state={"happiness": np.zeros(39)})
    with pytest.raises(ValueError, match=r"must be 39 values in \[0, 1\]"):
        ServiceCultureModel(cfg, seed=1, space=False, initial_state={"trust": np.full(39, 2.0)})


def test_same_files_and_seed_give_the_same_org(tmp_path):
    org, ids = generated()
    write_org(org, tmp_path / "chart.csv", "csv", ids=ids)
    a = import_org(file_cfg(tmp_path / "chart.csv"), np.random.default_rng(9)).org
    b = import_org(file_cfg(tmp_path / "chart.csv"), np.random.default_rng(9)).org
    assert (a.ties != b.ties).nnz == 0 and (a.serves != b.serves).nnz == 0


def test_org_table_marks_leaders_by_the_kind_of_team_they_lead():
    org, ids = generated()
    table = org_table(org, ids)
    leaders = table[table["role"] == "leader"]
    assert len(leaders) == org.is_leader.sum()
    assert leaders["frontline"].sum() == org.frontline_team.sum()


# ------------------------------------------------------------------ one refusal per kind of bad input
def test_missing_manager_id_names_file_line_and_ids(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\nb,nobody\n")
    message = refused(chart)
    assert f"{chart} line 4: id 'b' reports to 'nobody', who is not in the file" in message


def test_cycle_names_every_id_in_it(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\nx,z\ny,x\nz,y\n")
    message = refused(chart)
    assert "reporting lines go round in a cycle" in message and f"{chart} lines" in message
    assert all(f"'{name}'" in message for name in "xyz") and "'a'" not in message
    for line in ("4", "5", "6"):
        assert line in message.split(":")[0]


def test_more_than_one_root_offers_a_virtual_executive(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nnorth,\nsouth,\na,north\nb,south\n")
    message = refused(chart)
    assert "2 people have no manager: 'north' (line 2), 'south' (line 3)" in message
    assert "org.virtual_root=true" in message
    imported = load(chart, virtual_root=True)
    org = imported.org
    assert org.n == 5 and org.manager.tolist() == [4, 4, 0, 1, -1] and imported.ids[4] == "(virtual executive)"
    assert org.level.tolist() == [1, 1, 2, 2, 0] and org.initially_filled.all()
    assert any("added a virtual executive" in note for note in org.notes)


def test_duplicate_ids_name_both_lines(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\nb,ceo\na,b\n")
    assert f"{chart} line 5: id 'a' appears again (first on line 3)" in refused(chart)


def test_self_report_is_refused(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,a\n")
    assert f"{chart} line 3: id 'a' reports to itself" in refused(chart)


def test_unknown_role_lists_the_allowed_ones(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id,role\nceo,,leader\na,ceo,Front-Line\nb,ceo,wizard\n")
    message = refused(chart)
    assert f"{chart} line 4: id 'b' has role 'wizard': allowed leader, frontline, back office" in message


def test_unknown_role_in_a_roles_file_names_that_file(tmp_path):
    chart = write(tmp_path, "chart.txt", "a ceo\nb ceo\n")
    roles = write(tmp_path, "roles.csv", "id,role\nceo,leader\nb,janitor\n")
    assert f"{roles} line 3: id 'b' has role 'janitor'" in refused(chart, roles=f"'{roles}'")


def test_non_numeric_survey_value(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\n")
    survey = write(tmp_path, "survey.csv", "id,engagement,trust\nceo,4,5\na,high,3\n")
    message = refused(chart, survey=f"'{survey}'")
    assert f"{survey} line 3: id 'a' has engagement='high', not a number" in message


def test_survey_value_outside_the_declared_scale(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\n")
    survey = write(tmp_path, "survey.csv", "id,trust\nceo,4\na,7\n")
    assert f"{survey} line 3: id 'a' has trust=7 outside the 1-5 scale" in refused(
        chart, survey=f"'{survey}'", survey_scale="1-5"
    )


@pytest.mark.parametrize("text", ["", "   \n\n"])
def test_empty_file(tmp_path, text):
    chart = write(tmp_path, "chart.csv", text)
    assert refused(chart) == f"{chart} is empty"


def test_header_without_rows(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\n")
    assert refused(chart) == f"{chart} has a header but no rows"


def test_wrong_encoding_names_the_line_and_the_fix(tmp_path):
    chart = tmp_path / "chart.csv"
    chart.write_bytes("id,manager_id,team\nceo,,Direction\na,ceo,Réception\n".encode("cp1252"))
    message = refused(chart)
    assert f"{chart} line 3: byte 0xe9 is not utf-8 text" in message and "org.encoding" in message
    assert load(chart, encoding="cp1252").team_names.tolist() == ["Direction"]


def test_file_over_the_size_limit(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\n" + "".join(f"p{i},ceo\n" for i in range(200)))
    message = refused(chart, max_file_mb=0.001)
    assert message.startswith(f"{chart} is 0.0 MB, over the limit of 0.001 MB") and "org.max_file_mb" in message
    assert load(chart).org.n == 201


def test_missing_file(tmp_path):
    assert refused(tmp_path / "nope.csv") == f"{tmp_path / 'nope.csv'}: no such file"


def test_second_manager_in_an_edge_list_suggests_the_edge_direction(tmp_path):
    chart = write(tmp_path, "chart.txt", "ceo a\nceo b\n")  # written manager first
    message = refused(chart)
    assert f"{chart} line 2: id 'ceo' reports to a second manager 'b'" in message
    assert "org.edge_direction=manager_to_report" in message
    assert load(chart, edge_direction="manager_to_report").org.manager.tolist() == [-1, 0, 0]


def test_tie_to_an_unknown_person(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo\n")
    ties = write(tmp_path, "ties.csv", "a,ceo\na,ghost\n")
    assert f"{ties} line 2: id 'ghost' is not in the org chart" in refused(chart, ties=f"'{ties}'")


def test_malformed_graphml(tmp_path):
    chart = write(tmp_path, "chart.graphml", "<graphml>\n<graph>\n<node id='a'>\n</graph>\n")
    assert refused(chart).startswith(f"{chart} line 4: not well-formed XML")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="r" for="node" attr.name="role" attr.type="string"/>
<graph edgedefault="directed"><node id="a"><data key="r">&lol9;</data></node></graph>
</graphml>
"""


def test_billion_laughs_graphml_is_refused_quickly(tmp_path):
    chart = write(tmp_path, "hostile.graphml", BILLION_LAUGHS)
    start = time.perf_counter()
    # a subprocess with a timeout: were the entities expanded, this would not hang the suite
    done = subprocess.run(
        [sys.executable, "-m", "sim.org", "check", str(chart), "--out", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {chart} line 2: refused: the file declares a DTD or entities")
    assert "Traceback" not in done.stderr and not (tmp_path / "x.png").exists()
    assert time.perf_counter() - start < 60
    cfg = file_cfg(chart)
    in_process = time.perf_counter()
    with pytest.raises(OrgFileError, match="refused"):
        import_org(cfg, np.random.default_rng(0))
    assert time.perf_counter() - in_process < 1.0


def test_config_needs_only_what_a_file_import_needs():
    with pytest.raises(ConfigError, match="org.path has no value"):
        load_config(["org=from_file"])
    with pytest.raises(ConfigError, match="org.departments"):
        load_config(["org=from_file", "org.path=x.csv", "+org.departments=3"])
    with pytest.raises(ConfigError, match=r"org.max_file_mb=0.0 is out of range"):
        load_config(["org=from_file", "org.path=x.csv", "org.max_file_mb=0"])
    with pytest.raises(ConfigError, match="org.format='docx' is not allowed"):
        load_config(["org=from_file", "org.path=x.csv", "org.format=docx"])
    with pytest.raises(ConfigError, match="org.virtual_root"):
        load_config(["org=from_file", "org.path=x.csv", "org.virtual_root=maybe"])
    cfg = load_config(["org=from_file", "org.path=x.csv"])
    assert cfg.org.source == "file" and "departments" not in cfg.org


def test_unknown_extension_asks_for_the_format(tmp_path):
    chart = write(tmp_path, "chart.dat", "a ceo\n")
    assert "set org.format to csv, xlsx, graphml or edgelist" in refused(chart)
    assert load(chart, format="edgelist").org.n == 2


# ------------------------------------------------------------------ the command lines
def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_run_on_an_imported_org_writes_its_outputs(tmp_path):
    out = tmp_path / "run"
    done = run(
        "-m",
        "sim",
        "org=from_file",
        f"org.path={EXAMPLE / 'harbour_hotel.csv'}",
        f"org.ties={EXAMPLE / 'harbour_hotel_advice.csv'}",
        f"org.survey={EXAMPLE / 'harbour_hotel_survey.csv'}",
        "steps=6",
        f"hydra.run.dir={out}",
        "output.progress=false",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["org"]["seats"] == 46 and summary["org"]["teams"] == 11
    notes = " | ".join(summary["org"]["notes"])
    assert "imported" in notes and "peer ties: 75 from" in notes and "rescaled to 0-1" in notes
    assert summary["config"]["org"]["source"] == "file"
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 6
    assert (out / "figures" / "network.png").exists()


def test_a_run_on_a_bad_file_stops_before_it_starts(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,a\n")
    out = tmp_path / "run"
    done = run("-m", "sim", "org=from_file", f"org.path={chart}", f"hydra.run.dir={out}", cwd=tmp_path)
    assert done.returncode != 0
    assert done.stderr.strip() == f"error: {chart} line 3: id 'a' reports to itself"
    assert not (out / "summary.json").exists() and not (out / "timeseries.parquet").exists()


def test_check_prints_the_summary_and_writes_the_picture(tmp_path):
    png = tmp_path / "hotel.png"
    done = run(
        "-m",
        "sim.org",
        "check",
        str(EXAMPLE / "harbour_hotel.csv"),
        "--survey",
        str(EXAMPLE / "harbour_hotel_survey.csv"),
        "--out",
        str(png),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warnings either
    out = done.stdout
    assert "seats: 46 (45 filled, 1 vacant); 11 leaders, 35 staff" in out
    assert "levels: 4 (level 0: 1, level 1: 4, level 2: 11, level 3: 30)" in out
    assert "span of control (direct reports per leader): min 2, median 3, max 7" in out
    assert "teams: 11 (5 frontline, 3 back office, 3 of leaders only)" in out
    assert "frontline share: 20 of 35 staff seats (57%)" in out
    assert "Housekeeping" in out and f"picture: {png}" in out
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_check_refuses_an_invalid_file_with_one_line(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nnorth,\nsouth,\n")
    done = run("-m", "sim.org", "check", str(chart), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "org.virtual_root=true" in done.stderr
    ok = run("-m", "sim.org", "check", str(chart), "--virtual-root", "--no-picture", cwd=tmp_path)
    assert ok.returncode == 0 and "seats: 3 (3 filled, 0 vacant)" in ok.stdout and "virtual executive" in ok.stdout
    assert "picture" not in ok.stdout and not list(tmp_path.glob("*.png"))


def test_semicolon_csv_from_a_spreadsheet_loads(tmp_path):
    chart = write(tmp_path, "chart.csv", "\ufeffid;manager_id;role\nceo;;leader\na;ceo;back office\n")
    org = load(chart).org
    assert org.manager.tolist() == [-1, 0] and org.backoffice.tolist() == [False, True]


def test_ragged_row_names_its_line(tmp_path):
    chart = write(tmp_path, "chart.csv", "id,manager_id\nceo,\na,ceo,oops\n")
    assert refused(chart) == f"{chart} line 3: 3 fields where the header has 2"


def test_a_workbook_named_csv_is_named_as_a_workbook_with_the_setting_that_reads_it(tmp_path):
    chart = tmp_path / "chart.csv"
    chart.write_bytes(b"PK\x03\x04\x00\x00\x08\x00workbook")
    assert refused(chart) == (
        f"{chart} is an Excel workbook (xlsx), not text: name it .xlsx or set org.format=xlsx "
        "(org.sheet picks the sheet)"
    )
