"""Matches through the real app and model: explained, filtered, never one's own organisation's
items, never unpublished items of others; the duplicate check finds a reworded demand."""

from __future__ import annotations

import pytest

from matchmaking.worker import OutboxWorker
from tests import factories
from tests.matchmaking.writes import post_demand, post_profile


@pytest.fixture
async def world(app, embedder):
    service = app.state.search
    dept = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    other_supplier = await factories.user("supplier_member", await factories.organisation("university"))
    w = {
        "dept": dept,
        "supplier": supplier,
        "other": other_supplier,
        "ebike": await post_demand(
            dept,
            "电动自行车进电梯上楼充电屡禁不止",
            "老旧小区居民把电动自行车推进电梯带回家充电，夜间火灾隐患大，希望能在电梯里识别并阻止电动车上楼。",
            domain="消防",
            district="金牛区",
        ),
        "flood": await post_demand(
            dept,
            "雨季老城区街道经常积水",
            "每逢暴雨，老城区几条主干道和下穿隧道积水严重，车辆被淹，希望提前知道哪里要淹、及时疏导。",
            domain="水务与防汛",
            district="锦江区",
        ),
        "elevator": await post_profile(
            supplier,
            "电梯电动车智能识别阻车系统",
            "在电梯轿厢安装视觉识别终端，识别电动自行车进入后语音提醒并联动电梯控制器阻止关门，同时推送物业。",
            ["消防"],
            ["电梯阻车", "电动自行车"],
        ),
        "flood_platform": await post_profile(
            other_supplier,
            "城市内涝监测预警平台",
            "在易涝点和下穿隧道布设水位传感器，结合降雨预报模拟积水范围，提前发布内涝预警并联动排水调度。",
            ["水务与防汛"],
            ["内涝预警", "水位监测"],
        ),
        "hidden": await post_profile(
            other_supplier,
            "电梯电动车识别（未发布草稿）",
            "尚未发布的电梯电动车识别方案草稿，其他单位不应在匹配中看到它的任何内容。",
            ["消防"],
            publish=False,
        ),
    }
    await OutboxWorker(await service.backend(), embedder).drain()
    return w


async def test_demand_matches_are_ranked_and_explained_in_chinese(client, world):
    headers = factories.auth(await factories.token(world["dept"]))
    response = await client.get(f"/api/demands/{world['ebike'].id}/matches", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["degraded"] is False
    top = body["items"][0]
    assert top["id"] == world["elevator"].id and top["kind"] == "capability"
    why = top["explanation"]
    assert "消防" in why["shared_domains"]
    terms = [t[0] if isinstance(t, (list, tuple)) else t.get("term") for t in why["shared_terms"]]
    assert any("电梯" in t or "电动" in t for t in terms), why
    assert why["best_sentence"] and why["best_sentence"] in world["elevator"].summary
    assert why["text"] and any("\u4e00" <= ch <= "\u9fff" for ch in why["text"])
    assert {"semantic", "lexical"} <= set(why["scores"])
    ids = [item["id"] for item in body["items"]]
    assert world["hidden"].id not in ids


async def test_problem_language_reaches_solution_language(client, world):
    headers = factories.auth(await factories.token(world["dept"]))
    body = (await client.get(f"/api/demands/{world['flood'].id}/matches", headers=headers)).json()
    assert body["items"][0]["id"] == world["flood_platform"].id


async def test_filters_and_own_organisation_exclusion(client, world):
    dept_headers = factories.auth(await factories.token(world["dept"]))
    only_universities = (
        await client.get(
            f"/api/demands/{world['ebike'].id}/matches", params={"org_kind": "university"}, headers=dept_headers
        )
    ).json()
    assert {i["org_kind"] for i in only_universities["items"]} <= {"university"}
    assert world["elevator"].id not in [i["id"] for i in only_universities["items"]]
    # a supplier looking at a public demand never sees its own organisation's profiles as matches
    supplier_headers = factories.auth(await factories.token(world["supplier"]))
    seen = (await client.get(f"/api/demands/{world['ebike'].id}/matches", headers=supplier_headers)).json()
    assert world["elevator"].id not in [i["id"] for i in seen["items"]]
    # profile -> open demands, for the profile's owner
    recommended = (
        await client.get(f"/api/capabilities/{world['elevator'].id}/matches", headers=supplier_headers)
    ).json()
    assert recommended["items"][0]["id"] == world["ebike"].id
    # someone else's profile: not yours to ask about
    other_headers = factories.auth(await factories.token(world["other"]))
    assert (
        await client.get(f"/api/capabilities/{world['elevator'].id}/matches", headers=other_headers)
    ).status_code == 403
    assert (
        await client.get(f"/api/capabilities/{world['hidden'].id}/matches", headers=supplier_headers)
    ).status_code == 404
    assert (
        await client.get(
            f"/api/demands/{world['ebike'].id}/matches", params={"org_kind": "alien"}, headers=dept_headers
        )
    ).status_code == 422
    assert (await client.get(f"/api/demands/{world['ebike'].id}/matches")).status_code == 401


async def test_duplicate_check_finds_a_reworded_demand(client, world):
    headers = factories.auth(await factories.token(world["dept"]))
    response = await client.post(
        "/api/demands/similar",
        headers=headers,
        json={
            "title": "防止电瓶车坐电梯进楼入户充电",
            "description": "小区里很多人用电梯把电瓶车带回家里充电，存在起火风险，想在电梯口把电瓶车拦下来。",
            "domain": "消防",
        },
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items and items[0]["id"] == world["ebike"].id
    unrelated = (
        await client.post(
            "/api/demands/similar",
            headers=headers,
            json={"title": "中小学课后服务排课管理", "description": "希望统一管理课后托管课程、教师排班和家长报名。"},
        )
    ).json()
    assert world["ebike"].id not in [i["id"] for i in unrelated["items"]]
    bad = await client.post("/api/demands/similar", headers=headers, json={"title": ""})
    assert bad.status_code == 422
