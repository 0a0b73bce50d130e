"""The index heals itself: the worker compares what the index holds with what the database says
it should hold, on start and every ``LAB_INDEX_CHECK_SECONDS``, and rebuilds it when it is empty
or stale — in the background, through the outbox.

The comparison uses ``matchmaking.health.index_status`` (per-table counts against the backend's
count, pending outbox rows) and, when the counts agree, a *sample*: the most recently changed
records of each table are composed again and compared with the document the index returns for
them (title, status). A rebuild appends one upsert outbox row for every record of every indexed
kind; the ordinary worker loop then drains them (vectors come from the embedding cache), so a
locked or read-only index only delays it: rows are retried with backoff and never dropped.
Meanwhile ``/healthz`` says ``indexing`` with the number still pending (never ``ok``), and the
log shows the progress.
"""

from __future__ import annotations

import logging

from lab.models import CapabilityProfile, Demand, OutboxEvent
from matchmaking.health import EMPTY, OK, index_status
from matchmaking.indexing import BUILT_IN, INDEXED_KINDS, DocumentSources, has_source, load_documents
from matchmaking.search import SearchQuery, SearchUnavailable

log = logging.getLogger("matchmaking.healing")
SAMPLE = 5
BROWSE = 100
_TABLES = {"demand": Demand, "capability": CapabilityProfile}


async def stale_documents(backend, sample: int = SAMPLE, sources: DocumentSources = BUILT_IN) -> list[tuple[str, str]]:
    """(kind, id) of sampled records whose indexed document is missing or differs from the database."""
    stale: list[tuple[str, str]] = []
    for kind, table in _TABLES.items():
        ids = await table.all().order_by("-updated_at", "-id").limit(sample).values_list("id", flat=True)
        for doc in await load_documents(kind, list(ids), sources):
            filters = {"organisation_id": [doc.organisation_id]} if doc.organisation_id else {}
            result = await backend.search(SearchQuery(kind=kind, filters=filters, limit=BROWSE, semantic_ratio=0.0))
            hit = next((h for h in result.hits if str(h.id) == doc.id), None)
            if hit is None and result.total > len(result.hits):
                continue  # not among the first BROWSE of its organisation: cannot tell, no verdict
            held = hit.document if hit is not None else {}
            if hit is None or held.get("title") != doc.title or held.get("status") != doc.status:
                stale.append((kind, doc.id))
    return stale


async def enqueue_rebuild(batch: int = 1000, sources: DocumentSources = BUILT_IN) -> int:
    """Append an upsert outbox row for every record of every indexed kind; returns how many."""
    queued = 0
    for kind in INDEXED_KINDS:
        if not has_source(kind, sources):
            continue
        table = _TABLES.get(kind)
        if table is not None:
            ids = list(await table.all().order_by("id").values_list("id", flat=True))
        else:
            ids = [int(d.id) for d in await load_documents(kind, None, sources)]
        for start in range(0, len(ids), batch):
            await OutboxEvent.bulk_create(
                [OutboxEvent(kind=kind, object_id=i, op="upsert") for i in ids[start : start + batch]]
            )
        queued += len(ids)
    return queued


async def check_and_heal(backend, sources: DocumentSources = BUILT_IN) -> str:
    """One comparison; queues a rebuild when the index is empty or stale. Returns what it found:
    ``ok``, ``indexing``, ``degraded``, or ``rebuilding`` (a rebuild was queued just now). The backend
    first repairs what it derives from its own documents (the embedded lexical side)."""
    try:
        await backend.repair()
    except SearchUnavailable as exc:
        log.warning("search index could not be repaired now: %s", exc)
    status = await index_status(backend, sources)
    if status.status == EMPTY:
        queued = await enqueue_rebuild(sources=sources)
        log.warning(
            "search index holds %s of %s documents: rebuilding in the background (%d queued)",
            status.indexed,
            status.expected,
            queued,
        )
        return "rebuilding"
    if status.status == OK:
        stale = await stale_documents(backend, sources=sources)
        if stale:
            queued = await enqueue_rebuild(sources=sources)
            log.warning(
                "search index is stale (%d of the sampled documents differ, e.g. %s %s): "
                "rebuilding in the background (%d queued)",
                len(stale),
                *stale[0],
                queued,
            )
            return "rebuilding"
        return OK
    if status.pending:
        log.info("search index: %s, %d pending", status.status, status.pending)
    return status.status
