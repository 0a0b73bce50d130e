"""The outbox worker: turns committed changes into index updates, never losing one.

A batch of due rows (unprocessed, ``next_attempt_at`` empty or past) is claimed in a short
transaction — ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL so several workers can run side by
side, a plain select on SQLite (one writer at a time) — and leased by pushing ``next_attempt_at``
forward by a short lease that a heartbeat renews while the batch runs, so the rows of a worker
that dies mid-batch are due again within one lease (30 s by default). The database is read again for the
current state of each record (events only say *what* changed): present records are embedded
(cached by content hash) and upserted, vanished ones deleted. Success stamps ``processed_at``;
failure increments ``attempts``, records the error and schedules a retry with exponential backoff.
Rows are never deleted here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.timezone import now as utcnow
from tortoise.transactions import in_transaction

from lab.models import OutboxEvent
from matchmaking.indexing import BUILT_IN, INDEXED_KINDS, DocumentSources, attach_vectors

log = logging.getLogger("matchmaking.worker")
Listener = Callable[[list], Awaitable[object]]
Periodic = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Backoff:
    base: float = 2.0  # seconds before the first retry
    cap: float = 600.0
    lease: float = 30.0  # how long a claimed row is hidden from other workers; renewed by a heartbeat

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap, self.base * (2 ** max(0, attempts - 1))))


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


class OutboxWorker:
    def __init__(
        self,
        backend,
        embedder,
        *,
        batch_size: int = 64,
        backoff: Backoff = Backoff(),
        sources: DocumentSources = BUILT_IN,
        listeners: Sequence[Listener] = (),
        periodic: Sequence[Periodic] = (),
        periodic_every: float = 30.0,
        check_every: float | None = None,
    ):
        self.backend = backend
        self.embedder = embedder
        self.sources = sources
        self.batch_size = batch_size
        self.backoff = backoff
        # called with each kind's freshly indexed documents, inside the batch: a failure retries the batch
        self.listeners = tuple(listeners)
        # jobs run by ``run_forever`` every ``periodic_every`` seconds (digests, mail delivery)
        self.periodic = tuple(periodic)
        self.periodic_every = periodic_every
        self._last_periodic = 0.0
        self.check_every = check_every  # seconds between index checks (None: never, e.g. --once)

    async def _heartbeat(self, ids: list[int]) -> None:
        """While a batch runs, keep pushing its lease forward; a killed worker stops doing so, and
        its rows are due again at most one lease later."""
        while True:
            await anyio.sleep(self.backoff.lease / 3)
            try:
                await OutboxEvent.filter(id__in=ids, processed_at=None).update(
                    next_attempt_at=utcnow() + timedelta(seconds=self.backoff.lease)
                )
            except Exception as exc:  # noqa: BLE001 - a missed beat only shortens the lease
                log.warning("outbox lease renewal failed: %s", exc)

    async def check_index(self) -> str | None:
        from matchmaking.healing import check_and_heal

        try:
            return await check_and_heal(self.backend, self.sources)
        except Exception as exc:  # noqa: BLE001 - the next check tries again
            log.warning("search index check failed: %s", exc)
            return None

    async def claim(self, now: datetime) -> list[OutboxEvent]:
        due = Q(processed_at=None) & (Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
        async with in_transaction() as conn:
            qs = OutboxEvent.filter(due).order_by("id").limit(self.batch_size).using_db(conn)
            if _is_postgres():
                qs = qs.select_for_update(skip_locked=True)
            rows = await qs
            if rows:
                await (
                    OutboxEvent.filter(id__in=[r.id for r in rows])
                    .using_db(conn)
                    .update(next_attempt_at=now + timedelta(seconds=self.backoff.lease))
                )
        return rows

    async def drain_once(self, now: datetime | None = None) -> int:
        """Claim and process one batch; returns how many rows it settled (0: nothing was due)."""
        return (await self._batch(now))[1]

    async def drain(self, now: datetime | None = None) -> int:
        """Process batches until nothing is due (or a batch fails); returns rows settled."""
        total = 0
        while True:
            claimed, settled = await self._batch(now)
            total += settled
            if not claimed or (not settled and claimed):
                return total

    async def _batch(self, now: datetime | None) -> tuple[int, int]:
        now = now or utcnow()
        rows = await self.claim(now)
        # a kind whose source is not registered in this process (e.g. scenarios without the
        # pipeline) is retried later on its own, without holding up the rest of the batch
        orphans = [r for r in rows if r.kind in INDEXED_KINDS and not self.sources.has(r.kind)]
        if orphans:
            await self._fail(orphans, now, RuntimeError(f"no document source registered for {orphans[0].kind}"))
        ready = [r for r in rows if r not in orphans]
        if not ready:
            return len(rows), 0
        heartbeat = asyncio.get_running_loop().create_task(self._heartbeat([r.id for r in ready]))
        try:
            await self._apply(ready)
        except Exception as exc:  # noqa: BLE001 - any failure is retried; the row is kept
            log.warning("outbox batch of %d failed: %s", len(ready), exc)
            await self._fail(ready, now, exc)
            return len(rows), 0
        finally:
            heartbeat.cancel()
        await OutboxEvent.filter(id__in=[r.id for r in ready]).update(processed_at=utcnow(), last_error="")
        return len(rows), len(ready)

    async def run_periodic(self) -> None:
        """Run each periodic job once; one failing job does not stop the others (it runs again later)."""
        for job in self.periodic:
            try:
                await job()
            except Exception as exc:  # noqa: BLE001 - retried on the next round
                log.warning("periodic job %s: %s", getattr(job, "__name__", job), exc)

    async def run_forever(self, stop_event: anyio.Event, idle: float = 1.0) -> None:
        next_check = 0.0  # on start, then every check_every seconds
        while not stop_event.is_set():
            if self.check_every is not None and time.monotonic() >= next_check:
                await self.check_index()
                next_check = time.monotonic() + self.check_every
            try:
                settled = await self.drain_once()
            except Exception as exc:  # noqa: BLE001 - e.g. the database is briefly unreachable
                log.warning("outbox worker: %s", exc)
                settled = 0
            if self.periodic and time.monotonic() - self._last_periodic >= self.periodic_every:
                self._last_periodic = time.monotonic()
                await self.run_periodic()
            if not settled:
                with anyio.move_on_after(idle):
                    await stop_event.wait()

    async def _apply(self, rows: list[OutboxEvent]) -> None:
        by_kind: dict[str, set[int]] = {}
        for row in rows:
            if row.kind in INDEXED_KINDS:
                by_kind.setdefault(row.kind, set()).add(row.object_id)
        for kind, ids in by_kind.items():
            docs = await self.sources.load(kind, sorted(ids))
            await attach_vectors(docs, self.embedder)
            if docs:
                await self.backend.upsert(docs)
                for listener in self.listeners:
                    await listener(docs)
            gone = ids - {int(d.id) for d in docs}
            if gone:
                await self.backend.delete(kind, [str(i) for i in sorted(gone)])

    async def _fail(self, rows: list[OutboxEvent], now: datetime, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"[:2000]
        for row in rows:
            attempts = row.attempts + 1
            await OutboxEvent.filter(id=row.id).update(
                attempts=F("attempts") + 1, last_error=message, next_attempt_at=now + self.backoff.delay(attempts)
            )


async def pending_count() -> int:
    return await OutboxEvent.filter(processed_at=None).count()
