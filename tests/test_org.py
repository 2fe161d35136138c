import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config import load_config
from sim.org import (
    DEPARTMENT_HEAD,
    EXECUTIVE,
    STAFF,
    TEAM_LEAD,
    CycleError,
    assemble,
    build_org,
    departments_from_managers,
    levels_from_managers,
    radial_layout,
)


def company(seed=1, **over):
    cfg = load_config(["org=company"]).org
    cfg = OmegaConf.merge(cfg, over)
    return build_org(cfg, np.random.default_rng(seed))


def test_company_has_about_250_seats_in_four_levels():
    org = company()
    assert 200 <= org.n <= 300
    assert np.bincount(org.level).tolist() == [1, 5, 20, 220]
    assert org.n_teams == 1 + 5 + 20
    assert org.level[org.team_leader].tolist().count(TEAM_LEAD) == 20


def test_teams_and_managers_are_consistent():
    org = company()
    child = org.manager >= 0
    # a seat is a member of the team its manager leads
    assert np.array_equal(org.team[child], org.leads[org.manager[child]])
    assert org.manager[0] == -1 and org.level[0] == EXECUTIVE
    assert (org.level[org.manager[child]] == org.level[child] - 1).all()
    assert (org.department[org.level == DEPARTMENT_HEAD] == np.arange(5)).all()


def test_frontline_share_and_internal_service_links():
    org = company()
    work = org.team_level == TEAM_LEAD
    assert org.frontline_team[work].sum() == 12  # 60% of 20
    assert not org.frontline_team[~work].any()
    links = org.serves.tocoo()
    # rows are frontline teams, columns back-office teams, each back-office team serves 2
    assert org.frontline_team[links.row].all() and not org.frontline_team[links.col].any()
    assert np.bincount(links.col, minlength=org.n_teams)[work & ~org.frontline_team].tolist() == [2] * 8
    assert org.frontline.sum() == 12 * 11 and org.backoffice.sum() == 8 * 11


def test_ties_are_symmetric_and_kinds_where_they_belong():
    org = company()
    assert (org.ties != org.ties.T).nnz == 0
    peer = org.peer_ties.tocoo()
    assert (org.team[peer.row] == org.team[peer.col]).all()
    cross = org.cross_ties.tocoo()
    assert cross.nnz > 0 and (org.team[cross.row] != org.team[cross.col]).all()
    assert (org.level[cross.row] == STAFF).all()


def test_density_follows_config():
    dense = company(peer_tie_prob=1.0)
    sparse_ = company(peer_tie_prob=0.1)
    assert dense.peer_ties.nnz > 5 * sparse_.peer_ties.nnz
    # a complete graph inside each work team: 11 * 10 ordered pairs per team
    staff_pairs = dense.peer_ties[dense.level == STAFF][:, dense.level == STAFF].nnz
    assert staff_pairs == 20 * 11 * 10


def test_vacancies_and_reserve_seats():
    org = company()
    staff = org.level == STAFF
    assert (~org.initially_open).sum() == round(0.05 * staff.sum())
    assert (org.initially_open & ~org.initially_filled).sum() == round(0.05 * staff.sum())
    assert org.initially_filled[~staff].all()


def test_same_seed_same_org_other_seed_other_org():
    a, b, c = company(seed=7), company(seed=7), company(seed=8)
    assert (a.ties != b.ties).nnz == 0 and np.array_equal(a.frontline_team, b.frontline_team)
    assert (a.ties != c.ties).nnz > 0


def test_graph_has_every_seat_and_edge_kind():
    org = company()
    g = org.graph()
    assert g.number_of_nodes() == org.n
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert kinds == {"reports_to", "peer", "cross", "internal_service"}
    assert sum(1 for *_, d in g.edges(data=True) if d["kind"] == "reports_to") == org.n - 1


def test_levels_by_pointer_jumping_on_a_deep_chain():
    manager = np.arange(-1, 999)  # seat i reports to i - 1
    assert np.array_equal(levels_from_managers(manager), np.arange(1000))


def test_cycle_in_reports_to_is_refused_naming_its_seats():
    with pytest.raises(ValueError, match="cycle"):
        levels_from_managers(np.array([-1, 2, 3, 1]))
    # seats 4 -> 5 -> 6 -> 4 form the cycle; 7 only hangs below it
    with pytest.raises(CycleError) as err:
        levels_from_managers(np.array([-1, 0, 0, 1, 5, 6, 4, 4]))
    assert sorted(err.value.seats) == [4, 5, 6]


def test_levels_beyond_their_int16_are_refused():
    with pytest.raises(ValueError, match="40000 levels deep"):
        levels_from_managers(np.arange(-1, 40_000))


def test_departments_by_binary_lifting_on_a_deep_chain_and_a_bushy_tree():
    chain = np.arange(-1, 5000)
    assert departments_from_managers(chain, levels_from_managers(chain)).tolist() == [-1] + [0] * 5000
    org = company()
    heads = np.flatnonzero(org.level == DEPARTMENT_HEAD)
    top = org.department[org.level > DEPARTMENT_HEAD]
    # every deeper seat's department is the department of its manager
    assert np.array_equal(top, org.department[org.manager[org.level > DEPARTMENT_HEAD]])
    assert org.department[heads].tolist() == list(range(heads.size))


def test_layout_gives_each_team_its_own_sector_whatever_its_size():
    # a root with a department of 1 team lead (8 staff) and a department of 3 leads (1 staff each)
    manager = np.array([-1, 0, 0, 1, 2, 2, 2] + [3] * 8 + [4, 5, 6])
    level = levels_from_managers(manager)
    xy = radial_layout(manager, level)
    angle = np.mod(np.arctan2(xy[:, 1], xy[:, 0]), 2 * np.pi)
    assert np.allclose(np.hypot(xy[:, 0], xy[:, 1]), level)
    for depth in range(1, int(level.max()) + 1):
        seats = np.flatnonzero(level == depth)
        parents = manager[seats[np.argsort(angle[seats])]]
        runs = parents[np.concatenate([[True], parents[1:] != parents[:-1]])]
        assert len(runs) == len(set(runs))  # siblings sit together, never interleaved with cousins
    for leader in np.unique(manager[manager >= 1]):
        kids = angle[manager == leader]
        assert kids.min() <= angle[leader] <= kids.max()  # the leader stands over its team
    # leaves share the circle evenly: the 11 staff are 2*pi/11 apart
    staff = np.sort(angle[level == 3])
    assert np.allclose(np.diff(staff), 2 * np.pi / 11)


def test_assemble_derives_teams_from_a_reports_to_list():
    # 0 <- 1, 2;  1 <- 3, 4
    manager = np.array([-1, 0, 0, 1, 1])
    front = np.array([False, True, False, False, False])
    none = np.empty((0, 2), dtype=int)
    org = assemble(manager, front, np.array([[3, 4]]), none, none, np.ones(5, bool), np.ones(5, bool))
    assert org.level.tolist() == [0, 1, 1, 2, 2]
    assert org.is_leader.tolist() == [True, True, False, False, False]
    assert org.team.tolist() == [0, 0, 0, 1, 1]
    assert org.frontline.tolist() == [False, False, False, True, True]
    assert org.positions.shape == (5, 2)
