"""The national cases the demo ships: the revised 18, each with its source; illustrative examples
left by an older demo are withdrawn (hidden) with the reason recorded."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from lab.models import AuditRecord
from pipeline import demo
from pipeline.models import Origin, Scenario, Stage


async def test_the_demo_ships_18_sourced_cases_and_withdraws_old_illustrative_ones(db):
    old = await Scenario.create(
        title="城中村电动自行车充电与消防物联感知",
        summary="示例",
        domain="消防",
        origin=Origin.EXTERNAL,
        city="成都",
        year=2023,
        source_note="示例案例",
        tags=["示例案例"],
        stage=Stage.LISTING,
        furthest_stage=Stage.LISTING,
    )
    async with in_transaction() as conn:
        assert await demo.seed_national_cases(None, conn) == 18
    cases = await Scenario.filter(origin=Origin.EXTERNAL).exclude(stage=Stage.WITHDRAWN)
    assert len(cases) == 18 and all(c.source_note for c in cases)
    assert not any("示例" in c.source_note for c in cases)
    await old.refresh_from_db()
    assert old.stage == Stage.WITHDRAWN
    record = await AuditRecord.get(object_kind="scenario", object_id=old.id, action="scenario.withdraw")
    assert "示例案例" in record.reason
    async with in_transaction() as conn:
        assert await demo.seed_national_cases(None, conn) == 0  # idempotent
    assert await Scenario.filter(origin=Origin.EXTERNAL).exclude(stage=Stage.WITHDRAWN).count() == 18
