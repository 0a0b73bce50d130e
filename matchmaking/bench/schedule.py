"""``scenario-lab bench schedule``: solve a random event of the given size and print the solve time,
the total score against an upper bound, and the fewest meetings any organisation got.

The instance is shaped like a real 供需对接会: every organisation works in one or two of the 20
domains; a pair's score is a cosine-like base (0.2–0.6), higher when their domains meet, plus 0.5
for each side that named the other among its (up to five) wishes; a quarter of the organisations
can only stay the morning or only the afternoon.
"""

from __future__ import annotations

import click
import numpy as np

DOMAINS = 20
WISHES = 5
WISH_BONUS = 0.5


def random_problem(departments: int, suppliers: int, slots: int, tables: int, seed: int = 0):
    from matchmaking.scheduling import Problem

    rng = np.random.default_rng(seed)

    def domains(n: int) -> np.ndarray:
        member = np.zeros((n, DOMAINS), dtype=bool)
        member[np.arange(n), rng.integers(0, DOMAINS, n)] = True
        second = rng.random(n) < 0.5
        member[np.nonzero(second)[0], rng.integers(0, DOMAINS, int(second.sum()))] = True
        return member

    dept_domains, supp_domains = domains(departments), domains(suppliers)
    shared = (dept_domains.astype(np.int32) @ supp_domains.T.astype(np.int32)) > 0
    scores = rng.uniform(0.2, 0.6, (departments, suppliers)) + np.where(
        shared, rng.uniform(0.2, 0.4, shared.shape), 0.0
    )
    for rows, cols, transpose in ((departments, suppliers, False), (suppliers, departments, True)):
        if cols == 0:
            continue
        for r in range(rows):
            for c in rng.choice(cols, size=min(WISHES, cols), replace=False):
                if transpose:
                    scores[c, r] += WISH_BONUS
                else:
                    scores[r, c] += WISH_BONUS

    def hours(n: int) -> np.ndarray:
        available = np.ones((n, slots), dtype=bool)
        half = slots // 2
        if half:
            kind = rng.random(n)
            available[kind < 0.125, half:] = False  # morning only
            available[(kind >= 0.125) & (kind < 0.25), :half] = False  # afternoon only
        return available

    return Problem(
        slots=slots, tables=tables, scores=scores, department_slots=hours(departments), supplier_slots=hours(suppliers)
    )


@click.command(
    "schedule", help="1:1 洽谈排程基准：随机生成一场对接会并求解，打印耗时、总分与上界、每个单位的最少场次。"
)
@click.option("--departments", default=200, show_default=True, type=click.IntRange(0, 5000))
@click.option("--suppliers", default=500, show_default=True, type=click.IntRange(0, 5000))
@click.option("--slots", default=12, show_default=True, type=click.IntRange(1, 200))
@click.option("--tables", default=60, show_default=True, type=click.IntRange(1, 5000))
@click.option(
    "--seconds", default=8.0, show_default=True, type=click.FloatRange(0.1, 600), help="排程（CP-SAT）一步的时间上限"
)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--seed", default=0, show_default=True, type=int)
def schedule_command(
    departments: int, suppliers: int, slots: int, tables: int, seconds: float, workers: int, seed: int
) -> None:
    from matchmaking.scheduling import schedule

    problem = random_problem(departments, suppliers, slots, tables, seed)
    result = schedule(problem, seconds=seconds, workers=workers, seed=seed)
    dept, supp = result.counts(problem)
    organisations = departments + suppliers
    without = int((dept == 0).sum() + (supp == 0).sum())
    ratio = result.total_score / result.upper_bound if result.upper_bound else 1.0
    ratio_cov = result.total_score / result.coverage_bound if result.coverage_bound else 1.0
    click.echo(
        f"instance: {departments} departments × {suppliers} suppliers, {slots} slots × {tables} tables "
        f"(seed {seed}; {int(problem.department_slots.sum() + problem.supplier_slots.sum())} "
        f"organisation-slots available)"
    )
    click.echo(f"solve time: {result.seconds:.2f} s")
    click.echo(
        f"meetings: {len(result.meetings)} of {slots * tables} table-slots "
        f"({result.dropped} chosen pairs did not fit into slots)"
    )
    click.echo(f"total score: {result.total_score:.3f}")
    click.echo(f"upper bound (score only): {result.upper_bound:.3f}  ratio {ratio:.2%}")
    click.echo(f"upper bound at full coverage: {result.coverage_bound:.3f}  ratio {ratio_cov:.2%}")
    click.echo(
        f"organisations with a meeting: {organisations - without} of {organisations} "
        f"(at most {result.coverable} possible)"
    )
    click.echo(f"fewest meetings any organisation got: {result.fewest_meetings(problem)}")
