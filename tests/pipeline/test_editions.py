"""Reserve-list editions: capacity, one open edition at a time, changes audited; featured ranks."""

from __future__ import annotations

import pytest

from lab.models import AuditRecord
from pipeline.models import Edition, FeaturedEntry, Scenario, Stage
from tests import factories
from tests.pipeline import builders


async def _list(client, operator, s):
    return await client.post(
        f"/api/scenarios/{s.id}/transitions", headers=operator.headers, json={"to": "listing", "version": s.version}
    )


async def test_a_full_edition_refuses_listing_with_a_clear_422(client, operator):
    p = await builders.parties()
    created = await client.post(
        "/api/reserve-lists",
        headers=operator.headers,
        json={"name": "2025年度场景储备清单", "year": 2025, "capacity": 2},
    )
    assert created.status_code == 201, created.text
    edition = created.json()
    assert edition["rubric"][0] == {"name": "创新性", "weight": 20} and edition["featured_capacity"] == 18
    reviewers = [await factories.user("reviewer") for _ in range(3)]
    scenarios = []
    for _ in range(3):
        s = await builders.scenario(Stage.EVALUATION, p)
        await builders.reviews(s, [80, 80, 80], reviewers)
        scenarios.append(s)
    assert [(await _list(client, operator, s)).status_code for s in scenarios[:2]] == [200, 200]
    full = await _list(client, operator, scenarios[2])
    assert full.status_code == 422
    assert "储备清单「2025年度场景储备清单」已满（2/2）" in full.json()["error"]["message"]
    codes = sorted(await Scenario.filter(edition_id=edition["id"]).values_list("code", flat=True))
    assert codes == ["CD-2025-001", "CD-2025-002"]

    grow = await client.patch(
        f"/api/reserve-lists/{edition['id']}",
        headers=operator.headers,
        json={"capacity": 3, "version": edition["version"], "reason": "增补名额"},
    )
    assert grow.status_code == 200 and grow.json()["room"] == 1
    assert (await _list(client, operator, scenarios[2])).status_code == 200
    shrink = await client.patch(
        f"/api/reserve-lists/{edition['id']}",
        headers=operator.headers,
        json={"capacity": 1, "version": grow.json()["version"]},
    )
    assert shrink.status_code == 422 and "capacity" in shrink.json()["error"]["fields"]
    stale = await client.patch(
        f"/api/reserve-lists/{edition['id']}", headers=operator.headers, json={"capacity": 5, "version": 1}
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    actions = await AuditRecord.filter(object_kind="edition", object_id=edition["id"]).values_list("action", flat=True)
    assert actions == ["edition.create", "edition.update"]


async def test_listing_needs_an_open_edition_and_only_one_may_be_open(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.EVALUATION, p)
    await builders.reviews(s, [90, 90, 90])
    refused = await _list(client, operator, s)
    assert refused.status_code == 422 and "没有开放中的场景储备清单批次" in refused.json()["error"]["message"]
    first = await client.post("/api/reserve-lists", headers=operator.headers, json={"name": "甲", "year": 2024})
    second = await client.post("/api/reserve-lists", headers=operator.headers, json={"name": "乙", "year": 2025})
    assert first.status_code == 201 and second.status_code == 409
    department = await factories.actor("department_member")
    assert (
        await client.post(
            "/api/reserve-lists", headers=department.headers, json={"name": "丙", "year": 2025, "status": "closed"}
        )
    ).status_code == 403
    bad = await client.post(
        "/api/reserve-lists",
        headers=operator.headers,
        json={
            "name": "丁",
            "year": 2025,
            "status": "closed",
            "rubric": [{"name": "创新性", "weight": 50}, {"name": "创新性", "weight": 50}],
        },
    )
    assert bad.status_code == 422
    assert (await client.get("/api/reserve-lists")).json()["items"][0]["name"] == "甲"


async def test_operators_set_featured_ranks(client, operator):
    p = await builders.parties()
    ed = await builders.edition(featured_capacity=3)
    items = []
    for title in ("一", "二", "三"):
        s = await builders.scenario(Stage.LISTING, p, edition_obj=ed, title=title)
        response = await client.post(
            f"/api/scenarios/{s.id}/transitions",
            headers=operator.headers,
            json={"to": "promotion", "version": s.version},
        )
        assert response.status_code == 200
        items.append(s)
    await ed.filter(id=ed.id).update(status="published")
    featured = (await client.get("/api/showcase/featured")).json()
    assert [i["scenario"]["title"] for i in featured["items"]] == ["一", "二", "三"]
    order = [items[2].id, items[0].id, items[1].id]
    response = await client.put(
        "/api/showcase/featured", headers=operator.headers, json={"edition_id": ed.id, "scenario_ids": order}
    )
    assert response.status_code == 200
    assert [i["scenario"]["title"] for i in response.json()["items"]] == ["三", "一", "二"]
    assert [i["rank"] for i in response.json()["items"]] == [1, 2, 3]
    partial = await client.put(
        "/api/showcase/featured", headers=operator.headers, json={"edition_id": ed.id, "scenario_ids": order[:2]}
    )
    assert partial.status_code == 422
    assert (
        await client.put(
            "/api/showcase/featured", headers=p.lead_actor.headers, json={"edition_id": ed.id, "scenario_ids": order}
        )
    ).status_code == 403
    # leaving the showcase closes the gap in the ranks
    first = await Scenario.get(id=items[2].id)
    back = await client.post(
        f"/api/scenarios/{first.id}/transitions",
        headers=operator.headers,
        json={"to": "listing", "reason": "材料更新", "version": first.version},
    )
    assert back.status_code == 200
    ranks = await FeaturedEntry.filter(edition_id=ed.id).order_by("rank").values_list("scenario_id", "rank")
    assert ranks == [(items[0].id, 1), (items[1].id, 2)]
    assert (await Edition.get(id=ed.id)).featured_capacity == 3
    story = await client.patch(
        f"/api/showcase/featured/{items[0].id}",
        headers=operator.headers,
        json={"highlight": "试点小区飞线充电减少九成", "metrics": {"覆盖小区": "56个"}},
    )
    assert story.status_code == 200 and story.json()["metrics"] == {"覆盖小区": "56个"}
    assert (
        await client.patch(
            f"/api/showcase/featured/{items[0].id}", headers=p.lead_actor.headers, json={"highlight": "x"}
        )
    ).status_code == 403
    assert (
        await client.patch(f"/api/showcase/featured/{items[2].id}", headers=operator.headers, json={"highlight": "x"})
    ).status_code == 404
    shown = (await client.get(f"/api/showcase/featured?edition={ed.id}")).json()["items"][0]
    assert shown["highlight"] == "试点小区飞线充电减少九成"


async def test_reserve_list_detail_has_facets_and_a_csv_export(client, operator):
    p = await builders.parties()
    ed = await builders.edition()
    for _ in range(2):
        await builders.scenario(Stage.LISTING, p, edition_obj=ed)
    await builders.scenario(Stage.EVALUATION, p)
    body = (await client.get(f"/api/reserve-lists/{ed.id}")).json()
    assert body["total"] == 2 and body["edition"]["listed"] == 2 and body["edition"]["room"] == 8
    assert body["facets"]["domain"] == [{"value": "消防", "count": 2}]
    csv_response = await client.get(f"/api/reserve-lists/{ed.id}/export.csv")
    assert csv_response.headers["content-type"].startswith("text/csv")
    lines = csv_response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("序号,场景编号,场景名称") and len(lines) == 3
    assert (await client.get("/api/reserve-lists/999/export.xlsx")).status_code == 404


async def test_the_database_refuses_a_second_open_edition_even_past_the_check(db):
    """The unique open_slot backs up the check in code when two requests race past it."""
    from tortoise.exceptions import IntegrityError

    from pipeline.models import Edition, EditionStatus, open_slot

    await Edition.create(name="2030年第一批", year=2030, status=EditionStatus.OPEN, open_slot=open_slot("open"))
    with pytest.raises(IntegrityError):
        await Edition.create(name="2030年第二批", year=2030, status=EditionStatus.OPEN, open_slot=open_slot("open"))
    await Edition.create(name="2029年", year=2029, status=EditionStatus.CLOSED, open_slot=open_slot("closed"))
    await Edition.create(name="2028年", year=2028, status=EditionStatus.PUBLISHED, open_slot=open_slot("published"))
