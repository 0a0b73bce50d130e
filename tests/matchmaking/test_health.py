"""The index's health, as /healthz and the page banner report it: indexing while changes wait in
the outbox, ok once drained, empty when the index lost documents, degraded when the engine fails,
and the model ``loading`` without /healthz ever loading it."""

from __future__ import annotations

import httpx

from lab.app import create_app
from lab.models import OutboxEvent
from matchmaking.embedder import Embedder
from matchmaking.health import index_status
from matchmaking.service import SearchService
from matchmaking.worker import OutboxWorker
from tests import factories
from tests.matchmaking.writes import post_demand, post_profile


async def _write_some():
    dept = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    await post_demand(dept, "城市内涝监测预警", "在易涝点布设水位传感器，汛期实时预警并联动排水调度。")
    await post_demand(dept, "内涝草稿", "还没有写完的内涝需求草稿。", publish=False)
    await post_profile(
        supplier, "水位监测物联网终端", "低功耗水位计与雨量计，适合易涝点的长期监测预警。", ["水务与防汛"]
    )


async def test_indexing_then_ok_then_empty_after_the_index_is_lost(settings, embedder, db):
    await _write_some()
    service = SearchService(settings, embedder)
    backend = await service.backend()
    pending = await OutboxEvent.filter(processed_at=None).count()
    status = await index_status(backend)
    assert (status.status, status.pending, status.indexed, status.expected) == ("indexing", pending, 0, 3)

    await OutboxWorker(backend, embedder).drain()
    status = await index_status(backend)
    assert status.as_dict() == {"status": "ok", "pending": 0}
    assert (status.indexed, status.expected, status.banner) == (3, 3, False)

    await backend.clear()  # the index file survives but holds nothing: only a reindex refills it
    status = await index_status(backend)
    assert status.as_dict() == {"status": "empty", "pending": 3}
    assert status.banner
    await service.close()


async def test_degraded_when_the_engine_cannot_answer(settings, embedder, db):
    await _write_some()
    settings.search_path.parent.mkdir(parents=True, exist_ok=True)
    settings.search_path.write_text("not a directory")
    service = SearchService(settings, embedder)
    status = await index_status(await service.backend())
    assert status.status == "degraded"
    assert status.pending == await OutboxEvent.filter(processed_at=None).count() > 0
    await service.close()


async def test_degraded_when_changes_keep_failing(settings, embedder, db):
    await _write_some()
    service = SearchService(settings, embedder)
    await OutboxEvent.filter(kind="demand").update(attempts=3, last_error="RuntimeError: boom")
    status = await index_status(await service.backend())
    assert status.status == "degraded"
    await service.close()


async def test_healthz_says_loading_and_never_loads_the_model(settings, db):
    fresh = Embedder(settings)  # not the session's loaded one
    application = create_app(settings, manage_database=False)
    application.state.embedder = fresh
    await _write_some()
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as c,
    ):
        for _ in range(3):
            body = (await c.get("/healthz")).json()
        assert body["database"] == "ok"
        assert body["model"] == "loading"
        assert body["search"] == {"status": "indexing", "pending": await OutboxEvent.filter(processed_at=None).count()}
        page = await c.get("/")
        assert page.status_code == 200
        assert "搜索索引建立中，还剩" in page.text
    assert not fresh.loaded


async def test_pages_have_no_banner_when_the_index_is_complete(app, client):
    service = app.state.search
    await OutboxWorker(await service.backend(), service.embedder).drain()
    assert (await client.get("/healthz")).json()["search"] == {"status": "ok", "pending": 0}
    page = await client.get("/")
    assert page.status_code == 200
    assert "data-search-index" not in page.text


async def test_a_warm_start_loads_vectors_and_compiles_templates_while_the_app_answers(tmp_path, embedder, db):
    """With ``LAB_WARM_UP`` on, start-up loads the model, the stored vectors (not the HNSW graph) and
    every template in the background; the app answers meanwhile."""
    import anyio

    from tests.conftest import make_settings

    settings = make_settings(tmp_path, LAB_WARM_UP="1")
    await _write_some()
    service = SearchService(settings, embedder)
    await OutboxWorker(await service.backend(), embedder).drain()
    await service.close()
    application = create_app(settings, manage_database=False)
    application.state.embedder = embedder
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as c,
    ):
        assert (await c.get("/healthz")).status_code == 200
        env = application.state.templates.env
        templates = env.list_templates(filter_func=lambda name: name.endswith(".html"))
        backend = await application.state.search.backend()
        with anyio.fail_after(60):
            while len(env.cache) < len(templates) or len(backend._vectors) == 0:
                await anyio.sleep(0.05)
        assert len(backend._vectors) == await backend.count() > 0
        assert backend._vectors._ann is None  # the graph waits for its first use
