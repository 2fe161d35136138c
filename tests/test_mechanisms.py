"""Each mechanism on a small case computed by hand."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from sim.customers import update_customers
from sim.mechanisms import (
    engagement,
    feedback,
    growth,
    habits,
    hiring,
    ideas,
    influence,
    leadership,
    mistakes,
    negative_talk,
    onboarding,
    recognition,
    service,
    service_standards,
    training,
    turnover,
)
from sim.mechanisms.engagement import EngagementParams
from sim.mechanisms.feedback import FeedbackParams
from sim.mechanisms.habits import HabitsParams
from sim.mechanisms.ideas import IdeasParams
from sim.mechanisms.influence import InfluenceParams
from sim.mechanisms.leadership import LeadershipParams
from sim.mechanisms.mistakes import MistakesParams
from sim.mechanisms.negative_talk import NegativeTalkParams
from sim.mechanisms.onboarding import OnboardingParams
from sim.mechanisms.recognition import RecognitionParams
from sim.mechanisms.service import ServiceParams
from sim.mechanisms.service_standards import ServiceStandardsParams
from sim.mechanisms.training import TrainingParams
from sim.mechanisms.turnover import TurnoverParams
from sim.numerics import group_mean, group_means, group_std

a = np.array


def test_trust_target_and_update():
    target = leadership.trust_target(a([0.8]), a([0.6]), a([0.5]), a([0.2]), a([0.4]))
    assert target == pytest.approx((0.8 + 0.6 + 0.5 + 0.8 + 0.4) / 5)
    # a transparent leader earns more trust in ordinary weeks too, not only through a shock
    assert leadership.trust_target(a([0.8]), a([0.6]), a([0.5]), a([0.2]), a([0.9])) > target
    cfg = LeadershipParams(trust_rate=0.1, pull=0.1, shock_trust=0.3)
    t = leadership.update_trust(a([0.5]), target, 0.0, a([0.0]), cfg)
    assert t == pytest.approx(0.5 + 0.1 * (0.62 - 0.5))
    # a shock costs trust, less with transparency (C8)
    opaque = leadership.update_trust(a([0.5]), a([0.5]), 1.0, a([0.0]), cfg)
    open_ = leadership.update_trust(a([0.5]), a([0.5]), 1.0, a([1.0]), cfg)
    assert opaque == pytest.approx(0.5 - 0.3 * 0.5) and open_ == pytest.approx(0.5)


def test_leader_signal():
    cfg = LeadershipParams(trust_rate=0.08, pull=0.1, shock_trust=0.3)
    x = leadership.leader_signal(a([0.4]), a([0.5]), a([0.2]), a([0.9]), a([0.8]), cfg)
    assert x == pytest.approx(0.4 + 0.1 * 0.5 * 0.8 * (0.9 * 0.8) * 0.6)
    # no trust, no pull (C2)
    assert leadership.leader_signal(a([0.4]), a([0.0]), a([0.2]), a([0.9]), a([0.8]), cfg) == pytest.approx(0.4)


def test_influence_step_by_hand():
    # three people: 0 leads 1 and 2; 1 and 2 are peers with weight 1
    ties = sp.csr_matrix(a([[0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]]))
    manager = a([-1, 0, 0])
    x, x0 = a([0.9, 0.2, 0.6]), a([0.5, 0.5, 0.5])
    trust = a([1.0, 0.5, 1.0])
    filled = a([True, True, True])
    anchor, habit = 0.1, np.ones(3)
    cfg = InfluenceParams(
        anchor=anchor, self_weight=2.0, leader_weight=1.0, report_weight=0.5, peer_weight=1.0, cross_weight=0.5
    )
    out = influence.influence_step(x, x0, habit, ties, manager, trust, filled, cfg)
    # person 1: self 2*0.2, peer 1*0.6, leader 1*0.5*0.9 -> / (2 + 1 + 0.5)
    w1 = (2 * 0.2 + 0.6 + 0.5 * 0.9) / 3.5
    # person 0: self 2*0.9, reports 0.5*(0.2 + 0.6) -> / (2 + 1)
    w0 = (2 * 0.9 + 0.5 * 0.8) / 3.0
    assert out[1] == pytest.approx(0.1 * 0.5 + 0.9 * w1)
    assert out[0] == pytest.approx(0.1 * 0.5 + 0.9 * w0)
    # the explicit matrix applies the same weights
    w = influence.influence_matrix(ties, manager, trust, filled, cfg)
    assert np.allclose(np.asarray(w.sum(axis=1)).ravel(), 1.0)
    assert np.allclose(anchor * x0 + (1 - anchor) * (w @ x), out)


def test_influence_ignores_vacant_seats():
    ties = sp.csr_matrix(a([[0, 1.0], [1.0, 0]]))
    cfg = InfluenceParams(
        anchor=0.1, self_weight=1.0, leader_weight=1.0, report_weight=1.0, peer_weight=1.0, cross_weight=1.0
    )
    out = influence.influence_step(
        a([0.2, 0.9]), a([0.2, 0.9]), a([0.0, 0.0]), ties, a([-1, -1]), a([1.0, 1.0]), a([True, False]), cfg
    )
    assert out[0] == pytest.approx(0.2)


def test_habit_formation():
    cfg = HabitsParams(rate=0.2)
    assert habits.form_habits(a([0.5]), a([0.9]), a([0.75]), cfg) == pytest.approx(0.5 + 0.2 * 0.25 * 0.4)


def test_cynicism_spreads_with_negativity_bias_and_is_curbed():
    ties = sp.csr_matrix(a([[0, 1.0, 1.0], [1.0, 0, 0], [1.0, 0, 0]]))
    c = a([0.0, 0.4, 0.2])
    filled = a([True, True, True])
    cfg = NegativeTalkParams(rate=0.5, bias=2.0, gossip_seed=0.1, hypocrisy=0.2, drag=0.1, rumour=0.1, whiplash=0.5)
    out = negative_talk.spread_cynicism(c, ties, filled, a([0.5] * 3), a([0.8] * 3), a([0.5] * 3), 0.2, cfg)
    cbar = 0.3
    b = 2 * cbar / (2 * cbar + 1 - cbar)
    s = 0.1 * 0.5 + 0.2 * 0.8 * (1 - 2 * 0.5)  # integrity 1/2: the vision neither feeds nor curbs the talk
    assert out[0] == pytest.approx(0.5 * 0.8 * (b + s * (1 - b)))

    # a clearer vision breeds cynicism under a leader who does not live it, and curbs it under one who does
    def target(vision, integrity):
        one = a([vision] * 3)
        return negative_talk.spread_cynicism(c, ties, filled, a([0.5] * 3), one, a([integrity] * 3), 0.2, cfg)[0]

    assert target(0.9, 0.2) > target(0.1, 0.2) and target(0.9, 0.8) < target(0.1, 0.8)
    # the uniform state without seeds settles at (1 - curb) * bias - 1
    c = np.full(3, 0.5)
    full = sp.csr_matrix(np.ones((3, 3)) - np.eye(3))
    for _ in range(2000):
        c = negative_talk.spread_cynicism(c, full, filled, np.zeros(3), np.zeros(3), np.ones(3), 0.25, cfg)
    assert c == pytest.approx(np.full(3, 0.75 * 2 - 1), abs=1e-6)
    assert negative_talk.cynicism_drag(a([0.5]), a([0.4]), a([0.5]), cfg) == pytest.approx(0.5 - 0.1 * 0.4 * 0.5 * 0.5)


def test_recognition_probability_and_effects():
    cfg = RecognitionParams(engagement_gain=0.2, orientation_gain=0.1, spillover=0.5, observation_noise=0.1)
    p = recognition.recognise(a([0.7]), a([0.5]), a([0.6]), 0.5, a([0.4]), a([True]), cfg, None)
    # score = 0.5*0.7 + 0.5*0.5 = 0.6 = norm -> P(above) = 1/2
    assert p == pytest.approx(0.2)
    rng = np.random.default_rng(0)
    draws = np.mean(
        [recognition.recognise(a([0.7]), a([0.5]), a([0.6]), 0.5, a([0.4]), a([True]), cfg, rng) for _ in range(4000)]
    )
    assert draws == pytest.approx(0.2, abs=0.03)
    # public recognition of person 0 nudges teammate 1; private does not
    team, filled = a([0, 0]), a([True, True])
    e_pub, x_pub = recognition.apply_recognition(
        a([0.5, 0.5]), a([0.5, 0.5]), a([0.0, 0.0]), a([1.0, 0.0]), a([1.0, 1.0]), team, filled, 1, cfg
    )
    e_pri, x_pri = recognition.apply_recognition(
        a([0.5, 0.5]), a([0.5, 0.5]), a([0.0, 0.0]), a([1.0, 0.0]), a([0.0, 0.0]), team, filled, 1, cfg
    )
    assert e_pub[1] == pytest.approx(0.5 + 0.2 * 0.5 * 0.5 * 0.5) and x_pub[1] == pytest.approx(0.5 + 0.1 * 0.25 * 0.5)
    assert e_pri[1] == pytest.approx(0.5) and e_pri[0] == pytest.approx(0.5 + 0.2 * 0.5)


def test_mistakes_expected_values_and_reaction():
    cfg = MistakesParams(
        rate=0.1,
        safety_rate=0.1,
        learning=0.04,
        support_share=0.4,
        gossip_damage=0.5,
        reaction_floor=0.25,
        learning_floor=0.5,
        blame=0.1,
    )
    reported, hidden = mistakes.make_mistakes(a([0.5]), a([0.2]), a([0.75]), a([1.0]), cfg, None)
    made = 0.1 * 0.5 * 1.2
    assert reported == pytest.approx(made * 0.75) and hidden == pytest.approx(made * 0.25)
    safety, skill, e = mistakes.react_to_mistakes(
        a([0.5]), a([0.5]), a([0.5]), a([1.0]), a([1.0]), a([1.0]), a([0.0]), cfg
    )
    assert safety == pytest.approx(0.5 + 0.1 * 1.25 * (1.0 - 0.5))
    assert skill == pytest.approx(0.5 + 0.04 * 1.5 * 0.5) and e == pytest.approx(0.5)
    blamed = mistakes.react_to_mistakes(a([0.5]), a([0.5]), a([0.5]), a([1.0]), a([0.0]), a([1.0]), a([0.0]), cfg)
    assert blamed[0] < 0.5 and blamed[2] == pytest.approx(0.45)


def test_training_and_practice():
    cfg = TrainingParams(
        application_rate=0.5,
        decay=0.1,
        orientation_gain=0.2,
        forgetting=0.05,
        everyday_use=0.2,
        support_share=0.5,
        sharing=0.1,
    )
    k, x = training.train(a([0.4, 0.4]), a([0.5, 0.5]), a([0.0, 1.0]), a([0.0, 0.0]), a([True, True]), 0.5, cfg)
    assert k == pytest.approx([0.7, 0.7])
    assert x[0] == pytest.approx(0.5 + 0.2 * 0.5 * 0.5) and x[1] == pytest.approx(0.5)  # a cynic gains nothing
    # full practice: no forgetting
    k2, s2 = training.practise(a([0.8]), a([0.4]), a([1.0]), a([0.0]), a([1.0]), 0.3, cfg)
    assert s2 == pytest.approx(0.4 + 0.5 * 0.4) and k2 == pytest.approx(0.8 - 0.1 * 0.5 * 0.4)
    # no application: knowledge decays toward skill, skill stays
    k3, s3 = training.practise(a([0.8]), a([0.4]), a([0.0]), a([0.0]), a([1.0]), 0.3, cfg)
    assert s3 == pytest.approx(0.4) and k3 == pytest.approx(0.8 - 0.1 * 0.4)
    # no practice: skill above the floor fades (u = 0.2), skill at the floor does not
    _, s4 = training.practise(a([0.4, 0.3]), a([0.4, 0.3]), a([1.0, 1.0]), a([0.0, 0.0]), a([0.0, 0.0]), 0.3, cfg)
    assert s4 == pytest.approx([0.4 - 0.05 * 0.8 * 0.1, 0.3])
    assert training.share_knowledge(a([0.3]), a([0.7]), a([0.5]), cfg) == pytest.approx(0.3 + 0.1 * 0.5 * 0.4)


def test_ideas():
    cfg = IdeasParams(
        rate=0.2,
        lift=0.3,
        process_decay=0.01,
        process_baseline=0.5,
        support_share=0.5,
        heard_gain=0.05,
        ignored_loss=0.02,
    )
    proposed, adopted = ideas.propose_and_adopt(a([0.8]), a([0.5]), a([1.0]), a([0.5]), a([1.0]), cfg, None)
    assert proposed == pytest.approx(0.2 * 0.8 * 0.5) and adopted == pytest.approx(0.04)
    lifted = ideas.lift_process(a([0.5, 0.5]), a([2.0, 0.0]), a([4.0, 4.0]), cfg)
    assert lifted == pytest.approx([0.5 + 0.3 * 0.5 * 0.5, 0.5])
    assert ideas.idea_engagement(a([0.5]), a([2.0]), a([1.0]), cfg) == pytest.approx(0.5 + 0.025 - 0.01)


def test_engagement_target():
    cfg = EngagementParams(
        rate=0.5, customer_mood=0.2, base=0.1, w_support=0.3, w_trust=0.2, w_safety=0.2, w_calm=0.2, w_pressure=0.3
    )
    e = engagement.update_engagement(a([0.5]), a([1.0]), a([1.0]), a([1.0]), a([0.0]), a([0.0]), 0.0, cfg)
    assert e == pytest.approx(0.5 + 0.5 * (1.0 - 0.5))
    low = engagement.update_engagement(a([0.5]), a([0.0]), a([0.0]), a([0.0]), a([1.0]), a([1.0]), 0.0, cfg)
    assert low == pytest.approx(0.5 + 0.5 * (0.0 - 0.5))
    # the customers' mood one hears: frontline their own team's, the others the whole base through shared feedback
    heard = engagement.customers_heard(a([True, False, True]), a([0.8, 0.8, np.nan]), 0.6, 0.5)
    assert heard == pytest.approx([0.3, 0.5 * 0.1, 0.0])
    moody = engagement.update_engagement(
        a([0.5, 0.5]), a([0.5] * 2), a([0.5] * 2), a([0.5] * 2), a([0.5] * 2), a([0.0] * 2), a([0.3, -0.3]), cfg
    )
    assert moody[0] - moody[1] == pytest.approx(0.5 * 0.2 * 0.6)


def test_service_quality_pressure_and_standard():
    cfg = ServiceParams(
        normal_engagement=0.5,
        pressure_effect=0.4,
        standard_slack=0.02,
        hidden_penalty=0.1,
        w_skill=1.0,
        w_orientation=1.0,
        w_engagement=1.0,
        w_internal=0.5,
        w_process=0.5,
        noise=0.0,
    )
    assert service.effort(a([0.25, 0.9]), cfg) == pytest.approx([0.5, 1.0])
    # a leaders-only unit has no staff work: no pressure; open seats nobody fills: full pressure
    none = service.team_pressure(a([1.0, 1.0]), a([0.0, 0.0]), 10.0, a([0.0, 3.0]), a([0.0, 0.0]), a([False, False]))
    assert none == pytest.approx([0.0, 1.0])
    assert service.team_pressure(
        a([1.0, 1.5]), a([100.0, 0.0]), 10.0, a([0.0, 4.0]), a([8.0, 4.0]), a([True, False])
    ) == pytest.approx([0.25, 0.5])
    # work is shared out by capacity: a team whose customers stay carries no more work than its neighbour
    routed = service.routed_customers(a([130.0, 70.0, 0.0]), a([100.0, 100.0, 50.0]), a([True, True, False]))
    assert routed == pytest.approx([100.0, 100.0, 0.0])
    assert service.routed_customers(a([5.0]), a([0.0]), a([True])) == pytest.approx([0.0])
    cap = service.capability(a([0.6]), a([0.8]), a([0.4]), a([0.9]), a([0.5]), a([True]), cfg)
    assert cap == pytest.approx((0.6 + 0.8 + 0.4 + 0.45 + 0.25) / 4.0)
    q = service.deliver(a([0.8, 0.8]), a([0.5, 0.0]), a([0.9, 0.5]), a([0.0, 1.0]), 0.0, cfg)
    assert q == pytest.approx([0.8 * 0.8, 0.52 - 0.1])


def test_internal_service_reaches_served_teams():
    team = a([0, 0, 1, 1])
    backoffice = a([True, True, False, False])
    serves = sp.csr_matrix(a([[0, 0], [1.0, 0]]))  # team 0 (back office) serves team 1
    iq, has = service.internal_service(a([0.6, 0.8, 0.1, 0.1]), team, backoffice, serves, 2)
    assert has.tolist() == [False, True] and iq[1] == pytest.approx(0.7)


def test_standard_drift_and_anchor():
    cfg = ServiceStandardsParams(drift=0.1, anchor=0.05, initial=0.7)
    std = service_standards.update_standard(a([0.8, 0.8, 0.8]), a([0.6, 0.6, np.nan]), a([0.0, 1.0, 0.0]), cfg)
    assert std == pytest.approx([0.8 - 0.1 * 0.2, 0.8 + 0.05 * 0.2, 0.8])


def test_customers_expected_flows():
    class C:
        memory, loyalty_rate, base_churn, churn_sensitivity, acquisition, headroom = 0.5, 0.1, 0.01, 0.1, 0.02, 0.2

    week = update_customers(
        a([100.0, 0.0]),
        a([0.6, 0.0]),
        a([0.4, 0.0]),
        a([0.8, np.nan]),
        a([100.0, 0.0]),
        a([True, False]),
        a([0.0, 0.0]),
        C,
        None,
    )
    s = 0.7
    l_ = 0.4 + 0.1 * 0.3
    churn = 100 * (0.01 + 0.1 * 0.3 * (1 - l_))
    assert week.satisfaction[0] == pytest.approx(s) and week.loyalty[0] == pytest.approx(l_)
    # room left: 1.2 * capacity 100 - 100 customers = 20
    assert week.churned[0] == pytest.approx(churn) and week.acquired[0] == pytest.approx(0.02 * s * 20)
    assert week.customers[0] == pytest.approx(100 - churn + 0.28) and week.customers[1] == 0
    # a demanding segment (expectation +0.2) is less satisfied by the same quality
    picky = update_customers(a([100.0]), a([0.6]), a([0.4]), a([0.8]), a([100.0]), a([True]), a([0.2]), C, None)
    assert picky.satisfaction[0] == pytest.approx(0.5 * 0.6 + 0.5 * 0.6)


def test_feedback():
    x = feedback.share_feedback(a([0.5]), a([0.5]), 0.5, FeedbackParams(orientation_rate=0.1))
    assert x == pytest.approx(0.5 + 0.5 * 0.1 * 0.5 * 0.5)


def test_turnover_and_misfits():
    cfg = TurnoverParams(quit_base=0.01, quit_disengaged=0.1, quit_pressure=0.02)
    assert turnover.quit_hazard(a([0.5]), a([0.5]), cfg) == pytest.approx(0.01 + 0.025 + 0.01)
    rng = np.random.default_rng(0)
    quits = turnover.draw_quits(np.full(20000, 0.1), np.ones(20000, bool), rng)
    assert quits.mean() == pytest.approx(0.1, abs=0.01)
    norm = a([0.5, 0.5, 0.5])
    weeks, removed = turnover.misfits(a([3, 0, 5]), a([0.1, 0.1, 0.9]), norm, a([True] * 3), 0.25, 4, True)
    assert weeks.tolist() == [4, 1, 0] and removed.tolist() == [True, False, False]
    _, kept = turnover.misfits(a([3]), a([0.1]), a([0.5]), a([True]), 0.25, 4, False)
    assert not kept.any()
    # fit is relative to the team's norm: 0.6 is a misfit in a team at 0.9, not in one at 0.7
    weeks, _ = turnover.misfits(a([0, 0]), a([0.6, 0.6]), a([0.9, 0.7]), a([True, True]), 0.25, 4, True)
    assert weeks.tolist() == [1, 0]


def test_hiring_fills_only_open_vacancies():
    rng = np.random.default_rng(0)
    is_open = a([True, True, False, True])
    filled = a([True, False, False, False])
    hired = hiring.fill_vacancies(is_open, filled, 1.0, rng)
    assert hired.tolist() == [False, True, False, True]


def test_onboarding_pulls_newcomers_to_the_norm():
    cfg = OnboardingParams(pull=0.5, weeks=10.0)
    x, x0 = onboarding.socialise(a([0.2, 0.2]), a([0.2, 0.2]), a([0.0, 1e6]), a([0.8, 0.8]), 1.0, cfg)
    assert x == pytest.approx([0.5, 0.2]) and x0 == pytest.approx([0.5, 0.2])


def test_growth_opens_reserve_and_decline_lays_off_after_vacancies():
    rng = np.random.default_rng(1)
    staff = np.ones(1000, bool)
    is_open = np.r_[np.ones(500, bool), np.zeros(500, bool)]
    grown, laid = growth.resize(is_open, is_open.copy(), staff, 0.2, rng)
    assert grown.sum() == pytest.approx(600, abs=30) and not laid.any()
    filled = np.r_[np.ones(400, bool), np.zeros(600, bool)]
    shrunk, laid = growth.resize(is_open, filled, staff, -0.3, rng)
    closed = is_open.sum() - shrunk.sum()
    assert closed == pytest.approx(150, abs=30) and laid.sum() == max(closed - 100, 0)


def test_group_helpers():
    v, g, w = a([1.0, 3.0, 5.0]), a([0, 0, 1]), a([1.0, 1.0, 0.0])
    assert group_mean(v, g, w, 3)[:1] == pytest.approx([2.0]) and np.isnan(group_mean(v, g, w, 3)[1:]).all()
    assert group_std(v, g, w, 2)[0] == pytest.approx(1.0)
    # a caller's per-group weight total gives the very numbers the helpers' own would
    total = np.bincount(g, weights=w, minlength=3)
    rows = [a([0.2, 0.4, 0.9]), v]
    for given, own in zip(group_means(rows, g, w, 3, total=total), group_means(rows, g, w, 3), strict=True):
        np.testing.assert_array_equal(given, own)
    np.testing.assert_array_equal(group_std(v, g, w, 3, total=total), group_std(v, g, w, 3))


def test_recognition_with_a_subnormal_observation_noise_takes_the_noiseless_limit():
    # found by hypothesis: noise 2.2e-313 overflowed (score - norm) / noise into a RuntimeWarning
    cfg = RecognitionParams(engagement_gain=0.0, orientation_gain=0.0, spillover=0.0, observation_noise=2.2e-313)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seen = recognition.recognise(
            a([0.6, 0.4, 0.5]), a([0.5] * 3), a([0.5] * 3), 0.0, a([1.0] * 3), a([1.0] * 3) > 0, cfg, None
        )
    assert seen == pytest.approx([1.0, 0.0, 0.5])
