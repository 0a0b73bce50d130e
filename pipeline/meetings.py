"""1:1 meetings at a matchmaking event: building them from match scores and wishes (the operator's
``schedule``), participants confirming or declining, and the outcome (合作意向) after the meeting.

Scores come from ``matchmaking.pair_scores`` (stored vectors, no model call) plus wishes; the solve
(``matchmaking.scheduling``) runs in a worker thread with a time limit, so the request is bounded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import anyio.to_thread
import numpy as np
from tortoise.expressions import Q
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, IllegalTransition, Invalid, NotFound
from lab.models import Organisation, Proposal, Role, User
from lab.permissions import can, require
from matchmaking.pair_scores import organisation_scores
from pipeline.event_schemas import OutcomeIn, ScheduleIn
from pipeline.events import available_slots, get_event, slot_starts, valid_id
from pipeline.models import Answer, Event, EventKind, EventRegistration, Meeting, Side
from pipeline.notifications import notify

WISH_BONUS = 0.5  # per side that named the other


@dataclass
class Plan:
    """What a schedule run did, for the operator."""

    meetings: int
    total_score: float
    upper_bound: float
    without_meeting: list[int]
    seconds: float

    def as_dict(self) -> dict:
        return {
            "meetings": self.meetings,
            "total_score": round(self.total_score, 4),
            "upper_bound": round(self.upper_bound, 4),
            "organisations_without_meeting": self.without_meeting,
            "seconds": round(self.seconds, 3),
        }


async def _members(org_ids, conn=None) -> list[int]:
    return list(
        await User.filter(
            organisation_id__in=list(org_ids), active=True, role__in=[Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER]
        )
        .using_db(conn)
        .values_list("id", flat=True)
    )


async def schedule_event(user: User | None, event_id: int, data: ScheduleIn, model_id: str | None) -> Plan:
    """Build (or rebuild, before the event starts) the event's 1:1 meetings."""
    from matchmaking.scheduling import Problem, schedule

    event = await get_event(event_id)
    require(user, "event.schedule", event)
    if event.kind != EventKind.MATCHMAKING:
        raise Conflict("只有供需对接会需要排程", code="not_matchmaking")
    if event.starts_at <= now():
        raise Conflict("活动已开始，不能重新排程", code="event_started")
    registrations = await EventRegistration.filter(event_id=event.id).order_by("id")
    departments = [r for r in registrations if r.side == Side.DEPARTMENT]
    suppliers = [r for r in registrations if r.side == Side.SUPPLIER]
    if not departments or not suppliers:
        raise Conflict("需要至少一个需求方和一个供给方报名后才能排程", code="nothing_to_schedule")
    fits = await organisation_scores(
        model_id, [r.organisation_id for r in departments], [r.organisation_id for r in suppliers]
    )
    scores = np.zeros((len(departments), len(suppliers)))
    reasons: dict[tuple[int, int], list[str]] = {}
    for i, d in enumerate(departments):
        for j, s in enumerate(suppliers):
            fit = fits[(d.organisation_id, s.organisation_id)]
            why = list(fit.reasons)
            bonus = 0.0
            if s.organisation_id in d.wishes and d.organisation_id in s.wishes:
                bonus, why = 2 * WISH_BONUS, ["双方互相点名希望会面", *why]
            elif s.organisation_id in d.wishes:
                bonus, why = WISH_BONUS, ["需求方点名希望会面", *why]
            elif d.organisation_id in s.wishes:
                bonus, why = WISH_BONUS, ["供给方点名希望会面", *why]
            scores[i, j] = fit.score + bonus
            reasons[(i, j)] = why
    starts = slot_starts(event)
    problem = Problem(
        slots=len(starts),
        tables=event.tables,
        scores=scores,
        department_slots=np.array([available_slots(event, r) for r in departments], dtype=bool),
        supplier_slots=np.array([available_slots(event, r) for r in suppliers], dtype=bool),
    )
    result = await anyio.to_thread.run_sync(lambda: schedule(problem, seconds=data.seconds, workers=2))
    step = dt.timedelta(minutes=event.slot_minutes)
    rows = [
        Meeting(
            event_id=event.id,
            department_id=departments[m.department].organisation_id,
            supplier_id=suppliers[m.supplier].organisation_id,
            starts_at=starts[m.slot],
            ends_at=starts[m.slot] + step,
            table=m.table,
            score=round(m.score, 4),
            reasons=reasons[(m.department, m.supplier)],
        )
        for m in result.meetings
    ]
    met = {r.department_id for r in rows} | {r.supplier_id for r in rows}
    without = [r.organisation_id for r in registrations if r.organisation_id not in met]
    plan = Plan(len(rows), result.total_score, result.upper_bound, without, result.seconds)
    async with in_transaction() as conn:
        locked = await Event.filter(id=event.id).select_for_update().using_db(conn).first()
        if locked.starts_at <= now():
            raise Conflict("活动已开始，不能重新排程", code="event_started")
        replaced = await Meeting.filter(event_id=event.id).using_db(conn).count()
        await Meeting.filter(event_id=event.id).using_db(conn).delete()
        await Meeting.bulk_create(rows, using_db=conn)
        await Event.filter(id=event.id).using_db(conn).update(scheduled_at=now())
        await audit.record(
            user, "event.schedule", "event", event.id, before={"meetings": replaced}, after=plan.as_dict(), conn=conn
        )
        await notify(
            await _members(met, conn),
            "meeting_scheduled",
            f"活动「{event.title}」的1:1洽谈已排定，请查看并确认您的洽谈安排",
            conn=conn,
        )
    return plan


def visible(user: User | None, meetings: list[Meeting]) -> list[Meeting]:
    """Only the parties of a meeting (and operators) see it."""
    return [m for m in meetings if can(user, "meeting.read", m)]


async def event_meetings(user: User | None, event: Event, organisation_id: int | None = None) -> list[Meeting]:
    qs = Meeting.filter(event_id=event.id).select_related("department", "supplier").order_by("starts_at", "table")
    if organisation_id is not None:
        qs = qs.filter(Q(department_id=organisation_id) | Q(supplier_id=organisation_id))
    return visible(user, list(await qs))


async def get_meeting(user: User | None, event_id: int, meeting_id: int, action: str) -> Meeting:
    meeting = None
    if valid_id(meeting_id) and valid_id(event_id):
        meeting = await Meeting.get_or_none(id=meeting_id, event_id=event_id).select_related(
            "event", "department", "supplier"
        )
    if meeting is None:
        raise NotFound("找不到该洽谈")
    require(user, action, meeting)
    return meeting


def status(meeting: Meeting) -> str:
    answers = {meeting.department_answer, meeting.supplier_answer}
    if Answer.DECLINED in answers:
        return "declined"
    return "confirmed" if answers == {Answer.CONFIRMED} else "pending"


async def answer(user: User, event_id: int, meeting_id: int, *, confirm: bool, reason: str = "") -> Meeting:
    """A participant confirms or declines its side of a meeting (before the meeting ends)."""
    meeting = await get_meeting(user, event_id, meeting_id, "meeting.answer")
    side = "department" if user.organisation_id == meeting.department_id else "supplier"
    field = f"{side}_answer"
    if meeting.ends_at <= now():
        raise Conflict("洽谈已结束，不能再确认或谢绝", code="meeting_over")
    current = getattr(meeting, field)
    if current == Answer.DECLINED:
        raise IllegalTransition("您已谢绝该洽谈，不能再更改")
    other = meeting.supplier_answer if side == "department" else meeting.department_answer
    if confirm and other == Answer.DECLINED:
        raise IllegalTransition("对方已谢绝该洽谈，无法确认")
    new = Answer.CONFIRMED if confirm else Answer.DECLINED
    if current == new:
        return meeting
    changes = {field: new}
    if not confirm:
        changes["decline_reason"] = reason
    async with in_transaction() as conn:
        updated = (
            await Meeting.filter(id=meeting.id, version=meeting.version)
            .using_db(conn)
            .update(**changes, version=meeting.version + 1)
        )
        if not updated:
            raise Conflict("洽谈已被更新，请刷新后重试", code="version_conflict")
        await audit.record(
            user,
            "meeting.confirm" if confirm else "meeting.decline",
            "meeting",
            meeting.id,
            before={field: current.value},
            after={field: new.value},
            reason=reason,
            conn=conn,
        )
        other_org = meeting.supplier if side == "department" else meeting.department
        mine = meeting.department if side == "department" else meeting.supplier
        verb = "确认" if confirm else "谢绝"
        when = meeting.starts_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%m-%d %H:%M")
        await notify(
            await _members([other_org.id], conn),
            f"meeting_{'confirmed' if confirm else 'declined'}",
            f"「{mine.name}」{verb}了 {when} 第{meeting.table}桌的洽谈" + (f"：{reason}" if reason else ""),
            conn=conn,
        )
    return await get_meeting(user, event_id, meeting_id, "meeting.read")


async def record_outcome(user: User, event_id: int, meeting_id: int, data: OutcomeIn) -> Meeting:
    """After the meeting: its outcome (合作意向), optionally the proposal that came out of it."""
    meeting = await get_meeting(user, event_id, meeting_id, "meeting.outcome")
    if meeting.starts_at > now():
        raise Conflict("洽谈尚未开始，不能记录成果", code="meeting_not_started")
    if status(meeting) == "declined":
        raise IllegalTransition("该洽谈已被谢绝，不能记录成果")
    if data.proposal_id is not None:
        proposal = await Proposal.get_or_none(id=data.proposal_id).select_related("demand")
        if proposal is None:
            raise Invalid({"proposal_id": "找不到该方案"})
        if proposal.organisation_id != meeting.supplier_id or proposal.demand.organisation_id != meeting.department_id:
            raise Invalid({"proposal_id": "该方案不属于本场洽谈的双方"})
    before = {"outcome": meeting.outcome.value if meeting.outcome else None, "proposal_id": meeting.proposal_id}
    after = {"outcome": data.outcome, "proposal_id": data.proposal_id}
    async with in_transaction() as conn:
        updated = (
            await Meeting.filter(id=meeting.id, version=meeting.version)
            .using_db(conn)
            .update(
                outcome=data.outcome, outcome_note=data.note, proposal_id=data.proposal_id, version=meeting.version + 1
            )
        )
        if not updated:
            raise Conflict("洽谈已被更新，请刷新后重试", code="version_conflict")
        await audit.record(
            user, "meeting.outcome", "meeting", meeting.id, before=before, after=after, reason=data.note, conn=conn
        )
        label = {"intent": "达成合作意向", "follow_up": "继续接洽", "none": "暂无合作意向"}[data.outcome]
        await notify(
            await _members([meeting.department_id, meeting.supplier_id], conn),
            "meeting_outcome",
            f"「{meeting.department.name}」与「{meeting.supplier.name}」的洽谈记录为：{label}",
            skip=user,
            conn=conn,
        )
    return await get_meeting(user, event_id, meeting_id, "meeting.read")


async def organisation_names(ids) -> dict[int, str]:
    return dict(await Organisation.filter(id__in=list(ids)).values_list("id", "name"))
