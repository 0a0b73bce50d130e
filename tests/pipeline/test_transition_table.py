"""The lifecycle runs its table: every fact and effect a rule names exists, a transition gathers only
the facts its rule names, and previewing a move for a button reads without taking a lock."""

from __future__ import annotations

import anyio
import pytest
from tortoise.transactions import in_transaction

from pipeline import editions, lifecycle
from pipeline.models import Edition, Stage
from pipeline.stages import TRANSITIONS, Facts
from tests.conftest import using_postgres
from tests.pipeline import builders


def test_every_named_fact_and_effect_is_implemented_and_used():
    named_facts = {f for rule in TRANSITIONS.values() for f in rule.facts}
    named_effects = {e for rule in TRANSITIONS.values() for e in rule.effects}
    assert named_facts == set(lifecycle.FACTS)
    assert named_effects == set(lifecycle.EFFECTS)
    for (source, target), rule in TRANSITIONS.items():
        assert bool(rule.guard) == bool(rule.facts), (source, target)  # a guard names what it looks at


def test_leaving_the_showcase_or_the_edition_is_in_the_table():
    assert "leave_showcase" in TRANSITIONS[(Stage.PROMOTION, Stage.LISTING)].effects
    assert "leave_showcase" in TRANSITIONS[(Stage.PROMOTION, Stage.WITHDRAWN)].effects
    assert "leave_edition" in TRANSITIONS[(Stage.LISTING, Stage.EVALUATION)].effects
    assert "free_demand" in TRANSITIONS[(Stage.EVALUATION, Stage.REJECTED)].effects
    assert "join_open_edition" in TRANSITIONS[(Stage.EVALUATION, Stage.LISTING)].effects


async def test_a_move_gathers_only_the_facts_its_rule_names(db):
    p = await builders.parties()
    s = await builders.scenario(Stage.DESIGN, p)
    await builders.design_plan(s)
    await builders.test_report(s)  # a passed report exists, but moving to testing does not look at it
    assert await lifecycle.gather_facts(s, Stage.TESTING, lock=False) == Facts(design_plans=1)
    assert await lifecycle.gather_facts(s, Stage.REQUIREMENT, lock=False) == Facts()


async def test_preview_answers_like_the_guard(db):
    p = await builders.parties()
    s = await builders.scenario(Stage.EVALUATION, p)
    await builders.reviews(s, [80, 80])
    reasons = await lifecycle.preview(s, Stage.LISTING)
    assert any("评审意见不足" in r for r in reasons) and any("没有开放中的" in r for r in reasons)
    assert await lifecycle.preview(s, Stage.TESTING) == []  # a return has no guard


@pytest.mark.postgres
@pytest.mark.skipif(not using_postgres(), reason="row locks need PostgreSQL (set LAB_TEST_DATABASE_URL)")
async def test_drawing_buttons_does_not_wait_for_a_locked_edition(db):
    p = await builders.parties()
    ed = await builders.edition()
    s = await builders.ready(Stage.EVALUATION, p, ed)
    locked, release = anyio.Event(), anyio.Event()

    async def hold_the_edition():
        async with in_transaction() as conn:
            await editions.locked(ed.id, conn)
            locked.set()
            await release.wait()

    async with anyio.create_task_group() as tg:
        tg.start_soon(hold_the_edition)
        await locked.wait()
        with anyio.fail_after(5):  # a preview that took the row lock would wait here until released
            assert await lifecycle.preview(s, Stage.LISTING) == []
        release.set()
    assert (await Edition.get(id=ed.id)).id == ed.id
