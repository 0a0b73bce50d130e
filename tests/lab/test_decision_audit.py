"""Every decision of the marketplace conversation is in the audit trail operators read at
/api/audit?object=...: each proposal event (with its reason), the others closed on accept, Q&A
answers and moderation, demand withdrawal, organisation verification; refusals audit nothing."""

from __future__ import annotations

from lab.models import AuditRecord
from tests import factories


async def _trail(client, operator, obj: str) -> list[tuple[str, str]]:
    response = await client.get(f"/api/audit?object={obj}", headers=operator.headers)
    assert response.status_code == 200, response.text
    return [(i["action"], i["reason"]) for i in reversed(response.json()["items"])]


async def _proposal(client, demand, supplier) -> int:
    made = await client.post(
        "/api/proposals",
        headers=supplier.headers,
        json={"demand_id": demand.id, "approach": "方案", "cost_wan": 10, "duration_weeks": 4},
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def test_every_proposal_decision_is_audited_with_its_reason(client):
    dept = await factories.organisation("department")
    owner = await factories.actor("department_member", dept)
    operator = await factories.actor("operator")
    demand = await factories.demand(dept)
    a, b, c, d = [await factories.actor("supplier_member") for _ in range(4)]
    pa, pb, pc, pd = [await _proposal(client, demand, s) for s in (a, b, c, d)]
    before = await AuditRecord.all().count()
    assert (await client.post(f"/api/proposals/{pb}/decline", json={}, headers=owner.headers)).status_code == 422
    assert await AuditRecord.all().count() == before  # refused: nothing audited
    assert (await client.post(f"/api/proposals/{pa}/shortlist", headers=owner.headers)).status_code == 200
    assert (
        await client.post(f"/api/proposals/{pb}/decline", json={"reason": "资质不符"}, headers=owner.headers)
    ).status_code == 200
    assert (await client.post(f"/api/proposals/{pc}/withdraw", headers=c.headers)).status_code == 200
    assert (
        await client.post(f"/api/proposals/{pa}/accept", json={"reason": "已选定方案"}, headers=owner.headers)
    ).status_code == 200
    assert await _trail(client, operator, f"proposal:{pa}") == [
        ("proposal.submit", ""),
        ("proposal.shortlist", ""),
        ("proposal.accept", "已选定方案"),
    ]
    assert await _trail(client, operator, f"proposal:{pb}") == [
        ("proposal.submit", ""),
        ("proposal.decline", "资质不符"),
    ]
    assert await _trail(client, operator, f"proposal:{pc}") == [("proposal.submit", ""), ("proposal.withdraw", "")]
    assert await _trail(client, operator, f"proposal:{pd}") == [
        ("proposal.submit", ""),
        ("proposal.close", f"已选定方案（已采纳方案 {pa}）"),
    ]
    record = await AuditRecord.get(object_kind="proposal", object_id=pd, action="proposal.close")
    assert (record.before["status"], record.after["status"]) == ("submitted", "declined")
    assert record.actor_id == owner.user.id


async def test_qa_answers_and_moderation_and_demand_withdrawal_are_audited(client):
    dept = await factories.organisation("department")
    owner = await factories.actor("department_member", dept)
    operator = await factories.actor("operator")
    supplier = await factories.actor("supplier_member")
    demand = await factories.demand(dept)
    q1 = (
        await client.post(f"/api/demands/{demand.id}/questions", json={"text": "问一"}, headers=supplier.headers)
    ).json()["id"]
    q2 = (
        await client.post(f"/api/demands/{demand.id}/questions", json={"text": "广告"}, headers=supplier.headers)
    ).json()["id"]
    assert (
        await client.post(f"/api/questions/{q1}/answer", json={"answer": "答一"}, headers=owner.headers)
    ).status_code == 200
    assert (
        await client.post(f"/api/questions/{q2}/hide", json={"reason": "与需求无关的广告"}, headers=operator.headers)
    ).status_code == 200
    assert (await client.post(f"/api/demands/{demand.id}/withdraw", json={}, headers=owner.headers)).status_code == 200
    trail = await _trail(client, operator, f"demand:{demand.id}")
    assert trail == [("question.answer", ""), ("question.hide", "与需求无关的广告"), ("demand.withdraw", "")]
    hidden = await AuditRecord.get(action="question.hide")
    assert hidden.after == {"question": q2, "status": "hidden"} and hidden.actor_id == operator.user.id


async def test_organisation_verification_is_audited(client):
    operator = await factories.actor("operator")
    org = await factories.organisation("enterprise")
    assert (
        await client.patch(f"/api/organisations/{org.id}", json={"verified": True}, headers=operator.headers)
    ).status_code == 200
    record = await AuditRecord.get(object_kind="organisation", object_id=org.id)
    assert (record.before, record.after) == ({"verified": False}, {"verified": True})
