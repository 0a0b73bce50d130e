"""The in-app inbox: write notifications (to users, optionally about one object), mark them read,
present them. A notification links to the object it is about: ``object="proposal:7"``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.timezone import now

from lab.conversation_models import Notification
from lab.errors import NotFound
from lab.models import User

# what each kind is called in the inbox filter (kinds not listed are shown under their own name)
KIND_GROUPS = {
    "proposal": (
        "proposal_submitted",
        "proposal_shortlisted",
        "proposal_accepted",
        "proposal_declined",
        "proposal_withdrawn",
        "proposal_closed",
    ),
    "question": ("question_asked", "question_answered", "question_hidden"),
    "alert": ("alert", "digest"),
    "scenario": ("stage_changed", "decision", "review_assigned", "review_submitted", "recusal"),
}
GROUP_LABELS = {"proposal": "揭榜方案", "question": "公开答疑", "alert": "订阅提醒", "scenario": "场景与评审"}
OBJECT_KINDS = ("demand", "proposal", "question", "scenario", "organisation", "digest", "capability")


def _link(obj: str | None) -> tuple[str, int | None]:
    if not obj:
        return "", None
    kind, _, ident = obj.partition(":")
    if kind not in OBJECT_KINDS or not ident.isdigit():
        raise ValueError(f"unknown notification object {obj!r}")
    return kind, int(ident)


async def notify(
    user_ids: Iterable[int],
    kind: str,
    message: str,
    scenario: Any | None = None,
    *,
    skip: User | None = None,
    conn=None,
    object: str | None = None,
) -> int:
    """Write one notification per user (minus ``skip``); ``object`` ("demand:12") links it to a record.
    Call inside the transaction of the change it reports."""
    object_kind, object_id = _link(object)
    if not object_kind and scenario is not None:
        object_kind, object_id = "scenario", scenario.id
    ids = sorted({u for u in user_ids if skip is None or u != skip.id})
    if ids:
        await Notification.bulk_create(
            [
                Notification(
                    user_id=u,
                    kind=kind,
                    message=message[:500],
                    scenario_id=scenario.id if scenario else None,
                    object_kind=object_kind,
                    object_id=object_id,
                )
                for u in ids
            ],
            using_db=conn,
        )
    return len(ids)


async def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread notification of ``user`` read; returns how many."""
    qs = Notification.filter(user_id=user.id, read_at=None)
    if notification_id is not None:
        if not await Notification.exists(id=notification_id, user_id=user.id):
            raise NotFound("找不到该通知")
        qs = qs.filter(id=notification_id)
    return await qs.update(read_at=now())


def kinds_of(group: str) -> tuple[str, ...]:
    return KIND_GROUPS.get(group, (group,))


def link_of(n: Notification) -> str | None:
    """The page of the object a notification is about, if it has one."""
    kind, ident = n.object_kind, n.object_id
    if not kind and n.scenario_id:
        kind, ident = "scenario", n.scenario_id
    return (
        {
            "demand": f"/demands/{ident}",
            "scenario": f"/scenarios/{ident}",
            "proposal": f"/proposals/{ident}",
            "question": None,
            "digest": "/workspace/subscriptions",
            "organisation": None,
            "capability": f"/capabilities/{ident}",
        }.get(kind)
        if kind
        else None
    )


def present(n: Notification) -> dict[str, Any]:
    obj = f"{n.object_kind}:{n.object_id}" if n.object_kind and n.object_id is not None else None
    return {
        "id": n.id,
        "kind": n.kind,
        "message": n.message,
        "scenario_id": n.scenario_id,
        "object": obj,
        "link": link_of(n),
        "read": n.read_at is not None,
        "created_at": n.created_at.isoformat(),
    }
