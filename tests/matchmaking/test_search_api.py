"""GET /api/search through the real app: visitors see only public items, facets and highlights come
back, bad parameters get 422 in the project's error shape."""

from __future__ import annotations

import pytest

from matchmaking.service import SearchService
from matchmaking.worker import OutboxWorker
from tests import factories
from tests.matchmaking.writes import post_demand, post_profile


@pytest.fixture
async def searchable(app, settings, embedder):
    """The app's search service, holding the session's already-loaded model, with a seeded index."""
    service = SearchService(settings, embedder)
    app.state.search = service
    dept = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    records = {
        "flood": await post_demand(
            dept, "城市内涝监测<script>alert(1)</script>", "在易涝点布设水位传感器，汛期实时预警并联动排水调度。"
        ),
        "traffic": await post_demand(
            dept,
            "交通信号灯配时优化",
            "根据路口车流自适应调整信号配时，减少早晚高峰拥堵现象。",
            domain="智慧交通",
            district="青羊区",
        ),
        "draft": await post_demand(
            dept, "内涝隐患排查草稿", "还没有写完的内涝需求草稿，访客不应看到这段内容。", publish=False
        ),
        "sensor": await post_profile(
            supplier,
            "水位监测物联网终端",
            "低功耗水位计与雨量计，适合下穿隧道与易涝点的长期监测预警。",
            ["水务与防汛"],
            ["水位计"],
        ),
        "hidden": await post_profile(
            supplier,
            "内涝预测模型（未发布）",
            "基于降雨与管网数据的城市内涝预测模型，尚在内部测试阶段。",
            ["水务与防汛"],
            publish=False,
        ),
    }
    await OutboxWorker(await service.backend(), embedder).drain()
    yield records
    await service.close()


async def test_visitors_only_find_published_items(client, searchable):
    response = await client.get("/api/search", params={"q": "内涝", "facets": "domain,kind,status"})
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is False
    ids = {(h["kind"], h["id"]) for h in body["hits"]}
    assert ("demand", str(searchable["flood"].id)) in ids
    assert ("demand", str(searchable["draft"].id)) not in ids
    assert ("capability", str(searchable["hidden"].id)) not in ids
    assert body["hits"][0]["id"] == str(searchable["flood"].id)
    assert set(body["facets"]["status"]) == {"published"}
    assert body["facets"]["kind"] == {"demand": 2, "capability": 1}
    assert "&lt;script&gt;" in body["hits"][0]["highlights"]["title"]
    assert "<mark>内涝</mark>" in body["hits"][0]["highlights"]["title"]

    # asking for a private status explicitly does not help
    response = await client.get("/api/search", params={"q": "内涝", "status": "draft"})
    assert response.json()["total"] == 0


async def test_operator_sees_drafts(client, searchable):
    operator = await factories.actor("operator")
    response = await client.get(
        "/api/search", params={"q": "内涝", "kind": "demand", "semantic_ratio": 0}, headers=operator.headers
    )
    ids = [h["id"] for h in response.json()["hits"]]
    assert str(searchable["draft"].id) in ids


async def test_filters_and_facets(client, searchable):
    response = await client.get(
        "/api/search", params={"kind": "demand", "district": "青羊区", "facets": "domain,district"}
    )
    body = response.json()
    assert [h["id"] for h in body["hits"]] == [str(searchable["traffic"].id)]
    assert body["facets"] == {"domain": {"智慧交通": 1}, "district": {"青羊区": 1}}

    response = await client.get(
        "/api/search", params={"q": "水位", "domain": "水务与防汛", "kind": "capability", "semantic_ratio": "0"}
    )
    body = response.json()
    assert [h["id"] for h in body["hits"]] == [str(searchable["sensor"].id)]
    assert body["hits"][0]["lexical_score"] == pytest.approx(1.0)
    assert body["hits"][0]["semantic_score"] is None


@pytest.mark.parametrize(
    "params, field",
    [
        ({"kind": "people"}, "kind"),
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"facets": "domain,password"}, "facets"),
        ({"domain": "不存在的领域"}, "domain"),
        ({"semantic_ratio": "2"}, "semantic_ratio"),
        ({"q": "水" * 201}, "q"),
        ({"unknown": "1"}, "unknown"),
    ],
)
async def test_bad_parameters_answer_422(client, searchable, params, field):
    response = await client.get("/api/search", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(key.startswith(field) for key in error["fields"]), error
