"""Updates carry the version they read; a stale version gets 409 and changes nothing."""

from lab.models import Demand
from tests import factories


async def test_stale_version_gets_409_and_changes_nothing(client):
    dept = await factories.actor("department_member")
    created = (
        await client.post("/api/demands", json={"title": "原标题", "domain": "消防"}, headers=dept.headers)
    ).json()
    first = await client.patch(
        f"/api/demands/{created['id']}", json={"title": "第一次修改", "version": 1}, headers=dept.headers
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = await client.patch(
        f"/api/demands/{created['id']}", json={"title": "过期修改", "version": 1}, headers=dept.headers
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "version_conflict"
    assert (await Demand.get(id=created["id"])).title == "第一次修改"


async def test_lifecycle_action_with_stale_version_is_409(client):
    dept = await factories.actor("department_member")
    demand = await factories.demand(dept.user.organisation, status="draft")
    response = await client.post(f"/api/demands/{demand.id}/publish", json={"version": 7}, headers=dept.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "version_conflict"
    assert (await Demand.get(id=demand.id)).status == "draft"


async def test_illegal_status_change_is_409(client):
    dept = await factories.actor("department_member")
    demand = await factories.demand(dept.user.organisation, status="closed")
    response = await client.post(f"/api/demands/{demand.id}/publish", headers=dept.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "illegal_transition"


async def test_publishing_checks_strictly(client):
    dept = await factories.actor("department_member")
    created = (
        await client.post("/api/demands", json={"title": "只有标题", "domain": "消防"}, headers=dept.headers)
    ).json()
    response = await client.post(f"/api/demands/{created['id']}/publish", headers=dept.headers)
    assert response.status_code == 422
    assert {"description", "district"} <= set(response.json()["error"]["fields"])
    assert (await Demand.get(id=created["id"])).status == "draft"


async def test_publish_appends_outbox_row_in_same_transaction(client):
    from lab.models import OutboxEvent

    dept = await factories.actor("department_member")
    demand = await factories.demand(dept.user.organisation, status="draft")
    await client.post(f"/api/demands/{demand.id}/publish", headers=dept.headers)
    assert await OutboxEvent.filter(kind="demand", object_id=demand.id).count() == 1
