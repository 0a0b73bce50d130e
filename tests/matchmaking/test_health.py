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


async def test_a_warm_start_loads_everything_before_the_app_answers_when_the_model_files_are_ready(
    tmp_path, embedder, db
):
    """With ``LAB_WARM_UP`` on and the model's files on disk, start-up loads the model, jieba with its
    tables and the stored vectors (not the HNSW graph), and compiles every template, before the app
    answers: those loads hold the GIL (0.2-0.9 s each) and would otherwise stall the requests made
    meanwhile. The first /healthz already says ``ready``."""
    from matchmaking import explain
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, LAB_WARM_UP="1")
    await _write_some()
    service = SearchService(settings, embedder)
    await OutboxWorker(await service.backend(), embedder).drain()
    await service.close()
    fresh = Embedder(settings)  # not the session's loaded one: this start-up must load it
    assert fresh.files_ready() and not fresh.loaded
    application = create_app(settings, manage_database=False)
    application.state.embedder = fresh
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as c,
    ):
        assert fresh.loaded
        assert explain._state  # jieba's tokenizer and IDF table
        env = application.state.templates.env
        assert len(env.cache) == len(env.list_templates(filter_func=lambda name: name.endswith(".html")))
        backend = application.state.search._backend
        assert backend is not None and len(backend._vectors) == await backend.count() > 0
        assert backend._vectors._ann is None  # the graph waits for its first use
        body = (await c.get("/healthz")).json()
        assert (body["model"], body["search"]) == ("ready", {"status": "ok", "pending": 0})


def test_the_model_files_are_ready_only_when_converted_and_exported(tmp_path, model_settings):
    """What decides between loading before the app answers and loading in the background: a missing
    folder, or (for the ONNX backend) a converted folder without its int8 export, is not ready."""
    from tests.conftest import make_settings

    assert Embedder(model_settings).files_ready()
    assert not Embedder(make_settings(tmp_path, LAB_MODEL_DIR=str(tmp_path / "nothing"))).files_ready()
    half = tmp_path / "half"
    half.mkdir()
    converted = model_settings.models_path / "multilingual-e5-small"
    (half / converted.name).symlink_to(converted, target_is_directory=True)  # no ONNX folder beside it
    assert not Embedder(make_settings(tmp_path, LAB_MODEL_DIR=str(half))).files_ready()
    assert Embedder(make_settings(tmp_path, LAB_MODEL_DIR=str(half), LAB_EMBEDDING_BACKEND="torch")).files_ready()


async def test_health_counts_the_index_while_a_batch_holds_the_backend(settings, embedder, db):
    """/healthz counts the index on a connection of its own: it answers while a write holds the
    backend's lock (a batch of the demo's first index build held it for up to 100 ms)."""
    import threading
    import time

    await _write_some()
    service = SearchService(settings, embedder)
    backend = await service.backend()
    await OutboxWorker(backend, embedder).drain()
    held, release = threading.Event(), threading.Event()

    def hold():
        with backend._lock:
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        started = time.monotonic()
        status = await index_status(backend)  # in a thread it would not leave: timed, not cancelled
        assert time.monotonic() - started < 2.5
        assert (status.status, status.indexed, status.expected) == ("ok", 3, 3)
    finally:
        release.set()
        holder.join()
    await service.close()
