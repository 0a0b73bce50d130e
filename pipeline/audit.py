"""The audit trail: append-only records of every transition, assignment, review, recusal and edition
change. This module only ever creates records and reads them; nothing updates or deletes one."""

from __future__ import annotations

from typing import Any

from lab.models import User
from pipeline.models import AuditRecord

OBJECT_KINDS = ("scenario", "edition", "showcase", "data_resource", "data_request", "progress_update")


async def record(actor: User | None, action: str, kind: str, object_id: int, *, before: dict | None = None,
                 after: dict | None = None, reason: str = "", conn=None) -> AuditRecord:
    """Append one record; call inside the transaction of the change it describes."""
    return await AuditRecord.create(actor_id=actor.id if actor else None, action=action, object_kind=kind,
                                    object_id=object_id, before=before or {}, after=after or {},
                                    reason=reason, using_db=conn)


def parse_object(text: str) -> tuple[str, int] | None:
    """``"scenario:12"`` → ("scenario", 12); None when malformed."""
    kind, _, ident = text.partition(":")
    if kind not in OBJECT_KINDS or not ident.isdigit():
        return None
    return kind, int(ident)


def present(r: AuditRecord) -> dict[str, Any]:
    actor = r.actor if isinstance(r.actor, User) else None
    return {"id": r.id, "action": r.action, "object": f"{r.object_kind}:{r.object_id}",
            "actor_id": r.actor_id, "actor": actor.display_name if actor else None,
            "before": r.before, "after": r.after, "reason": r.reason, "at": r.at.isoformat()}
