"""Scale: no per-person Python loop in the step, and Mesa agents made only when asked for.

Timed targets (seconds, memory, the ratio to the naive version) live in experiments/benchmark.py;
these tests check shapes that do not depend on how busy the machine is.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from mesa import Model

from sim import ServiceCultureModel, load_config
from sim.agents import Employee, Leader


def _org(seats: int) -> list[str]:
    """A generated org of about ``seats`` seats: teams of 10 staff, 10 teams per department."""
    return [f"org.departments={max(1, round((seats - 1) / 111))}", "org.teams_per_department=10", "org.team_size=10"]


def _python_lines(work) -> int:
    """How many Python source lines run inside ``work()``: numpy work inside a call counts as one line,
    a Python loop counts one line or more per pass. Independent of how fast or busy the machine is."""
    lines = 0

    def count(frame, event, arg):
        nonlocal lines
        lines += event == "line"
        return count

    outer = sys.gettrace()  # a coverage tool's tracer, if any, is put back
    sys.settrace(count)
    try:
        work()
    finally:
        sys.settrace(outer)
    return lines


def _step_lines(seats: int, steps: int = 4) -> int:
    """The most Python lines any of ``steps`` weeks runs, after three weeks of warm-up."""
    model = ServiceCultureModel(load_config(_org(seats)), seed=0, space=False)
    model.run_for(3)
    return max(_python_lines(model.step) for _ in range(steps))


def test_a_step_runs_the_same_python_lines_at_any_size_no_loop_over_people_or_teams():
    """From 1,000 to 20,000 seats (90 to 1,800 teams) a week runs the same Python lines, give or take a
    data-dependent branch (who left or was hired): all per-person and per-team work happens inside numpy.
    A loop over the people would add a line or more per added seat; the counter sees one (checked here)."""
    small, large = 1_000, 20_000
    values = {n: np.random.default_rng(0).random(n).tolist() for n in (small, large)}

    def loop_over_people(n: int) -> int:
        return _python_lines(lambda: [min(max(v * 0.5 + 0.1, 0.0), 1.0) for v in values[n]])

    assert loop_over_people(large) - loop_over_people(small) >= large - small  # the counter can tell a loop
    step_small, step_large = _step_lines(small), _step_lines(large)
    assert step_small > 500 and abs(step_large - step_small) < 0.1 * step_small, (step_small, step_large)


def test_agents_are_created_on_first_access_with_the_ids_eager_creation_gives():
    model = ServiceCultureModel(load_config(["org=small_team", "dynamics.turnover.quit_base=0.2"]), seed=2, space=False)
    p = model.people
    filled = np.flatnonzero(p.filled)
    assert p.person_id[filled].tolist() == list(range(1, filled.size + 1))  # ids in seat order, from 1
    model.run_for(4)
    assert len(Model.agents.fget(model)) == 0  # nobody asked: no agent objects
    one = int(np.flatnonzero(p.filled)[-1])
    agent = model.agent_at(one)
    assert len(Model.agents.fget(model)) == 1 and agent.unique_id == p.person_id[one]
    assert model.agent_at(one) is agent  # made once
    agents = list(model.agents)  # everyone now, in id order (the order eager creation registers them)
    ids = [a.unique_id for a in agents if a is not agent]
    assert ids == sorted(ids) and len(agents) == p.filled.sum()
    assert {a.unique_id: a.seat for a in agents} == {int(p.person_id[s]): int(s) for s in np.flatnonzero(p.filled)}
    assert p.person_id.max() > filled.size  # people left and were replaced, with new ids
    assert len(model.agents_by_type[Leader]) + len(model.agents_by_type[Employee]) == len(agents)
    for a in agents[:5]:
        assert a.engagement == p.engagement[a.seat] and isinstance(a, Leader) == model.org.is_leader[a.seat]
    model.run_for(3)  # leavers' agents leave the model; new hires' appear on the next access
    assert sorted(a.unique_id for a in model.agents) == sorted(p.person_id[p.filled].tolist())
    assert model.agent_id_counter > p.person_id.max()  # Mesa's counter never hands out a taken id


def test_benchmark_runs_a_case_and_the_naive_comparison_in_a_subprocess():
    """The benchmark's per-case modes (what ``experiments/benchmark.py`` runs in its subprocesses) work."""
    script = Path(__file__).resolve().parent.parent / "experiments" / "benchmark.py"

    def case(*args: str) -> dict:
        done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    default = case("--case", "default", "--steps", "3")
    assert default["seats"] == ServiceCultureModel(seed=0, space=False).org.n and default["steps"] == 3
    assert 0 < default["step_s"] <= default["run_s"] < default["wall_s"] and default["peak_mb"] > 10
    naive = case("--naive", "1", "--seats", "1000")
    assert abs(naive["seats"] - 1000) < 20 and naive["naive_step_s"] > naive["step_s"] > 0
