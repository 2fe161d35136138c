"""Property tests over random valid configs: states stay in [0, 1], nothing is NaN, headcount = filled seats."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ServiceCultureModel, load_config
from sim.state import PERSON_VARIABLES, STYLE_LEVERS

EVENT_OPTIONS = ["none", "training_wave", "recognition_programme", "restructuring", "demand_spike"]
unit = st.floats(0.0, 1.0, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def configs(draw):
    over = [
        "org=small_team",
        f"org.departments={draw(st.integers(1, 3))}",
        f"org.teams_per_department={draw(st.integers(1, 3))}",
        f"org.team_size={draw(st.integers(1, 9))}",
        f"org.frontline_share={draw(unit)}",
        f"org.peer_tie_prob={draw(unit)}",
        f"org.vacancy_share={draw(st.floats(0, 0.5).map(lambda v: round(v, 2)))}",
        f"leadership={draw(st.sampled_from(['mixed', 'a_vs_b', 'manager_a', 'manager_b', 'typical']))}",
        f"leadership.spread={draw(st.floats(0, 0.5).map(lambda v: round(v, 2)))}",
        f"leadership.executive.{draw(st.sampled_from(STYLE_LEVERS))}={draw(unit)}",
        f"policies={draw(st.sampled_from(['baseline', 'hire_for_fit', 'service_standards', 'learning_culture']))}",
        f"policies.hire_rate={draw(unit)}",
        f"policies.remove_misfits={draw(st.booleans())}",
        f"events={draw(st.sampled_from(EVENT_OPTIONS))}",
        f"dynamics.turnover.quit_base={draw(st.floats(0, 0.3).map(lambda v: round(v, 3)))}",
        f"dynamics.negative_talk.bias={draw(st.floats(1, 5).map(lambda v: round(v, 2)))}",
        f"mechanisms.stochastic={draw(st.booleans())}",
    ]
    if draw(st.booleans()):
        over.append(f"+events.g={{kind: growth, week: 1, value: {draw(st.floats(-0.05, 0.05)):.3f}}}")
    return over, draw(st.integers(0, 2**31))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_states_bounded_no_nan_headcount_matches(case):
    over, seed = case
    cfg = load_config(over)
    model = ServiceCultureModel(cfg, seed=seed, space=False)
    for _ in range(30):
        model.step()
        p = model.people
        f = p.filled
        for name in PERSON_VARIABLES:
            values = getattr(p, name)[f]
            assert np.isfinite(values).all(), name
            assert ((values >= 0) & (values <= 1)).all(), name
        for name in STYLE_LEVERS:
            lever = getattr(model.styles, name)[f & model.org.is_leader]
            assert ((lever >= 0) & (lever <= 1)).all(), name
        t = model.teams
        for arr in (t.process, t.standard):
            assert np.isfinite(arr).all() and ((arr >= 0) & (arr <= 1)).all()
        assert (t.customers >= 0).all()
        assert model.flows["headcount"] == f.sum() == len(model.agents)
        assert not (f & ~p.open).any()
    ts = model.timeseries()
    bounded = [
        c
        for c in ts.columns
        if c
        in {
            "culture_mean",
            "engagement",
            "trust",
            "psych_safety",
            "skill",
            "cynicism",
            "service_standard",
            "turnover_rate",
        }
    ]
    values = ts[bounded].to_numpy()
    assert ((values[np.isfinite(values)] >= 0) & (values[np.isfinite(values)] <= 1)).all()
