"""Rebuild the search index from the database (every kind, or one), with a progress bar on stderr.

Each kind is cleared and refilled in id order, in batches: vectors come from the embedding cache
when the text and model are unchanged, so a reindex after a crash costs little model time.
Outbox rows are left alone; processing them again later is harmless (upserts are idempotent).
"""

from __future__ import annotations

import sys

from tqdm import tqdm

from lab.models import CapabilityProfile, Demand
from matchmaking.indexing import BUILT_IN, INDEXED_KINDS, DocumentSources, attach_vectors

BATCH = 256
_TABLES = {"demand": Demand, "capability": CapabilityProfile}


async def reindex(
    backend,
    embedder,
    kinds: list[str] | None = None,
    *,
    batch: int = BATCH,
    progress: bool = True,
    sources: DocumentSources = BUILT_IN,
) -> dict[str, int]:
    """Returns how many documents of each kind are now indexed."""
    done: dict[str, int] = {}
    for kind in kinds or list(INDEXED_KINDS):
        if not sources.has(kind):
            continue
        table = _TABLES.get(kind)
        if table is not None:
            ids = list(await table.all().order_by("id").values_list("id", flat=True))
            chunks = [ids[i : i + batch] for i in range(0, len(ids), batch)]
        else:
            ids, chunks = None, [None]  # another package's source: all at once
        await backend.clear(kind)
        bar = tqdm(
            total=len(ids) if ids is not None else None,
            desc=f"reindex {kind}",
            unit="doc",
            file=sys.stderr,
            disable=not progress,
        )
        count = 0
        for chunk in chunks:
            docs = await sources.load(kind, chunk)
            await attach_vectors(docs, embedder)
            if docs:
                await backend.upsert(docs)
            count += len(docs)
            bar.update(len(docs))
        bar.close()
        done[kind] = count
    return done
