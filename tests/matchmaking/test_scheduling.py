"""The 1:1 scheduler on random instances: hard rules always hold, everyone meets when capacity
allows, the score reaches the bound when it can, and the bench command runs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking.bench.schedule import random_problem, schedule_command
from matchmaking.scheduling import Problem, schedule


@st.composite
def problems(draw, full_day: bool = False):
    departments = draw(st.integers(0, 6))
    suppliers = draw(st.integers(0, 8))
    slots = draw(st.integers(1, 5))
    tables = draw(st.integers(1, 4))
    scores = np.array(
        draw(
            st.lists(
                st.floats(0, 2, allow_nan=False), min_size=departments * suppliers, max_size=departments * suppliers
            )
        ),
        dtype=float,
    ).reshape(departments, suppliers)

    def hours(n: int) -> np.ndarray:
        if full_day:
            return np.ones((n, slots), dtype=bool)
        cells = draw(st.lists(st.booleans(), min_size=n * slots, max_size=n * slots))
        return np.array(cells, dtype=bool).reshape(n, slots)

    return Problem(
        slots=slots, tables=tables, scores=scores, department_slots=hours(departments), supplier_slots=hours(suppliers)
    )


def assert_hard_rules(problem: Problem, result) -> None:
    seen_pairs = set()
    busy = set()
    tables = set()
    for m in result.meetings:
        assert 0 <= m.slot < problem.slots
        assert 1 <= m.table <= problem.tables, "a table that does not exist"
        assert problem.department_slots[m.department, m.slot], "department not available then"
        assert problem.supplier_slots[m.supplier, m.slot], "supplier not available then"
        assert (m.department, m.supplier) not in seen_pairs, "the same pair twice"
        seen_pairs.add((m.department, m.supplier))
        for who in (("d", m.department), ("s", m.supplier)):
            assert (who, m.slot) not in busy, "an organisation in two meetings at once"
            busy.add((who, m.slot))
        assert (m.slot, m.table) not in tables, "two meetings at one table"
        tables.add((m.slot, m.table))
        assert m.score == pytest.approx(float(problem.scores[m.department, m.supplier]))
    assert result.total_score <= result.upper_bound + 1e-9


def brute_force_coverage(problem: Problem) -> int:
    """The most organisations any schedule can cover, by trying every set of pairs (tiny only)."""
    pairs = [
        (i, j)
        for i in range(problem.departments)
        for j in range(problem.suppliers)
        if (problem.department_slots[i] & problem.supplier_slots[j]).any()
    ]
    best = 0
    for size in range(min(len(pairs), problem.slots * problem.tables) + 1):
        for chosen in itertools.combinations(pairs, size):
            if _fits(problem, chosen):
                best = max(best, len({i for i, _ in chosen}) + len({j for _, j in chosen}))
    return best


def _fits(problem: Problem, pairs) -> bool:
    """Can these pairs be put into slots under the hard rules? (backtracking, tiny only)"""

    def place(k, busy, load):
        if k == len(pairs):
            return True
        i, j = pairs[k]
        for t in range(problem.slots):
            if (
                problem.department_slots[i, t]
                and problem.supplier_slots[j, t]
                and load[t] < problem.tables
                and ("d", i, t) not in busy
                and ("s", j, t) not in busy
            ):
                load[t] += 1
                if place(k + 1, busy | {("d", i, t), ("s", j, t)}, load):
                    return True
                load[t] -= 1
        return False

    return place(0, frozenset(), [0] * problem.slots)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_hard_rules_hold_on_random_instances(problem):
    assert_hard_rules(problem, schedule(problem, seconds=2, workers=1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(full_day=True))
def test_everyone_available_all_day_gets_the_best_coverage_and_the_bound(problem):
    result = schedule(problem, seconds=2, workers=1)
    assert_hard_rules(problem, result)
    # with full days every pair chosen in step 1 fits into slots, so the bound is reached (up to the
    # solver's 0.2 % gap and the bound's rounding slack of half a thousandth per possible meeting)
    assert result.total_score >= result.coverage_bound * 0.998 - 0.001 * problem.slots * problem.tables - 1e-9
    dept, supp = result.counts(problem)
    assert int((dept > 0).sum() + (supp > 0).sum()) == result.coverable


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems().filter(lambda p: p.departments * p.suppliers <= 8 and p.slots * p.tables <= 6))
def test_coverage_matches_brute_force_on_tiny_instances(problem):
    result = schedule(problem, seconds=2, workers=1)
    dept, supp = result.counts(problem)
    assert int((dept > 0).sum() + (supp > 0).sum()) == brute_force_coverage(problem)


def test_every_organisation_meets_when_capacity_allows():
    # 8 departments, 30 suppliers, 6 slots × 10 tables: 60 table-slots ≥ 30 meetings that cover everyone;
    # scores favour two departments heavily, so only the coverage goal spreads the meetings
    problem = random_problem(8, 30, 6, 10, seed=7)
    scores = problem.scores.copy()
    scores[:2] += 5
    problem = Problem(
        slots=6,
        tables=10,
        scores=scores,
        department_slots=problem.department_slots,
        supplier_slots=problem.supplier_slots,
    )
    result = schedule(problem, seconds=5, workers=1)
    assert_hard_rules(problem, result)
    assert result.fewest_meetings(problem) >= 1


def test_an_organisation_without_common_hours_gets_no_meeting_and_the_rest_still_meet():
    department_slots = np.array([[True, True, False], [False, False, True]])
    supplier_slots = np.array([[True, False, False], [False, True, False], [True, True, False]])
    problem = Problem(
        slots=3, tables=2, scores=np.ones((2, 3)), department_slots=department_slots, supplier_slots=supplier_slots
    )
    result = schedule(problem, seconds=2, workers=1)
    assert_hard_rules(problem, result)
    dept, supp = result.counts(problem)
    # department 1 is only there in slot 3, when no supplier is; department 0 has two slots for two suppliers
    assert dept.tolist() == [2, 0]
    assert int(supp.sum()) == 2
    assert result.coverable == 3


def test_bench_command_runs_on_a_small_instance():
    out = CliRunner().invoke(
        schedule_command,
        [
            "--departments",
            "12",
            "--suppliers",
            "30",
            "--slots",
            "4",
            "--tables",
            "8",
            "--seconds",
            "3",
            "--workers",
            "1",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "solve time:" in out.output
    lines = {line.split(":", 1)[0]: line.split(":", 1)[1] for line in out.output.splitlines() if ":" in line}
    total = float(lines["total score"])
    bound = float(lines["upper bound (score only)"].split()[0])
    assert 0 < total <= bound
    assert int(lines["fewest meetings any organisation got"]) >= 0
    assert lines["meetings"].strip().startswith("32 of 32")


def test_pairs_that_do_not_fit_are_swapped_for_others_so_everyone_still_meets():
    # step 1 does not see slots: it may pick d0–s1 and d1–s0, which only meet in slot 1 at one table;
    # d0–s0 in slot 1 and d1–s1 in slot 3 cover all four organisations
    slots = np.array([[True, False, False], [True, False, True]])
    problem = Problem(slots=3, tables=1, scores=np.zeros((2, 2)), department_slots=slots, supplier_slots=slots)
    result = schedule(problem, seconds=2, workers=1)
    assert_hard_rules(problem, result)
    assert result.fewest_meetings(problem) == 1
