"""The audit trail: append-only records of every transition, assignment, review, recusal and edition
change. This module only ever creates records and reads them; nothing updates or deletes one."""

from __future__ import annotations

from typing import Any

from lab import audit
from lab.models import User
from pipeline.models import AuditRecord

OBJECT_KINDS = ("scenario", "edition", "showcase")


record = audit.record  # the core writer; the pipeline's callers keep importing it from here


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
