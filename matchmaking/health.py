"""How far the search index is from the database: the ``search`` part of ``/healthz`` and the
banner of the pages, and what a worker looks at to decide that the index must be rebuilt.

Never loads the model and never waits for it: it counts rows (the outbox, the indexed tables) and
asks the search backend how many documents it holds, when the backend is already open.

- ``degraded``: the backend does not answer, or changes keep failing (an outbox row tried
  ``FAILING_ATTEMPTS`` times or more is still pending);
- ``indexing``: changes are waiting in the outbox (``pending`` of them), or the backend is not open
  yet (the model is still loading at startup);
- ``empty``: the index holds fewer documents than the database says it should, by more than the
  pending changes explain (a lost or never-built index: only a reindex fills it; ``pending`` is
  then the number of missing documents);
- ``ok``: otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lab.models import CapabilityProfile, Demand, OutboxEvent
from matchmaking.indexing import INDEXED_KINDS, source_count

FAILING_ATTEMPTS = 3
OK, INDEXING, DEGRADED, EMPTY = "ok", "indexing", "degraded", "empty"


@dataclass(frozen=True)
class IndexStatus:
    status: str
    pending: int
    indexed: int | None = None  # None: the backend is not open (or not answering)
    expected: int | None = None

    @property
    def banner(self) -> bool:
        """Pages say so while search is not (yet) complete."""
        return self.status != OK

    def as_dict(self) -> dict:
        return {"status": self.status, "pending": self.pending}

    def details(self) -> dict:
        return asdict(self)


async def pending_changes() -> tuple[int, int]:
    """Unprocessed outbox rows of indexed kinds, and how many of them keep failing."""
    due = OutboxEvent.filter(processed_at=None, kind__in=list(INDEXED_KINDS))
    pending = await due.count()
    failing = await due.filter(attempts__gte=FAILING_ATTEMPTS).count() if pending else 0
    return pending, failing


async def expected_documents() -> int:
    """How many documents the index should hold: every demand, profile and (registered) scenario."""
    total = await Demand.all().count() + await CapabilityProfile.all().count()
    for kind in INDEXED_KINDS:
        if kind not in ("demand", "capability"):
            total += await source_count(kind)
    return total


async def index_status(backend=None) -> IndexStatus:
    """The state of the index; ``backend=None`` means it is not open yet (the model is loading)."""
    pending, failing = await pending_changes()
    expected = await expected_documents()
    if backend is None:
        return IndexStatus(INDEXING, pending, None, expected)
    try:
        indexed = int(await backend.count())
    except Exception:  # noqa: BLE001 - a backend that cannot count cannot search either
        return IndexStatus(DEGRADED, pending, None, expected)
    if failing:
        return IndexStatus(DEGRADED, pending, indexed, expected)
    missing = expected - indexed
    if missing > pending:
        return IndexStatus(EMPTY, missing, indexed, expected)
    if pending:
        return IndexStatus(INDEXING, pending, indexed, expected)
    return IndexStatus(OK, 0, indexed, expected)
