"""Faults are visible and heal: a deleted index under a running app is noticed and rebuilt without
anyone acting (``/healthz`` never says ``ok`` meanwhile), a stale index is rebuilt, a locked index
is reported and its records retried, and the rows of a worker killed mid-batch are taken over
within 60 s."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta

import anyio
import pytest
from tortoise.timezone import now as utcnow

from lab.models import Demand, OutboxEvent
from lab.outbox import append_outbox
from matchmaking.healing import check_and_heal, stale_documents
from matchmaking.worker import Backoff, OutboxWorker
from tests import factories
from tests.conftest import REPO, SHARED_MODEL_DIR, make_settings


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, LAB_INPROCESS_WORKER="1", LAB_INDEX_CHECK_SECONDS="1", LAB_WORKER_LEASE="6")


async def _demands(n: int, org=None) -> list[Demand]:
    org = org or await factories.organisation("department")
    made = []
    for i in range(n):
        d = await factories.demand(org, title=f"第{i}号需求：社区养老服务数字化", domain="养老与社区服务")
        await append_outbox("demand", d.id)
        made.append(d)
    return made


async def _wait_for(client, wanted: str, seconds: float = 90) -> list[str]:
    seen = []
    with anyio.fail_after(seconds):
        while True:
            status = (await client.get("/healthz")).json()["search"]["status"]
            seen.append(status)
            if status == wanted:
                return seen
            await anyio.sleep(0.3)


async def test_deleted_index_under_a_running_app_is_rebuilt_without_anyone_acting(app, client, settings, caplog):
    await _demands(4)
    await _wait_for(client, "ok")
    backend = await app.state.search.backend()
    assert await backend.count() == 4

    shutil.rmtree(settings.search_path)
    started = time.monotonic()
    await anyio.sleep(1.1)  # past the one second /healthz may reuse its last answer
    observed = []
    with anyio.fail_after(60):
        while True:
            status = (await client.get("/healthz")).json()["search"]["status"]
            count_after = await backend.count()  # only grows while rebuilding
            observed.append((status, count_after))
            assert not (status == "ok" and count_after < 4), observed  # never "ok" while documents are missing
            if status == "ok":
                break
            await anyio.sleep(0.2)
    assert time.monotonic() - started < 60
    assert await backend.count() == 4
    assert any("rebuilding in the background" in r.getMessage() for r in caplog.records)
    found = (await client.get("/api/search", params={"q": "养老", "kind": "demand"})).json()
    assert found["total"] == 4 and not found["degraded"]


async def test_healthz_says_empty_while_the_index_is_missing_and_no_worker_runs(tmp_path, db, shared_embedder):
    from lab.app import create_app

    settings = make_settings(tmp_path, LAB_INPROCESS_WORKER="0")
    app = create_app(settings, manage_database=False)
    app.state.embedder = shared_embedder
    await _demands(3)
    import httpx

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c,
    ):
        await app.state.search.backend()
        status = (await c.get("/healthz")).json()["search"]
        assert status == {"status": "indexing", "pending": 3}
        await OutboxEvent.all().update(processed_at=utcnow())  # rows settled, yet the index is empty
        await anyio.sleep(1.1)
        assert (await c.get("/healthz")).json()["search"]["status"] == "empty"


async def test_stale_index_is_found_by_the_sample_and_rebuilt(db, settings, shared_embedder):
    from matchmaking.search import make_backend

    await shared_embedder.aload()
    backend = make_backend(settings, shared_embedder.dimension)
    try:
        demands = await _demands(3)
        worker = OutboxWorker(backend, shared_embedder)
        await worker.drain()
        assert await check_and_heal(backend) == "ok"
        # the database changes behind the index's back (no outbox row): counts still agree
        await Demand.filter(id=demands[0].id).update(
            title="改名后的需求标题", updated_at=utcnow() + timedelta(seconds=5)
        )
        assert await stale_documents(backend) == [("demand", str(demands[0].id))]
        assert await check_and_heal(backend) == "rebuilding"
        await worker.drain()
        assert await stale_documents(backend) == []
        assert await check_and_heal(backend) == "ok"
    finally:
        await backend.close()


async def test_locked_index_is_degraded_and_records_are_retried_not_dropped(db, settings, shared_embedder):
    import sqlite3

    from matchmaking.health import index_status
    from matchmaking.search import make_backend

    await shared_embedder.aload()
    backend = make_backend(settings, shared_embedder.dimension)
    try:
        await backend.count()  # creates the index file
        await _demands(2)
        blocker = sqlite3.connect(settings.search_path / "search.sqlite3", timeout=0)
        blocker.execute("BEGIN EXCLUSIVE")  # another process holds the index locked
        backend._conn.execute("PRAGMA busy_timeout = 50")
        worker = OutboxWorker(backend, shared_embedder, backoff=Backoff(base=0.0))
        for _ in range(3):
            await worker.drain_once()
        assert await OutboxEvent.filter(processed_at=None).count() == 2
        assert (await index_status(backend)).status == "degraded"
        blocker.rollback()
        blocker.close()
        await worker.drain()
        assert await OutboxEvent.filter(processed_at=None).count() == 0
        assert await backend.count() == 2
        assert (await index_status(backend)).status == "ok"
    finally:
        await backend.close()


TOTAL = 48


@pytest.mark.slow
async def test_rows_of_a_worker_killed_mid_batch_are_taken_over_within_60_seconds(db, settings, shared_embedder):
    from matchmaking.search import make_backend

    await shared_embedder.aload()  # before the clock starts
    org = await factories.organisation("department")
    for i in range(TOTAL):  # enough that the worker is still busy when it is killed
        d = await Demand.create(
            organisation=org,
            title=f"第{i}号：智慧社区{i}期建设与运营",
            domain="基层治理",
            description=f"第{i}个街道的网格化治理、事件上报与处置闭环，覆盖{i}个小区。",
            status="published",
        )
        await append_outbox("demand", d.id)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "LAB_DATA_DIR": str(settings.data_dir),
        "LAB_DATABASE_URL": settings.database_url,
        "LAB_MODEL_DIR": str(SHARED_MODEL_DIR),
        "LAB_WORKER_LEASE": "6",
        "LAB_INDEX_CHECK_SECONDS": "3000",
    }
    log_file = (settings.data_dir / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab.cli", "worker", "--batch-size", "16"],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        with anyio.fail_after(240):  # the model loads, then it claims its first batches
            while not await OutboxEvent.filter(processed_at__not_isnull=True).exists():
                assert proc.poll() is None, (settings.data_dir / "worker.log").read_text()[-3000:]
                await anyio.sleep(0.2)
            while not await OutboxEvent.filter(processed_at=None, next_attempt_at__gt=utcnow()).exists():
                await anyio.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        log_file.close()
    killed_at = time.monotonic()
    orphaned = await OutboxEvent.filter(processed_at=None, next_attempt_at__gt=utcnow()).values_list("id", flat=True)
    assert orphaned  # rows the dead worker had claimed and was working on
    leases = [(r.next_attempt_at - utcnow()).total_seconds() for r in await OutboxEvent.filter(id__in=orphaned)]

    backend = make_backend(settings, shared_embedder.dimension)
    try:
        with anyio.fail_after(60):  # the dead worker's lease runs out (no heartbeat renews it)
            while await OutboxEvent.filter(id__in=orphaned, next_attempt_at__gt=utcnow()).exists():
                await anyio.sleep(0.2)
        due_after = time.monotonic() - killed_at
        assert due_after < 6 + 3, (due_after, leases)
        worker = OutboxWorker(backend, shared_embedder, batch_size=16, backoff=Backoff(lease=6))
        took = None
        with anyio.fail_after(400):
            while await OutboxEvent.filter(processed_at=None).exists():
                if took is None and not await OutboxEvent.filter(id__in=orphaned, processed_at=None).exists():
                    took = time.monotonic() - killed_at
                if not await worker.drain_once():
                    await anyio.sleep(0.2)
        took = took if took is not None else time.monotonic() - killed_at
        assert took < 60, took  # the dead worker's rows were taken over and settled within 60 s
        assert await backend.count("demand") == TOTAL
        assert await OutboxEvent.filter(attempts__gt=0).count() == 0  # nothing failed, nothing dropped
        print(
            f"kill -9 mid-batch: {len(orphaned)} leased rows due again {due_after:.1f}s and settled "
            f"{took:.1f}s after the kill"
        )
    finally:
        await backend.close()
