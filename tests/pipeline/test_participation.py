"""Lifecycle design points: once listed, only an operator withdraws a scenario (with a reason);
before listing, a supplier partner may withdraw its own participation (audited)."""

from __future__ import annotations

import pytest

from lab.models import AuditRecord
from pipeline.models import Scenario, Stage
from pipeline.stages import allowed
from tests import factories
from tests.pipeline import builders


@pytest.mark.parametrize("stage", [Stage.LISTING, Stage.PROMOTION])
def test_after_listing_only_an_operator_may_withdraw(stage):
    assert allowed(stage, Stage.WITHDRAWN, {"operator"})
    assert not allowed(stage, Stage.WITHDRAWN, {"lead"})
    assert not allowed(stage, Stage.WITHDRAWN, {"partner"})


@pytest.mark.parametrize("stage", [Stage.REQUIREMENT, Stage.DESIGN, Stage.TESTING, Stage.EVALUATION])
def test_before_listing_the_owners_may_withdraw(stage):
    assert allowed(stage, Stage.WITHDRAWN, {"lead"}) and allowed(stage, Stage.WITHDRAWN, {"partner"})


async def test_listed_scenario_withdrawn_by_operator_with_reason_only(client, operator):
    p = await builders.parties()
    s = await builders.scenario("listing", p, edition_obj=await builders.edition())
    refused = await client.post(
        f"/api/scenarios/{s.id}/transitions",
        headers=p.lead_actor.headers,
        json={"to": "withdrawn", "reason": "不做了", "version": s.version},
    )
    assert refused.status_code == 403, refused.text
    no_reason = await client.post(
        f"/api/scenarios/{s.id}/transitions",
        headers=operator.headers,
        json={"to": "withdrawn", "reason": "", "version": s.version},
    )
    assert no_reason.status_code == 422
    assert (await Scenario.get(id=s.id)).stage == Stage.LISTING
    done = await client.post(
        f"/api/scenarios/{s.id}/transitions",
        headers=operator.headers,
        json={"to": "withdrawn", "reason": "牵头单位申请撤出储备清单", "version": s.version},
    )
    assert done.status_code == 200, done.text
    record = await AuditRecord.get(object_kind="scenario", object_id=s.id, action="scenario.withdraw")
    assert record.reason == "牵头单位申请撤出储备清单"


async def test_supplier_withdraws_its_own_participation_before_listing(client):
    p = await builders.parties()
    s = await builders.scenario("design", p)
    path = f"/api/scenarios/{s.id}/participation/withdraw"
    assert (
        await client.post(path, headers=p.partner_actor.headers, json={"version": s.version, "reason": ""})
    ).status_code == 422
    assert (
        await client.post(path, headers=p.lead_actor.headers, json={"version": s.version, "reason": "x"})
    ).status_code == 403
    stranger = await factories.actor("supplier_member")
    assert (
        await client.post(path, headers=stranger.headers, json={"version": s.version, "reason": "x"})
    ).status_code in (403, 404)
    assert (
        await client.post(path, headers=p.partner_actor.headers, json={"version": s.version + 5, "reason": "x"})
    ).status_code == 409
    done = await client.post(
        path, headers=p.partner_actor.headers, json={"version": s.version, "reason": "团队调整，无法按期交付"}
    )
    assert done.status_code == 200, done.text
    fresh = await Scenario.get(id=s.id)
    assert fresh.stage == Stage.DESIGN and fresh.version == s.version + 1
    assert await fresh.partners.all().count() == 0
    assert await fresh.proposals.all().count() == 0
    record = await AuditRecord.get(object_kind="scenario", object_id=s.id, action="scenario.leave")
    assert record.reason == "团队调整，无法按期交付" and record.actor_id == p.partner_actor.user.id


async def test_supplier_cannot_leave_a_listed_scenario(client):
    p = await builders.parties()
    s = await builders.scenario("listing", p, edition_obj=await builders.edition())
    response = await client.post(
        f"/api/scenarios/{s.id}/participation/withdraw",
        headers=p.partner_actor.headers,
        json={"version": s.version, "reason": "想退出"},
    )
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "illegal_transition"
    assert await (await Scenario.get(id=s.id)).partners.all().count() == 1
    assert not await AuditRecord.filter(action="scenario.leave").exists()
