"""Optimistic versions under real contention: exactly one of many simultaneous moves wins."""

from __future__ import annotations

import asyncio

import pytest

from lab.models import OutboxEvent
from lab.models import AuditRecord
from pipeline.models import Scenario, Stage
from tests.conftest import using_postgres
from tests.pipeline import builders

pytestmark = pytest.mark.skipif(not using_postgres(), reason="needs PostgreSQL (set LAB_TEST_DATABASE_URL)")


@pytest.mark.postgres
async def test_twenty_concurrent_transitions_one_wins_the_rest_conflict(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.REQUIREMENT, p)
    body = {"to": "design", "reason": "并发测试", "version": s.version}

    async def attempt(n: int):
        headers = operator.headers if n % 2 else p.lead_actor.headers
        return await client.post(f"/api/scenarios/{s.id}/transitions", headers=headers, json=body)

    responses = await asyncio.gather(*(attempt(n) for n in range(20)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19, [r.text for r in responses if r.status_code not in (200, 409)]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"version_conflict"}
    fresh = await Scenario.get(id=s.id)
    assert (fresh.stage, fresh.version) == (Stage.DESIGN, s.version + 1)
    assert await AuditRecord.filter(object_kind="scenario", object_id=s.id, action="scenario.advance").count() == 1
    assert await OutboxEvent.filter(kind="scenario", object_id=s.id).count() == 1


@pytest.mark.postgres
async def test_concurrent_listings_never_overfill_the_edition(client, operator):
    p = await builders.parties()
    await builders.edition(capacity=2)
    reviewers = [await builders.factories.user("reviewer") for _ in range(3)]
    candidates = []
    for _ in range(6):
        s = await builders.scenario(Stage.EVALUATION, p)
        await builders.reviews(s, [85, 85, 85], reviewers)
        candidates.append(s)
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/scenarios/{s.id}/transitions",
                headers=operator.headers,
                json={"to": "listing", "version": s.version},
            )
            for s in candidates
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 422, 422, 422, 422]
    assert await Scenario.filter(stage=Stage.LISTING).count() == 2
