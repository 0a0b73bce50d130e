"""Read models of events for pages: the public lists, an event as a participant sees it, and the
operator's desk. Each loads its records once and shapes them with ``event_presenters``."""

from __future__ import annotations

from typing import Any

from tortoise.timezone import now

from lab.models import User
from lab.permissions import can, is_operator
from pipeline import event_presenters
from pipeline.events import get_event, side_of, slot_starts
from pipeline.meetings import event_meetings, organisation_names
from pipeline.models import Event, EventKind, EventRegistration, Meeting, Side


async def _registered(ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for event_id in await EventRegistration.filter(event_id__in=ids).values_list("event_id", flat=True):
        counts[event_id] = counts.get(event_id, 0) + 1
    return counts


async def public_lists(limit: int = 50) -> dict[str, list[dict[str, Any]]]:
    """Upcoming (soonest first) and past (latest first) events."""
    current = now()
    upcoming = await Event.filter(ends_at__gt=current).order_by("starts_at", "id").limit(limit)
    past = await Event.filter(ends_at__lte=current).order_by("-starts_at", "-id").limit(limit)
    counts = await _registered([e.id for e in [*upcoming, *past]])
    return {
        "upcoming": [event_presenters.event(e, counts.get(e.id, 0)) for e in upcoming],
        "past": [event_presenters.event(e, counts.get(e.id, 0)) for e in past],
    }


def _meeting_for(m, organisation_id: int | None, names: dict[int, str]) -> dict[str, Any]:
    data = event_presenters.meeting(m)
    data["department"] = names.get(m.department_id, "")
    data["supplier"] = names.get(m.supplier_id, "")
    if organisation_id is not None:
        mine = "department" if m.department_id == organisation_id else "supplier"
        data["my_side"] = mine
        data["my_answer"] = data[f"{mine}_answer"]
        data["my_answer_label"] = event_presenters.ANSWER_LABELS[data["my_answer"]]
        data["other"] = data["supplier"] if mine == "department" else data["department"]
    data["started"] = m.starts_at <= now()
    data["over"] = m.ends_at <= now()
    return data


async def participant_view(user: User | None, event_id: int) -> dict[str, Any]:
    """An event with, for a signed-in participant, its registration, the organisations it could
    name as wishes, its meetings, and what it may do now."""
    event = await get_event(event_id)
    data = {
        "event": event_presenters.event(event, (await _registered([event.id])).get(event.id, 0)),
        "registration": None,
        "meetings": [],
        "wish_options": [],
        "slot_options": [],
        "may_register": False,
        "is_operator": is_operator(user),
        "side": None,
    }
    if user is None:
        return data
    org = getattr(user, "_organisation", None) or await user.organisation
    side = side_of(org)
    mine = await EventRegistration.get_or_none(event_id=event.id, organisation_id=user.organisation_id)
    data["side"] = side.value if side else None
    if mine is not None:
        data["registration"] = event_presenters.registration(mine, org.name)
    upcoming = event.starts_at > now()
    data["may_register"] = mine is None and upcoming and side is not None and can(user, "event.register", org)
    if data["may_register"] or mine is not None:
        if event.kind == EventKind.MATCHMAKING and side is not None:
            other = Side.SUPPLIER if side == Side.DEPARTMENT else Side.DEPARTMENT
            others = await EventRegistration.filter(event_id=event.id, side=other).order_by("id")
            names = await organisation_names(r.organisation_id for r in others)
            data["wish_options"] = [(r.organisation_id, names.get(r.organisation_id, "")) for r in others]
        starts = slot_starts(event) if event.kind == EventKind.MATCHMAKING else [event.starts_at]
        boundaries = [*starts, event.ends_at]
        data["slot_options"] = [(b.isoformat(), event_presenters.local(b)[11:]) for b in boundaries]
    found = await event_meetings(user, event, user.organisation_id if not is_operator(user) else None)
    names = await organisation_names({m.department_id for m in found} | {m.supplier_id for m in found})
    data["meetings"] = [_meeting_for(m, None if is_operator(user) else user.organisation_id, names) for m in found]
    return data


async def operator_desk(event_id: int) -> dict[str, Any]:
    """Everything the operator runs an event with: registrations (with check-in), all meetings."""
    event = await get_event(event_id)
    registrations = await EventRegistration.filter(event_id=event.id).order_by("side", "id")
    found = list(await Meeting.filter(event_id=event.id).order_by("starts_at", "table"))
    names = await organisation_names(
        {r.organisation_id for r in registrations} | {m.department_id for m in found} | {m.supplier_id for m in found}
    )
    per_org: dict[int, int] = {}
    for m in found:
        per_org[m.department_id] = per_org.get(m.department_id, 0) + 1
        per_org[m.supplier_id] = per_org.get(m.supplier_id, 0) + 1
    rows = []
    for r in registrations:
        item = event_presenters.registration(r, names.get(r.organisation_id, ""))
        item["meetings"] = per_org.get(r.organisation_id, 0)
        item["wish_names"] = [names.get(w) or str(w) for w in r.wishes]
        rows.append(item)
    return {
        "event": event_presenters.event(event, len(registrations)),
        "registrations": rows,
        "meetings": [_meeting_for(m, None, names) for m in found],
        "without_meeting": sum(1 for r in rows if r["meetings"] == 0) if found else None,
        "may_schedule": event.kind == EventKind.MATCHMAKING and event.starts_at > now(),
    }
