"""One object's own audit trail (demand, capability profile, organisation) for its page, in the
same Chinese labels as the operators' audit page; empty for anyone the policy registry does not
allow (``<kind>.history``)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from lab.models import AuditRecord, User
from lab.permissions import can
from showcase import audit_labels

LIMIT = 100


def row(r: AuditRecord) -> dict[str, Any]:
    """One audit record as the pages show it (``actor`` must be fetched)."""
    return {
        "id": r.id,
        "at": r.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        "actor": r.actor.display_name if r.actor else "系统",
        "action": audit_labels.action_label(r.action),
        "code": r.action,
        "kind": audit_labels.KINDS.get(r.object_kind, r.object_kind),
        "object": f"{r.object_kind}:{r.object_id}",
        "object_id": r.object_id,
        "href": audit_labels.object_href(r.object_kind, r.object_id),
        "changes": audit_labels.changes(r.before or {}, r.after or {}),
        "reason": r.reason,
    }


async def history(user: User | None, kind: str, obj: Any) -> list[dict[str, Any]] | None:
    """The newest records about ``obj`` (kind ``demand``, ``profile`` or ``organisation``), or None
    when ``user`` may not see them."""
    if not can(user, f"{kind}.history", obj):
        return None
    records = (
        await AuditRecord.filter(object_kind=kind, object_id=obj.id)
        .select_related("actor")
        .order_by("-at", "-id")
        .limit(LIMIT)
    )
    return [row(r) for r in records]
