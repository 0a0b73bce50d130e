"""Creating scenarios (from a demand with accepted proposals, or external cases) and who sees them."""

from __future__ import annotations

from lab.models import OutboxEvent, Proposal, ProposalStatus
from lab.models import AuditRecord
from pipeline.models import Origin, Scenario, Stage
from tests import factories
from tests.pipeline import builders


async def test_a_department_creates_a_scenario_from_its_demand_with_an_accepted_proposal(client, operator):
    p = await builders.parties()
    proposal = await builders.accepted_proposal(p.lead, p.partner)
    response = await client.post(
        "/api/scenarios", headers=p.lead_actor.headers, json={"demand_id": proposal.demand_id, "tags": ["电梯阻车"]}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["stage"] == "requirement" and body["lead_department"] == p.lead.name
    assert body["partners"] == [p.partner.name] and body["proposal_ids"] == [proposal.id]
    assert body["version"] == 1 and body["code"] is None
    assert [m["to"] for m in body["moves"]] == ["design", "withdrawn"]
    assert await AuditRecord.filter(action="scenario.create", object_id=body["id"]).count() == 1
    assert await OutboxEvent.filter(kind="scenario", object_id=body["id"]).count() == 1
    assert body["investment_wan"] == 80.0  # the accepted proposals' cost
    partner_view = await client.get(f"/api/scenarios/{body['id']}", headers=p.partner_actor.headers)
    assert partner_view.status_code == 200 and partner_view.json()["relations"] == ["partner"]
    again = await client.post("/api/scenarios", headers=operator.headers, json={"demand_id": proposal.demand_id})
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_scenario"
    withdrawn = await client.post(
        f"/api/scenarios/{body['id']}/transitions",
        headers=p.lead_actor.headers,
        json={"to": "withdrawn", "reason": "预算调整", "version": 1},
    )
    assert withdrawn.status_code == 200
    assert (
        await client.post("/api/scenarios", headers=operator.headers, json={"demand_id": proposal.demand_id})
    ).status_code == 201


async def test_creating_a_scenario_needs_an_accepted_proposal_and_the_demand_owner(client, operator):
    p = await builders.parties()
    demand = await factories.demand(p.lead)
    await Proposal.create(
        demand=demand,
        organisation=p.partner,
        approach="方案",
        cost_wan=10,
        duration_weeks=4,
        status=ProposalStatus.SUBMITTED,
    )
    refused = await client.post("/api/scenarios", headers=p.lead_actor.headers, json={"demand_id": demand.id})
    assert refused.status_code == 422 and "proposal_ids" in refused.json()["error"]["fields"]
    other = await factories.actor("department_member")
    accepted = await builders.accepted_proposal(p.lead, await factories.organisation("enterprise"))
    assert (
        await client.post("/api/scenarios", headers=other.headers, json={"demand_id": accepted.demand_id})
    ).status_code == 403
    assert (
        await client.post("/api/scenarios", headers=p.partner_actor.headers, json={"demand_id": accepted.demand_id})
    ).status_code == 403
    assert (await client.post("/api/scenarios", json={"demand_id": accepted.demand_id})).status_code == 401
    assert (
        await client.post(
            "/api/scenarios",
            headers=p.lead_actor.headers,
            json={"demand_id": accepted.demand_id, "proposal_ids": [accepted.id, 99999]},
        )
    ).status_code == 422
    assert (
        await client.post("/api/scenarios", headers=p.lead_actor.headers, json={"demand_id": 99999})
    ).status_code == 422
    assert await Scenario.all().count() == 0


async def test_operators_record_external_city_cases(client, operator):
    body = {
        "origin": "external",
        "title": "深圳“深蓝”网络安全攻防演练",
        "summary": "以攻促防",
        "domain": "网络与数据安全",
        "city": "深圳",
        "year": 2023,
        "source_note": "评估报告",
    }
    department = await factories.actor("department_member")
    assert (await client.post("/api/scenarios", headers=department.headers, json=body)).status_code == 403
    missing = await client.post("/api/scenarios", headers=operator.headers, json={"origin": "external"})
    assert missing.status_code == 422 and {"title", "domain", "city"} <= set(missing.json()["error"]["fields"])
    created = await client.post("/api/scenarios", headers=operator.headers, json=body)
    assert created.status_code == 201 and created.json()["origin"] == "external" and created.json()["moves"] == []
    visible = (await client.get("/api/scenarios?origin=external")).json()
    assert [s["city"] for s in visible["items"]] == ["深圳"]
    move = await client.post(
        f"/api/scenarios/{created.json()['id']}/transitions",
        headers=operator.headers,
        json={"to": "promotion", "version": 1},
    )
    assert move.status_code == 409


async def test_visitors_see_only_listed_promoted_and_external_scenarios(client, operator):
    p = await builders.parties()
    ed = await builders.edition()
    for stage in Stage:
        await builders.scenario(stage, p, edition_obj=ed, title=f"场景-{stage.value}")
    await Scenario.create(title="外地案例", domain="教育", origin=Origin.EXTERNAL, city="杭州", stage=Stage.LISTING)
    visitor = (await client.get("/api/scenarios?limit=100")).json()
    assert sorted(s["title"] for s in visitor["items"]) == ["场景-listing", "场景-promotion", "外地案例"]
    lead = (await client.get("/api/scenarios?limit=100", headers=p.lead_actor.headers)).json()
    assert lead["total"] == 9
    outsider = await factories.actor("supplier_member")
    assert (await client.get("/api/scenarios", headers=outsider.headers)).json()["total"] == 3
    hidden = await Scenario.get(title="场景-design")
    assert (await client.get(f"/api/scenarios/{hidden.id}")).status_code == 404
    assert (await client.get(f"/api/scenarios/{hidden.id}", headers=outsider.headers)).status_code == 404
    by_stage = (await client.get("/api/scenarios?stage=design", headers=operator.headers)).json()
    assert [s["title"] for s in by_stage["items"]] == ["场景-design"]
    by_edition = (await client.get(f"/api/scenarios?edition={ed.id}")).json()
    assert by_edition["total"] == 2
    assert (await client.get("/api/scenarios?stage=launched")).status_code == 422
    assert (await client.get("/api/scenarios?domain=火星")).status_code == 422
    history = (await client.get(f"/api/scenarios/{(await Scenario.get(title='场景-listing')).id}/history")).json()
    assert history == {"items": []}


def test_pipeline_imports_point_inward():
    from pathlib import Path

    import pipeline

    for path in Path(pipeline.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import showcase" not in text and "from showcase" not in text, path.name


async def test_the_database_allows_one_live_scenario_per_demand(db):
    """live_demand_key backs up the check in code when two creations race past it."""
    import pytest
    from tortoise.exceptions import IntegrityError

    p = await builders.parties()
    proposal = await builders.accepted_proposal(p.lead, p.partner)
    values = dict(
        title="场景",
        summary="",
        domain="消防",
        district="金牛区",
        origin=Origin.LAB,
        year=2026,
        lead_department_id=p.lead.id,
        demand_id=proposal.demand_id,
    )
    await Scenario.create(**values, live_demand_key=proposal.demand_id)
    with pytest.raises(IntegrityError):
        await Scenario.create(**values, live_demand_key=proposal.demand_id)
    await Scenario.create(**values, stage=Stage.WITHDRAWN, live_demand_key=None)
