"""The core audit trail: append-only records of every state-changing decision in any package
(organisations and users here, transitions, reviews and editions in the pipeline). Only creates and
reads records; nothing updates or deletes one."""

from __future__ import annotations

from lab.models import AuditRecord, User


async def record(actor: User | None, action: str, kind: str, object_id: int, *, before: dict | None = None,
                 after: dict | None = None, reason: str = "", conn=None) -> AuditRecord:
    """Append one record; call inside the transaction of the change it describes."""
    return await AuditRecord.create(actor_id=actor.id if actor else None, action=action, object_kind=kind,
                                    object_id=object_id, before=before or {}, after=after or {},
                                    reason=reason, using_db=conn)
