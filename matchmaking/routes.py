"""What the matchmaking package contributes to the app: API routes and a lifespan that, on the
embedded default, runs the outbox worker in-process (the search service itself comes from the
assembly, ``app.state.runtime``)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import anyio

from lab.settings import Settings
from matchmaking import explain
from matchmaking.api import routes as search_routes
from matchmaking.matches_api import routes as match_routes
from matchmaking.search.segment import query_terms
from matchmaking.writer_lock import WriterLock

api_routes = [*search_routes, *match_routes]
WRITER_RETRY = 5.0  # seconds between attempts of a non-owning process to take over index writes


@asynccontextmanager
async def lifespan(app, settings: Settings):
    runtime = app.state.runtime
    service = runtime.search

    async def warm_model():  # the model, then what the first ranked read would otherwise load
        try:
            backend = await service.backend()
            # the stored vectors (not the HNSW graph, built on first use)
            warm = getattr(backend, "warm", None)
            if warm is not None:
                await warm(build_ann=False)
        except Exception:  # noqa: BLE001 - searches retry on use; health says degraded/indexing
            logging.getLogger("matchmaking.search").exception("search warm-up failed")

    warming = None
    if settings.warm_up:
        # Loads that hold the GIL (jieba's dictionary, the tokenizer, ONNX Runtime's session: 0.2-0.9 s
        # each) would stall every request made meanwhile, /healthz included; so they happen before the
        # app answers: jieba with its tables always, the model when its files are ready (loading only,
        # about a second). When the model must first be converted or exported, it loads in the
        # background and /healthz says "loading" meanwhile.
        try:
            await anyio.to_thread.run_sync(explain.warm)
            await anyio.to_thread.run_sync(query_terms, "预热")
        except Exception:  # noqa: BLE001 - the first explanation loads them instead
            logging.getLogger("matchmaking.search").exception("jieba warm-up failed")
        if await anyio.to_thread.run_sync(service.embedder.files_ready):
            await warm_model()
        else:
            warming = asyncio.get_running_loop().create_task(warm_model(), name="search-warm-up")
    try:
        if not (settings.run_worker_in_process and settings.search_backend == "embedded"):
            yield
            return
        stop = anyio.Event()

        async def work():
            # one process owns index writes (serve --workers N): the others wait for the lock
            lock = WriterLock(settings.data_dir)
            while not lock.acquire():
                with anyio.move_on_after(WRITER_RETRY):
                    await stop.wait()
                if stop.is_set():
                    return
            try:
                worker = runtime.worker(await service.backend())
                await worker.run_forever(stop)
            except Exception:  # noqa: BLE001 - the app keeps serving; search says it is degraded
                logging.getLogger("matchmaking.worker").exception("in-process outbox worker stopped")
            finally:
                lock.release()

        # a plain task rather than a task group: the lifespan may be entered and left from
        # different tasks (test fixtures do), which a cancel scope does not allow
        task = asyncio.get_running_loop().create_task(work(), name="outbox-worker")
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=60)
    finally:
        if warming is not None and not warming.done():  # a model load in a thread cannot be cancelled
            await asyncio.wait_for(asyncio.shield(warming), timeout=300)
