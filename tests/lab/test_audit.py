"""Core decisions write the audit trail in the same transaction as the change, through the one
conditional-update helper; a refused change writes neither audit nor outbox; operators read the
trail of any object kind."""

from __future__ import annotations

from lab.models import AuditRecord, OutboxEvent, Proposal
from tests import factories


async def _trail(client, operator, obj: str) -> list[dict]:
    response = await client.get(f"/api/audit?object={obj}", headers=operator.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_publishing_and_closing_a_demand_are_audited(client):
    dept = await factories.organisation("department")
    owner = await factories.actor("department_member", dept)
    operator = await factories.actor("operator")
    demand = await factories.demand(dept, status="draft", title="积水点监测预警")
    assert (
        await client.post(f"/api/demands/{demand.id}/publish", headers=owner.headers, json={"version": 1})
    ).status_code == 200
    assert (await client.post(f"/api/demands/{demand.id}/close", headers=owner.headers, json={})).status_code == 200
    items = await _trail(client, operator, f"demand:{demand.id}")
    assert [(i["action"], i["before"]["status"], i["after"]["status"], i["actor_id"]) for i in items] == [
        ("demand.close", "published", "closed", owner.user.id),
        ("demand.publish", "draft", "published", owner.user.id),
    ]
    assert items[1]["before"]["version"] == 1 and items[1]["after"]["version"] == 2


async def test_a_stale_version_changes_nothing_and_audits_nothing(client):
    dept = await factories.organisation("department")
    owner = await factories.actor("department_member", dept)
    demand = await factories.demand(dept, status="draft")
    audits, events = await AuditRecord.all().count(), await OutboxEvent.all().count()
    response = await client.post(f"/api/demands/{demand.id}/publish", headers=owner.headers, json={"version": 7})
    assert response.status_code == 409
    assert await AuditRecord.all().count() == audits and await OutboxEvent.all().count() == events


async def test_accepting_a_proposal_is_audited(client):
    dept = await factories.organisation("department")
    supplier = await factories.organisation("enterprise")
    owner = await factories.actor("department_member", dept)
    operator = await factories.actor("operator")
    demand = await factories.demand(dept)
    proposal = await Proposal.create(
        demand=demand, organisation=supplier, approach="方案", cost_wan=10, duration_weeks=4
    )
    assert (
        await client.post(f"/api/proposals/{proposal.id}/accept", headers=owner.headers, json={})
    ).status_code == 200
    items = await _trail(client, operator, f"proposal:{proposal.id}")
    assert [(i["action"], i["before"]["status"], i["after"]["status"]) for i in items] == [
        ("proposal.accept", "submitted", "accepted")
    ]


async def test_role_and_active_changes_are_audited(client):
    operator = await factories.actor("operator")
    person = await factories.user("reviewer")
    response = await client.patch(f"/api/users/{person.id}", headers=operator.headers, json={"active": False})
    assert response.status_code == 200
    items = await _trail(client, operator, f"user:{person.id}")
    assert [(i["action"], i["before"], i["after"]) for i in items] == [
        ("user.change_role", {"active": True}, {"active": False})
    ]
    org = await factories.organisation("enterprise")
    assert (
        await client.patch(f"/api/organisations/{org.id}", headers=operator.headers, json={"verified": True})
    ).status_code == 200
    assert [i["action"] for i in await _trail(client, operator, f"organisation:{org.id}")] == ["organisation.update"]


async def test_the_audit_api_refuses_malformed_objects_and_non_operators(client):
    operator = await factories.actor("operator")
    for bad in ("demand", "demand:x", "Demand:1", ":3"):
        response = await client.get(f"/api/audit?object={bad}", headers=operator.headers)
        assert response.status_code == 422, bad
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    member = await factories.actor("department_member")
    assert (await client.get("/api/audit", headers=member.headers)).status_code == 403
    assert (await client.get("/api/audit")).status_code == 401
