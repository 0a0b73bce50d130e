"""Every proposal answered: decline needs a reason, accepting closes the others with one, each event
notifies the other side only, and a demand that has an accepted proposal takes no more."""

import asyncio

from lab.conversation_models import Notification
from lab.models import Proposal
from tests import factories


async def _world(client, suppliers: int = 1):
    dept_org = await factories.organisation("department")
    department = await factories.actor("department_member", dept_org)
    colleague = await factories.actor("department_member", dept_org)
    demand = await factories.demand(dept_org)
    teams, ids = [], []
    for _ in range(suppliers):
        org = await factories.organisation("enterprise")
        members = [await factories.actor("supplier_member", org), await factories.actor("supplier_member", org)]
        made = await client.post(
            "/api/proposals",
            headers=members[0].headers,
            json={"demand_id": demand.id, "approach": "部署识别终端", "cost_wan": 30, "duration_weeks": 6},
        )
        assert made.status_code == 201, made.text
        teams.append(members)
        ids.append(made.json()["id"])
    return demand, department, colleague, teams, ids


async def _kinds(user) -> list[str]:
    return sorted(await Notification.filter(user_id=user.user.id).values_list("kind", flat=True))


async def test_decline_without_a_reason_is_422_and_changes_nothing(client):
    demand, department, _, teams, (pid,) = await _world(client)
    before = await Proposal.get(id=pid)
    for body in (None, {}, {"reason": ""}, {"reason": "   "}):
        r = await client.post(f"/api/proposals/{pid}/decline", json=body, headers=department.headers)
        assert r.status_code == 422, r.text
        assert "reason" in r.json()["error"]["fields"]
    after = await Proposal.get(id=pid)
    assert (after.status, after.version, after.decision_reason) == (before.status, before.version, "")
    assert "proposal_declined" not in await _kinds(teams[0][0])
    ok = await client.post(f"/api/proposals/{pid}/decline", json={"reason": "报价超出预算"}, headers=department.headers)
    assert ok.status_code == 200 and ok.json()["decision_reason"] == "报价超出预算"
    seen = (await client.get(f"/api/proposals/{pid}", headers=teams[0][1].headers)).json()
    assert seen["status"] == "declined" and seen["decision_reason"] == "报价超出预算"
    message = await Notification.get(user_id=teams[0][1].user.id, kind="proposal_declined")
    assert "报价超出预算" in message.message and message.object_kind == "proposal" and message.object_id == pid


async def test_every_proposal_event_notifies_the_other_side_only(client):
    demand, department, colleague, teams, (p1, p2, p3) = await _world(client, suppliers=3)
    # submitted: the department hears (both members), suppliers do not
    assert await _kinds(department) == ["proposal_submitted"] * 3
    assert await _kinds(colleague) == ["proposal_submitted"] * 3
    assert await _kinds(teams[0][0]) == [] and await _kinds(teams[0][1]) == []
    await Notification.all().delete()

    assert (await client.post(f"/api/proposals/{p1}/shortlist", headers=department.headers)).status_code == 200
    assert await _kinds(teams[0][0]) == ["proposal_shortlisted"] == await _kinds(teams[0][1])
    assert await _kinds(department) == [] and await _kinds(colleague) == [] and await _kinds(teams[1][0]) == []
    await Notification.all().delete()

    assert (await client.post(f"/api/proposals/{p3}/withdraw", headers=teams[2][0].headers)).status_code == 200
    assert await _kinds(department) == ["proposal_withdrawn"] == await _kinds(colleague)
    assert await _kinds(teams[2][0]) == [] and await _kinds(teams[2][1]) == []
    await Notification.all().delete()

    accepted = await client.post(
        f"/api/proposals/{p1}/accept", json={"reason": "已选定技术路线更成熟的方案"}, headers=department.headers
    )
    assert accepted.status_code == 200, accepted.text
    assert await _kinds(teams[0][0]) == ["proposal_accepted"]
    assert await _kinds(teams[1][0]) == ["proposal_closed"] == await _kinds(teams[1][1])
    assert await _kinds(teams[2][0]) == []  # withdrawn earlier: not reopened nor told again
    assert await _kinds(department) == [] and await _kinds(colleague) == []
    closed = await Proposal.get(id=p2)
    assert closed.status == "declined" and closed.decision_reason == "已选定技术路线更成熟的方案"
    assert (await Proposal.get(id=p3)).status == "withdrawn"


async def test_accepting_without_a_reason_closes_others_with_the_default(client):
    from lab.proposals import DEFAULT_CLOSE_REASON

    demand, department, _, teams, (p1, p2) = await _world(client, suppliers=2)
    assert (await client.post(f"/api/proposals/{p2}/accept", headers=department.headers)).status_code == 200
    assert (await Proposal.get(id=p1)).decision_reason == DEFAULT_CLOSE_REASON


async def test_a_demand_with_an_accepted_proposal_takes_no_more(client):
    demand, department, _, teams, (p1,) = await _world(client)
    assert (await client.post(f"/api/proposals/{p1}/accept", headers=department.headers)).status_code == 200
    late = await factories.actor("supplier_member")
    r = await client.post(
        "/api/proposals",
        headers=late.headers,
        json={"demand_id": demand.id, "approach": "迟到的方案", "cost_wan": 10, "duration_weeks": 2},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "demand_awarded"
    assert await Proposal.filter(demand_id=demand.id).count() == 1


async def test_closed_or_withdrawn_demands_take_no_proposals(client):
    demand, department, _, teams, _ = await _world(client)
    assert (await client.post(f"/api/demands/{demand.id}/close", headers=department.headers)).status_code == 200
    late = await factories.actor("supplier_member")
    r = await client.post(
        "/api/proposals",
        headers=late.headers,
        json={"demand_id": demand.id, "approach": "方案", "cost_wan": 10, "duration_weeks": 2},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "demand_not_open"


async def test_the_inbox_api_filters_by_kind_and_links_to_the_object(client):
    demand, department, _, teams, (pid,) = await _world(client)
    asked_now = await client.post(
        f"/api/demands/{demand.id}/questions", json={"text": "工期？"}, headers=teams[0][0].headers
    )
    assert asked_now.status_code == 201
    every = (await client.get("/api/notifications", headers=department.headers)).json()
    assert sorted(n["kind"] for n in every["items"]) == ["proposal_submitted", "question_asked"]
    only = (await client.get("/api/notifications?kind=proposal", headers=department.headers)).json()
    assert [(n["kind"], n["object"], n["link"]) for n in only["items"]] == [
        ("proposal_submitted", f"proposal:{pid}", f"/proposals/{pid}")
    ]
    asked = (await client.get("/api/notifications?kind=question", headers=department.headers)).json()["items"]
    assert [(n["object"], n["link"]) for n in asked] == [(f"demand:{demand.id}", f"/demands/{demand.id}")]
    assert (await client.get("/api/notifications?kind=bogus", headers=department.headers)).status_code == 422


async def test_two_concurrent_accepts_on_one_demand_leave_one_accepted(client):
    demand, department, colleague, teams, (p1, p2) = await _world(client, suppliers=2)
    first, second = await asyncio.gather(
        client.post(f"/api/proposals/{p1}/accept", headers=department.headers),
        client.post(f"/api/proposals/{p2}/accept", headers=colleague.headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    statuses = sorted(await Proposal.filter(demand_id=demand.id).values_list("status", flat=True))
    assert statuses == ["accepted", "declined"]
