"""1:1 meeting scheduling for matchmaking events (供需对接会): pure, no I/O.

Departments meet suppliers in time slots at tables. Hard rules: no organisation in two meetings in
one slot, at most ``tables`` meetings per slot, a meeting only in a slot both sides are available,
never the same pair twice. Goals, in order: give every organisation at least one meeting when that
is possible, then maximise the total score of the meetings.

The full model (every pair × every slot) is too big at event scale (200 × 500 pairs × 12 slots), so
the solve is split in three steps, each by a well-kept solver:

1. *Which pairs meet* — a max-weight bipartite b-matching as a min-cost flow (OR-Tools): each
   organisation meets at most as many partners as it has available slots, the event holds at most
   ``slots × tables`` meetings, and a first meeting of an organisation earns a coverage bonus larger
   than any score, so coverage comes first. Flow problems are integral, so this is exact.
   Without the bonus the same flow is an **upper bound** on the total score of any schedule: every
   schedule satisfies these constraints (and more).
2. *When* — the chosen pairs are put into slots by CP-SAT (OR-Tools), pairs × their common slots
   only, with a time limit. With everyone available all day a bipartite graph of maximum degree
   ≤ slots always has an equitable edge colouring, so every chosen pair fits; with restricted hours
   a pair may not, and is dropped.
3. *Fill* — free tables left by dropped pairs are filled greedily with the best remaining pairs.

Pairs with a score of zero (nothing in common) meet only when coverage needs them.

Tables are then numbered so that a department keeps the same table between slots when it can.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

SCALE = 1000  # scores are solved as integers: thousandths


@dataclass(frozen=True)
class Problem:
    """``scores[i, j]`` ≥ 0 for department ``i`` and supplier ``j``; ``*_slots`` are boolean
    matrices (organisations × slots) of availability."""

    slots: int
    tables: int
    scores: np.ndarray
    department_slots: np.ndarray
    supplier_slots: np.ndarray

    def __post_init__(self) -> None:
        d, s = self.scores.shape
        if self.slots < 0 or self.tables < 0:
            raise ValueError("slots and tables must not be negative")
        if self.department_slots.shape != (d, self.slots) or self.supplier_slots.shape != (s, self.slots):
            raise ValueError("availability must be organisations × slots")
        if d and s and (not np.all(np.isfinite(self.scores)) or float(self.scores.min()) < 0):
            raise ValueError("scores must be finite and not negative")

    @property
    def departments(self) -> int:
        return self.scores.shape[0]

    @property
    def suppliers(self) -> int:
        return self.scores.shape[1]


@dataclass(frozen=True)
class Meeting:
    department: int  # index into the problem's departments
    supplier: int
    slot: int
    table: int  # 1-based
    score: float


@dataclass
class Schedule:
    meetings: list[Meeting] = field(default_factory=list)
    upper_bound: float = 0.0  # no schedule scores more (score-only relaxation)
    coverage_bound: float = 0.0  # no schedule that covers the most organisations scores more
    coverable: int = 0  # the most organisations any schedule can give a meeting
    seconds: float = 0.0
    dropped: int = 0  # pairs chosen in step 1 that did not fit into slots

    @property
    def total_score(self) -> float:
        return float(sum(m.score for m in self.meetings))

    def counts(self, problem: Problem) -> tuple[np.ndarray, np.ndarray]:
        """Meetings per department and per supplier."""
        dept = np.zeros(problem.departments, dtype=int)
        supp = np.zeros(problem.suppliers, dtype=int)
        for m in self.meetings:
            dept[m.department] += 1
            supp[m.supplier] += 1
        return dept, supp

    def fewest_meetings(self, problem: Problem) -> int:
        dept, supp = self.counts(problem)
        both = np.concatenate([dept, supp])
        return int(both.min()) if both.size else 0


def _weights(problem: Problem) -> np.ndarray:
    return np.rint(problem.scores * SCALE).astype(np.int64)


def _pairs(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Pairs that share at least one available slot (the only pairs that can ever meet)."""
    common = problem.department_slots.astype(np.int32) @ problem.supplier_slots.T.astype(np.int32)
    return np.nonzero(common > 0)


def choose_pairs(problem: Problem, *, coverage: bool, thrift: bool = False) -> tuple[list[tuple[int, int]], int]:
    """Step 1: the best set of pairs under per-organisation and per-event capacity, as a min-cost
    flow. Returns the pairs and the total (scaled) score of them. ``thrift`` charges each meeting a
    thousandth, so pairs with nothing in common meet only when coverage needs them."""
    d, s = problem.departments, problem.suppliers
    total = problem.slots * problem.tables
    di, sj = _pairs(problem)
    if total == 0 or di.size == 0:
        return [], 0
    weights = _weights(problem)[di, sj]
    dept_cap = problem.department_slots.sum(axis=1).astype(np.int64)
    supp_cap = problem.supplier_slots.sum(axis=1).astype(np.int64)
    # larger than anything scores can trade for one more covered organisation
    bonus = int(2 * min(total, di.size) * (int(weights.max()) + 1) + 1) if coverage else 0
    source, sink = 0, d + s + 1
    tails, heads, caps, costs = [], [], [], []

    def arcs(t, h, c, w):
        tails.append(np.asarray(t, dtype=np.int64))
        heads.append(np.asarray(h, dtype=np.int64))
        caps.append(np.asarray(c, dtype=np.int64))
        costs.append(np.asarray(w, dtype=np.int64))

    dept_nodes = np.arange(1, d + 1)
    supp_nodes = np.arange(d + 1, d + s + 1)
    first_d, first_s = np.minimum(dept_cap, 1), np.minimum(supp_cap, 1)
    arcs(np.full(d, source), dept_nodes, first_d, np.full(d, -bonus))
    arcs(np.full(d, source), dept_nodes, dept_cap - first_d, np.zeros(d))
    arcs(supp_nodes, np.full(s, sink), first_s, np.full(s, -bonus))
    arcs(supp_nodes, np.full(s, sink), supp_cap - first_s, np.zeros(s))
    pair_start = sum(len(t) for t in tails)
    arcs(di + 1, sj + d + 1, np.ones(di.size), -weights + (1 if thrift else 0))
    arcs([source], [sink], [total], [0])  # flow that buys nothing
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([total, -total]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    used = flow.flows(np.arange(pair_start, pair_start + di.size)) > 0
    pairs = list(zip(di[used].tolist(), sj[used].tolist()))
    return pairs, int(weights[used].sum())


def _masks(matrix: np.ndarray) -> list[int]:
    """Each row of a boolean organisations × slots matrix as a bit mask of its slots."""
    return [sum(1 << t for t in np.nonzero(row)[0].tolist()) for row in matrix]


def _greedy(problem: Problem, pairs: list[tuple[int, int]]) -> set[tuple[int, int, int]]:
    """A quick placement to start CP-SAT from: the most constrained pairs first, each into the least
    loaded slot both sides still have free."""
    free_d, free_s = _masks(problem.department_slots), _masks(problem.supplier_slots)
    degree: dict[tuple[str, int], int] = {}
    for i, j in pairs:
        degree[("d", i)] = degree.get(("d", i), 0) + 1
        degree[("s", j)] = degree.get(("s", j), 0) + 1
    load = [0] * problem.slots
    order = sorted(
        pairs,
        key=lambda p: (
            (free_d[p[0]] & free_s[p[1]]).bit_count(),
            -max(degree[("d", p[0])], degree[("s", p[1])]),
            -float(problem.scores[p]),
        ),
    )
    placed = set()
    for i, j in order:
        common = free_d[i] & free_s[j]
        options = [t for t in range(problem.slots) if common >> t & 1 and load[t] < problem.tables]
        if not options:
            continue
        t = min(options, key=lambda t: (load[t], t))
        placed.add((i, j, t))
        load[t] += 1
        free_d[i] &= ~(1 << t)
        free_s[j] &= ~(1 << t)
    return placed


ALTERNATIVES = 4  # best other partners per organisation CP-SAT may swap in when chosen pairs do not fit


def _alternatives(problem: Problem, chosen: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each organisation's best few partners it shares a slot with, beyond the chosen pairs."""
    di, sj = _pairs(problem)
    able = np.full(problem.scores.shape, -1.0)
    able[di, sj] = problem.scores[di, sj]
    found: set[tuple[int, int]] = set()
    k = ALTERNATIVES
    for i in range(problem.departments):
        for j in np.argsort(-able[i], kind="stable")[:k].tolist():
            if able[i, j] >= 0:
                found.add((i, j))
    for j in range(problem.suppliers):
        for i in np.argsort(-able[:, j], kind="stable")[:k].tolist():
            if able[i, j] >= 0:
                found.add((i, j))
    return sorted(found - set(chosen))


def _place(
    problem: Problem, pairs: list[tuple[int, int]], seconds: float, workers: int, seed: int
) -> list[tuple[int, int, int]]:
    """Step 2: put pairs into slots with CP-SAT, started from a greedy placement; returns
    (department, supplier, slot) triples. When the chosen pairs do not all fit (step 1 does not see
    slots), CP-SAT may also swap in each organisation's best few other partners."""
    if not pairs:
        return []
    weights = _weights(problem)
    start = _greedy(problem, pairs)
    if len(start) == len(pairs):  # everything fits: nothing better exists
        return sorted(start)
    chosen = set(pairs)
    pairs = [*pairs, *_alternatives(problem, pairs)]
    model = cp_model.CpModel()
    by_org_slot: dict[tuple[str, int, int], list] = {}
    by_slot: dict[int, list] = {}
    by_org: dict[tuple[str, int], list] = {}
    objective = []
    choices: list[tuple[object, int, int, int]] = []
    for i, j in pairs:
        common = np.nonzero(problem.department_slots[i] & problem.supplier_slots[j])[0]
        options = []
        for t in common.tolist():
            var = model.new_bool_var(f"m_{i}_{j}_{t}")
            options.append(var)
            choices.append((var, i, j, t))
            model.add_hint(var, (i, j, t) in start)
            by_org_slot.setdefault(("d", i, t), []).append(var)
            by_org_slot.setdefault(("s", j, t), []).append(var)
            by_slot.setdefault(t, []).append(var)
            # chosen pairs +1: rather place one than not; other pairs only for their score or coverage
            objective.append((int(weights[i, j]) + ((i, j) in chosen)) * var)
        if options:
            model.add_at_most_one(options)
            by_org.setdefault(("d", i), []).extend(options)
            by_org.setdefault(("s", j), []).extend(options)
    for group in by_org_slot.values():
        if len(group) > 1:
            model.add_at_most_one(group)
    for group in by_slot.values():
        if len(group) > problem.tables:
            model.add(sum(group) <= problem.tables)
    bonus = 2 * len(pairs) * (int(weights.max()) + 2) + 1
    for key, options in by_org.items():
        met = model.new_bool_var(f"met_{key[0]}_{key[1]}")
        model.add_bool_or(options).only_enforce_if(met)
        objective.append(bonus * met)
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # stop within 0.2 % of the best possible score; never trades away a covered organisation
    solver.parameters.absolute_gap_limit = max(1.0, 0.002 * sum(int(weights[p]) for p in chosen))
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    return [(i, j, t) for var, i, j, t in choices if solver.boolean_value(var)]


def _fill(problem: Problem, placed: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Step 3: best remaining pairs into free tables, greedily (bit masks of free slots)."""
    slots, tables = problem.slots, problem.tables
    load = [0] * slots
    for _, _, t in placed:
        load[t] += 1
    open_mask = sum(1 << t for t in range(slots) if load[t] < tables)
    if not open_mask:
        return placed

    free_d, free_s = _masks(problem.department_slots), _masks(problem.supplier_slots)
    met = set()
    for i, j, t in placed:
        free_d[i] &= ~(1 << t)
        free_s[j] &= ~(1 << t)
        met.add((i, j))
    order = np.argsort(-problem.scores, axis=None, kind="stable")
    placed = list(placed)
    s = problem.suppliers
    for flat in order.tolist():
        i, j = divmod(flat, s)
        common = free_d[i] & free_s[j] & open_mask
        if not common or (i, j) in met or problem.scores[i, j] * SCALE < 0.5:  # nothing in common: no meeting
            continue
        t = (common & -common).bit_length() - 1
        placed.append((i, j, t))
        met.add((i, j))
        free_d[i] &= ~(1 << t)
        free_s[j] &= ~(1 << t)
        load[t] += 1
        if load[t] >= tables:
            open_mask &= ~(1 << t)
            if not open_mask:
                break
    return placed


def _tables(problem: Problem, placed: list[tuple[int, int, int]]) -> list[Meeting]:
    """Number tables 1..tables per slot; a department keeps its home table when it is free."""
    per_dept: dict[int, int] = {}
    for i, _, _ in placed:
        per_dept[i] = per_dept.get(i, 0) + 1
    home = {i: n + 1 for n, i in enumerate(sorted(per_dept, key=lambda i: (-per_dept[i], i))) if n < problem.tables}
    meetings = []
    for t in range(problem.slots):
        here = sorted((p for p in placed if p[2] == t), key=lambda p: (p[0], p[1]))
        taken = set()
        table_of: dict[tuple[int, int], int] = {}
        for i, j, _ in here:
            if i in home and home[i] not in taken:
                table_of[(i, j)] = home[i]
                taken.add(home[i])
        free = iter(n for n in range(1, problem.tables + 1) if n not in taken)
        for i, j, _ in here:
            if (i, j) not in table_of:
                table_of[(i, j)] = next(free)
        meetings.extend(Meeting(i, j, t, table_of[(i, j)], float(problem.scores[i, j])) for i, j, _ in here)
    return meetings


def schedule(problem: Problem, *, seconds: float = 8.0, workers: int = 2, seed: int = 0) -> Schedule:
    """The schedule for ``problem`` (see the module text); ``seconds`` bounds the CP-SAT step."""
    start = time.perf_counter()
    if problem.departments == 0 or problem.suppliers == 0:
        return Schedule(seconds=time.perf_counter() - start)
    _, best = choose_pairs(problem, coverage=False)
    widest, coverage_bound = choose_pairs(problem, coverage=True)
    pairs, _ = choose_pairs(problem, coverage=True, thrift=True)
    coverable = len({i for i, _ in widest}) + len({j for _, j in widest})
    remaining = seconds - (time.perf_counter() - start)
    placed = _place(problem, pairs, remaining, workers, seed)
    dropped = len(pairs) - len(placed)
    placed = _fill(problem, placed)
    # scores were rounded to thousandths: allow half a thousandth per possible meeting
    slack = 0.5 * min(problem.slots * problem.tables, problem.departments * problem.suppliers)
    return Schedule(
        meetings=_tables(problem, placed),
        upper_bound=(best + slack) / SCALE,
        coverage_bound=(coverage_bound + slack) / SCALE,
        coverable=coverable,
        seconds=time.perf_counter() - start,
        dropped=dropped,
    )
