"""What the matchmaking package contributes to the app: API routes and a lifespan that builds the
search service (and, on the embedded default, runs the outbox worker in-process)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import anyio

from lab.settings import Settings
from matchmaking.api import routes as search_routes
from matchmaking.matches_api import routes as match_routes

api_routes = [*search_routes, *match_routes]


@asynccontextmanager
async def lifespan(app, settings: Settings):
    from matchmaking.embedder import Embedder
    from matchmaking.service import SearchService
    from matchmaking.worker import for_settings

    # an embedder already on the app (injected by the caller, e.g. one shared by a test session) is reused
    embedder = getattr(app.state, "embedder", None) or Embedder(settings)
    service = SearchService(settings, embedder)
    app.state.search = service

    async def warm_up():  # the model loads in the background: /healthz says "loading" meanwhile
        try:
            await service.backend()
        except Exception:  # noqa: BLE001 - searches retry on use; health says degraded/indexing
            logging.getLogger("matchmaking.search").exception("search warm-up failed")

    warming = asyncio.get_running_loop().create_task(warm_up(), name="search-warm-up") if settings.warm_up else None
    in_process = settings.run_worker_in_process and settings.search_backend == "embedded"
    try:
        if not in_process:
            yield
            return
        stop = anyio.Event()

        async def work():
            try:
                worker = for_settings(await service.backend(), service.embedder, settings)
                await worker.run_forever(stop)
            except Exception:  # noqa: BLE001 - the app keeps serving; search says it is degraded
                logging.getLogger("matchmaking.worker").exception("in-process outbox worker stopped")

        # a plain task rather than a task group: the lifespan may be entered and left from
        # different tasks (test fixtures do), which a cancel scope does not allow
        task = asyncio.get_running_loop().create_task(work(), name="outbox-worker")
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=60)
    finally:
        if warming is not None and not warming.done():  # a model load in a thread cannot be cancelled: let it finish
            await asyncio.wait_for(asyncio.shield(warming), timeout=300)
        await service.close()
