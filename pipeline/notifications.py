"""The in-app inbox: stage changes on scenarios a user is part of, review assignments, decisions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.timezone import now

from lab.errors import NotFound
from lab.models import Role, User
from pipeline.models import Notification, Scenario


async def party_users(scenario: Scenario, conn=None) -> list[int]:
    """Active users of the lead department and partner organisations."""
    orgs = set(await Scenario.filter(id=scenario.id).using_db(conn).values_list("partners__id", flat=True))
    orgs.discard(None)
    if scenario.lead_department_id:
        orgs.add(scenario.lead_department_id)
    if not orgs:
        return []
    return list(await User.filter(organisation_id__in=list(orgs), active=True,
                                  role__in=[Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER])
                .using_db(conn).values_list("id", flat=True))


async def operator_users(conn=None) -> list[int]:
    return list(await User.filter(role=Role.OPERATOR, active=True).using_db(conn).values_list("id", flat=True))


async def notify(user_ids: Iterable[int], kind: str, message: str, scenario: Scenario | None = None, *,
                 skip: User | None = None, conn=None) -> int:
    ids = sorted({u for u in user_ids if skip is None or u != skip.id})
    if ids:
        await Notification.bulk_create(
            [Notification(user_id=u, kind=kind, message=message[:500],
                          scenario_id=scenario.id if scenario else None) for u in ids], using_db=conn)
    return len(ids)


async def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread notification of ``user`` read; returns how many."""
    qs = Notification.filter(user_id=user.id, read_at=None)
    if notification_id is not None:
        if not await Notification.exists(id=notification_id, user_id=user.id):
            raise NotFound("找不到该通知")
        qs = qs.filter(id=notification_id)
    return await qs.update(read_at=now())


def present(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "message": n.message, "scenario_id": n.scenario_id,
            "read": n.read_at is not None, "created_at": n.created_at.isoformat()}
