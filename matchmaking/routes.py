"""What the matchmaking package contributes to the app: API routes and a lifespan that, on the
embedded default, runs the outbox worker in-process (the search service itself comes from the
assembly, ``app.state.runtime``)."""

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
    runtime = app.state.runtime
    if not (settings.run_worker_in_process and settings.search_backend == "embedded"):
        yield
        return
    stop = anyio.Event()

    async def work():
        try:
            worker = runtime.worker(await runtime.search.backend())
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
