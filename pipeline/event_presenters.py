"""Events, registrations and meetings shaped as JSON-ready dicts (the API returns them, pages read them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise.timezone import now

from pipeline.models import Event, EventRegistration, Meeting

CHINA = dt.timezone(dt.timedelta(hours=8))
KIND_LABELS = {"matchmaking": "供需对接会", "training": "培训", "visit": "参观接待"}
SIDE_LABELS = {"department": "需求方", "supplier": "供给方"}
ANSWER_LABELS = {"pending": "待确认", "confirmed": "已确认", "declined": "已谢绝"}
OUTCOME_LABELS = {"intent": "达成合作意向", "follow_up": "继续接洽", "none": "暂无合作意向"}
STATUS_LABELS = {"upcoming": "即将举行", "ongoing": "进行中", "past": "已结束"}


def local(value: dt.datetime | None) -> str:
    """Beijing time for people, e.g. 2024-05-16 09:30."""
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def phase(event: Event) -> str:
    current = now()
    if current < event.starts_at:
        return "upcoming"
    return "ongoing" if current < event.ends_at else "past"


def event(e: Event, registered: int | None = None) -> dict[str, Any]:
    when = phase(e)
    return {
        "id": e.id,
        "title": e.title,
        "kind": e.kind.value,
        "kind_label": KIND_LABELS[e.kind.value],
        "description": e.description,
        "starts_at": e.starts_at.isoformat(),
        "ends_at": e.ends_at.isoformat(),
        "starts_local": local(e.starts_at),
        "ends_local": local(e.ends_at),
        "place": e.place,
        "online_url": e.online_url,
        "domains": list(e.domains),
        "slot_minutes": e.slot_minutes,
        "tables": e.tables,
        "capacity": e.capacity,
        "max_wishes": e.max_wishes,
        "registered": registered,
        "scheduled": e.scheduled_at is not None,
        "status": when,
        "status_label": STATUS_LABELS[when],
    }


def registration(r: EventRegistration, name: str | None = None) -> dict[str, Any]:
    return {
        "id": r.id,
        "event_id": r.event_id,
        "organisation_id": r.organisation_id,
        "organisation": name,
        "side": r.side.value,
        "side_label": SIDE_LABELS[r.side.value],
        "available": [{"from": a, "to": b} for a, b in r.available],
        "hours": "、".join(
            f"{local(dt.datetime.fromisoformat(a))[11:]}–{local(dt.datetime.fromisoformat(b))[11:]}"
            for a, b in r.available
        )
        or "全程",
        "wishes": list(r.wishes),
        "note": r.note,
        "checked_in": r.checked_in_at is not None,
        "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
        "created_at": r.created_at.isoformat(),
    }


def meeting(m: Meeting) -> dict[str, Any]:
    from pipeline.meetings import status

    department = m.__dict__.get("_department")
    supplier = m.__dict__.get("_supplier")
    state = status(m)
    return {
        "id": m.id,
        "event_id": m.event_id,
        "department_organisation_id": m.department_id,
        "supplier_organisation_id": m.supplier_id,
        "department": getattr(department, "name", None),
        "supplier": getattr(supplier, "name", None),
        "starts_at": m.starts_at.isoformat(),
        "ends_at": m.ends_at.isoformat(),
        "starts_local": local(m.starts_at),
        "table": m.table,
        "score": round(float(m.score), 4),
        "reasons": list(m.reasons),
        "department_answer": m.department_answer.value,
        "supplier_answer": m.supplier_answer.value,
        "status": state,
        "status_label": ANSWER_LABELS[state],
        "decline_reason": m.decline_reason,
        "outcome": m.outcome.value if m.outcome else None,
        "outcome_label": OUTCOME_LABELS[m.outcome.value] if m.outcome else None,
        "outcome_note": m.outcome_note,
        "proposal_id": m.proposal_id,
        "version": m.version,
    }
