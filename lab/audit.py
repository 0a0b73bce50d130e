"""The audit trail: append-only records of every state-changing decision — demands, profiles,
proposals, accounts, organisations, scenarios, editions, the showcase. This module only ever creates
records and reads them; nothing updates or deletes one."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from lab.models import AuditRecord, User

_OBJECT = re.compile(r"([a-z][a-z_]{0,19}):(\d{1,12})")


async def record(
    actor: User | None,
    action: str,
    kind: str,
    object_id: int,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    conn=None,
) -> AuditRecord:
    """Append one record; call inside the transaction of the change it describes."""
    return await AuditRecord.create(
        actor_id=actor.id if actor else None,
        action=action,
        object_kind=kind,
        object_id=object_id,
        before=before or {},
        after=after or {},
        reason=reason,
        using_db=conn,
    )


def plain(value: Any) -> Any:
    """A value as it is stored in an audit record's JSON (enums by value, times as ISO text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def snapshot(obj: Any, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The named fields of ``obj`` (those it has) as plain JSON values."""
    return {name: plain(getattr(obj, name)) for name in names if hasattr(obj, name)}


def parse_object(text: str) -> tuple[str, int] | None:
    """``"scenario:12"`` / ``"demand:3"`` / ``"user:7"`` → (kind, id); None when malformed."""
    found = _OBJECT.fullmatch(text.strip())
    if found is None:
        return None
    return found.group(1), int(found.group(2))


def present(r: AuditRecord) -> dict[str, Any]:
    actor = r.actor if isinstance(r.actor, User) else None
    return {
        "id": r.id,
        "action": r.action,
        "object": f"{r.object_kind}:{r.object_id}",
        "actor_id": r.actor_id,
        "actor": actor.display_name if actor else None,
        "before": r.before,
        "after": r.after,
        "reason": r.reason,
        "at": r.at.isoformat(),
    }
