"""Reads of stored items never call the model: the worker stored every vector they need (passage,
query and sentence vectors). Counted on the real embedder. A free-text query is encoded once; an
item not yet embedded answers ``pending`` instead of waiting for the model."""

from __future__ import annotations

import numpy as np
import pytest

from lab import demands
from lab.models import CapabilityProfile, Demand
from lab.schemas import DemandUpdate
from matchmaking.composer import query_text
from matchmaking.explain import explain_with_embedder
from matchmaking.indexing import capability_document, demand_document
from matchmaking.vector_cache import StoredVectors, body_sentences
from matchmaking.worker import OutboxWorker
from tests import factories
from tests.matchmaking.writes import post_demand, post_profile
from tests.showcase.conftest import sign_in

EBIKE = "老旧小区居民把电动自行车推进电梯带回家充电，夜间火灾隐患大。希望能在电梯里识别并阻止电动车上楼。"


@pytest.fixture
async def world(app, embedder):
    dept = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    other = await factories.user("supplier_member", await factories.organisation("university"))
    w = {
        "dept": dept,
        "supplier": supplier,
        "ebike": await post_demand(dept, "电动自行车进电梯上楼充电屡禁不止", EBIKE, domain="消防", district="金牛区"),
        "flood": await post_demand(
            dept,
            "雨季老城区街道经常积水",
            "每逢暴雨，老城区主干道和下穿隧道积水严重。希望提前知道哪里要淹、及时疏导。",
            domain="水务与防汛",
            district="锦江区",
        ),
        "elevator": await post_profile(
            supplier,
            "电梯电动车智能识别阻车系统",
            "在电梯轿厢安装视觉识别终端。识别电动自行车进入后语音提醒并联动电梯控制器阻止关门；同时推送物业。",
            ["消防"],
            ["电梯阻车", "电动自行车"],
        ),
        "flood_platform": await post_profile(
            other,
            "城市内涝监测预警平台",
            "在易涝点和下穿隧道布设水位传感器。结合降雨预报模拟积水范围，提前发布内涝预警。",
            ["水务与防汛"],
            ["内涝预警"],
        ),
    }
    await OutboxWorker(await app.state.search.backend(), embedder).drain()
    return w


async def test_matches_both_ways_and_their_explanations_make_no_model_call(client, world, embedder):
    dept = factories.auth(await factories.token(world["dept"]))
    supplier = factories.auth(await factories.token(world["supplier"]))
    before = embedder.calls
    by_demand = (await client.get(f"/api/demands/{world['ebike'].id}/matches?limit=10", headers=dept)).json()
    by_profile = (await client.get(f"/api/capabilities/{world['elevator'].id}/matches", headers=supplier)).json()
    assert embedder.calls == before
    assert by_demand["pending"] is False and by_demand["degraded"] is False
    assert by_demand["items"][0]["id"] == world["elevator"].id
    assert by_profile["items"][0]["id"] == world["ebike"].id

    # the explanation picked its sentence by meaning from stored vectors, exactly as embedding them now would
    top = by_demand["items"][0]["explanation"]
    sentences = body_sentences(world["elevator"].summary)
    assert top["best_sentence"] in sentences and top["best_sentence_score"] is not None
    demand = await Demand.get(id=world["ebike"].id).select_related("organisation")
    live = await explain_with_embedder(embedder, query_text(demand_document(demand)), "", sentences=sentences)
    assert live.best_sentence == top["best_sentence"]
    assert live.best_sentence_score == pytest.approx(top["best_sentence_score"], abs=1e-3)


async def test_workspace_pages_and_the_duplicate_check_of_a_stored_demand_make_no_model_call(
    app, client, world, embedder
):
    await sign_in(client, world["dept"])
    before = embedder.calls
    page = await client.get(f"/workspace/demands/{world['ebike'].id}")
    assert page.status_code == 200 and "电梯电动车智能识别阻车系统" in page.text
    same = (
        await client.post(
            "/api/demands/similar",
            headers=factories.auth(await factories.token(world["dept"])),
            json={"title": world["ebike"].title, "description": EBIKE, "domain": "消防"},
        )
    ).json()
    assert embedder.calls == before
    assert same["items"][0]["id"] == world["ebike"].id  # the stored demand's own query vector

    await client.post("/sign-out")
    client.cookies.clear()
    await sign_in(client, world["supplier"])
    page = await client.get("/workspace/recommended")
    assert page.status_code == 200 and world["ebike"].title in page.text
    assert embedder.calls == before


async def test_free_text_is_encoded_once_and_then_served_from_memory(app, client, world, embedder):
    before = embedder.calls
    for _ in range(3):
        body = (await client.get("/api/search", params={"q": "电动车进电梯"})).json()
        assert body["total"] > 0
    assert embedder.calls == before + 1


async def test_an_edited_item_answers_pending_until_the_worker_has_embedded_it(app, client, world, embedder):
    dept = factories.auth(await factories.token(world["dept"]))
    ebike = await Demand.get(id=world["ebike"].id)
    await demands.update_demand(
        world["dept"], ebike.id, DemandUpdate(version=ebike.version, title="电梯内电动自行车识别与阻止")
    )
    before = embedder.calls
    body = (await client.get(f"/api/demands/{ebike.id}/matches", headers=dept)).json()
    assert body == {"demand_id": ebike.id, "items": [], "degraded": False, "pending": True}
    assert embedder.calls == before  # it did not wait for the model

    await OutboxWorker(await app.state.search.backend(), embedder).drain()
    body = (await client.get(f"/api/demands/{ebike.id}/matches", headers=dept)).json()
    assert body["pending"] is False and body["items"][0]["id"] == world["elevator"].id


async def test_the_worker_stores_query_and_sentence_vectors_that_equal_fresh_encodes(world, embedder):
    profile = await CapabilityProfile.get(id=world["elevator"].id).select_related("organisation")
    doc = capability_document(profile)
    store = StoredVectors(embedder)
    stored_query = await store.query(query_text(doc))
    sentences = body_sentences(doc.body)
    stored_sentences = await store.passages(sentences)
    assert stored_query is not None and all(v is not None for v in stored_sentences)
    assert float(stored_query @ embedder.encode_queries([query_text(doc)])[0]) > 0.9999
    fresh = embedder.encode_passages(sentences)
    assert np.min(np.sum(np.vstack(stored_sentences) * fresh, axis=1)) > 0.9999
