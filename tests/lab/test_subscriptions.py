"""Saved searches and follows over the API: each belongs to its user, bad input is a 422 that
changes nothing, private objects cannot be followed (their existence does not leak)."""

from lab.conversation_models import Follow, SavedSearch
from tests import factories


async def test_saved_searches_are_created_listed_and_deleted_by_their_owner_only(client, db):
    me = await factories.actor("supplier_member")
    other = await factories.actor("department_member")
    body = {
        "q": "积水监测",
        "kind": "demand",
        "filters": {"domain": "水务与防汛", "district": "武侯区"},
        "frequency": "daily",
    }
    made = await client.post("/api/saved-searches", json=body, headers=me.headers)
    assert made.status_code == 201, made.text
    created = made.json()
    assert {k: created[k] for k in body} == body
    assert (await client.get("/api/saved-searches", headers=me.headers)).json()["items"][0]["id"] == created["id"]
    assert (await client.get("/api/saved-searches", headers=other.headers)).json() == {"items": []}
    assert (await client.get("/api/saved-searches")).status_code == 401
    assert (await client.delete(f"/api/saved-searches/{created['id']}", headers=other.headers)).status_code == 404
    assert (await client.delete(f"/api/saved-searches/{created['id']}", headers=me.headers)).status_code == 200
    assert not await SavedSearch.exists(id=created["id"])


async def test_bad_saved_searches_are_422_and_change_nothing(client, db):
    me = await factories.actor("supplier_member")
    for body in (
        {"q": "积水", "frequency": "hourly"},
        {"q": "积水", "kind": "user"},
        {"q": "积水", "filters": {"domain": "不存在的领域"}},
        {"q": "积水", "filters": {"owner": 1}},
        {"q": "x" * 201},
        {},
        {"q": "积水", "frequency": None},
        [1, 2],
    ):
        r = await client.post("/api/saved-searches", json=body, headers=me.headers)
        assert r.status_code == 422, (body, r.text)
        assert set(r.json()["error"]) == {"code", "message", "fields"}
    assert await SavedSearch.all().count() == 0


async def test_follows_name_a_readable_demand_scenario_or_organisation(client, db):
    me = await factories.actor("supplier_member")
    dept = await factories.organisation("department")
    published = await factories.demand(dept)
    draft = await factories.demand(dept, status="draft")
    made = await client.post("/api/follows", json={"object": f"demand:{published.id}"}, headers=me.headers)
    assert made.status_code == 201 and made.json()["object"] == f"demand:{published.id}"
    assert made.json()["title"] == published.title
    again = await client.post("/api/follows", json={"object": f"demand:{published.id}"}, headers=me.headers)
    assert again.status_code == 409
    assert (
        await client.post("/api/follows", json={"object": f"demand:{draft.id}"}, headers=me.headers)
    ).status_code == 404  # someone else's draft: not found
    assert (
        await client.post("/api/follows", json={"object": f"organisation:{dept.id}"}, headers=me.headers)
    ).status_code == 201
    assert (
        await client.post("/api/follows", json={"object": "scenario:999999"}, headers=me.headers)
    ).status_code == 404
    for bad in ("demand", "user:1", "demand:abc", "demand:-1", ""):
        assert (await client.post("/api/follows", json={"object": bad}, headers=me.headers)).status_code == 422
    items = (await client.get("/api/follows", headers=me.headers)).json()["items"]
    assert sorted(i["object"] for i in items) == sorted([f"demand:{published.id}", f"organisation:{dept.id}"])
    gone = await client.request("DELETE", "/api/follows", json={"object": f"demand:{published.id}"}, headers=me.headers)
    assert gone.status_code == 200
    assert not await Follow.exists(user_id=me.user.id, object_kind="demand")
    org_follow = await Follow.get(user_id=me.user.id)
    stranger = await factories.actor("supplier_member")
    assert (await client.delete(f"/api/follows/{org_follow.id}", headers=stranger.headers)).status_code == 404
    assert (await client.delete(f"/api/follows/{org_follow.id}", headers=me.headers)).status_code == 200


async def test_alert_settings_opt_out(client, db):
    me = await factories.actor("supplier_member")
    assert (await client.get("/api/alert-settings", headers=me.headers)).json() == {"fit_alerts": True}
    bad = await client.put("/api/alert-settings", json={"fit_alerts": "maybe"}, headers=me.headers)
    assert bad.status_code == 422
    assert (await client.put("/api/alert-settings", json={"fit_alerts": False}, headers=me.headers)).json() == {
        "fit_alerts": False
    }
    assert (await client.get("/api/alert-settings", headers=me.headers)).json() == {"fit_alerts": False}
