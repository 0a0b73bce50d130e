"""Appending to the outbox: call inside the same transaction as the write it describes."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from lab.models import OutboxEvent

KINDS = frozenset({"demand", "capability", "proposal", "scenario"})


async def append_outbox(
    kind: str, object_id: int, op: str = "upsert", using_db: BaseDBAsyncClient | None = None
) -> OutboxEvent:
    if kind not in KINDS or op not in {"upsert", "delete"}:
        raise ValueError(f"unknown outbox event {kind}/{op}")
    return await OutboxEvent.create(kind=kind, object_id=object_id, op=op, using_db=using_db)
