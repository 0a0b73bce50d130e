"""Events (供需对接会, 培训, 参观接待) and registrations: creating an event, registering an organisation
with its hours and wishes, checking it in at the front desk. Each command writes its audit record in
the same transaction; meetings are in ``pipeline.meetings``."""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from lab.models import Organisation, OrgKind, User
from lab.permissions import is_operator, require
from pipeline.event_schemas import MAX_SLOTS, EventIn, RegistrationIn
from pipeline.models import Event, EventKind, EventRegistration, Side
from pipeline.notifications import notify, operator_users

SUPPLIER_KINDS = (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database: anything larger names no record


def valid_id(value: int) -> bool:
    return 1 <= value <= MAX_ID


def side_of(org: Organisation) -> Side | None:
    if org.kind == OrgKind.DEPARTMENT:
        return Side.DEPARTMENT
    return Side.SUPPLIER if org.kind in SUPPLIER_KINDS else None


def slot_starts(event: Event) -> list[dt.datetime]:
    """The start of every full meeting slot of the event."""
    step = dt.timedelta(minutes=event.slot_minutes)
    count = min(MAX_SLOTS, int((event.ends_at - event.starts_at) / step))
    return [event.starts_at + k * step for k in range(max(0, count))]


def intervals(registration: EventRegistration) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in registration.available]


def available_slots(event: Event, registration: EventRegistration) -> list[bool]:
    """For each slot: is the organisation there for all of it?"""
    step = dt.timedelta(minutes=event.slot_minutes)
    spans = intervals(registration)
    if not spans:
        return [True] * len(slot_starts(event))
    return [any(a <= start and start + step <= b for a, b in spans) for start in slot_starts(event)]


def snapshot(event: Event) -> dict:
    return {
        "title": event.title,
        "kind": event.kind.value,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "place": event.place,
        "online_url": event.online_url,
        "domains": list(event.domains),
        "slot_minutes": event.slot_minutes,
        "tables": event.tables,
        "capacity": event.capacity,
        "max_wishes": event.max_wishes,
    }


def event_problems(data: EventIn) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.ends_at <= data.starts_at:
        problems["ends_at"] = "结束时间应晚于开始时间"
    elif data.ends_at - data.starts_at > dt.timedelta(days=14):
        problems["ends_at"] = "活动不能超过14天"
    elif data.kind == EventKind.MATCHMAKING:
        slots = int((data.ends_at - data.starts_at) / dt.timedelta(minutes=data.slot_minutes))
        if slots < 1:
            problems["slot_minutes"] = "活动时长不足一个洽谈时段"
        elif slots > MAX_SLOTS:
            problems["slot_minutes"] = f"洽谈时段不能超过{MAX_SLOTS}个，请加长每段时长"
    if not data.place and data.online_url is None:
        problems["place"] = "请填写地点或线上链接"
    return problems


async def create_event(user: User | None, data: EventIn) -> Event:
    require(user, "event.create")
    problems = event_problems(data)
    if problems:
        raise Invalid(problems)
    values = data.model_dump(exclude={"online_url"})
    values["online_url"] = str(data.online_url) if data.online_url else ""
    async with in_transaction() as conn:
        event = await Event.create(**values, created_by_id=user.id, using_db=conn)
        await audit.record(user, "event.create", "event", event.id, after=snapshot(event), conn=conn)
    return event


async def get_event(event_id: int, conn=None) -> Event:
    event = await Event.get_or_none(id=event_id).using_db(conn) if valid_id(event_id) else None
    if event is None:
        raise NotFound("找不到该活动")
    return event


async def _organisation(user: User, data: RegistrationIn) -> Organisation:
    org_id = data.organisation_id or user.organisation_id
    if data.organisation_id and not is_operator(user) and data.organisation_id != user.organisation_id:
        raise Forbidden("只能为本单位报名", fields={"organisation_id": "只能为本单位报名"})
    org = await Organisation.get_or_none(id=org_id)
    if org is None:
        raise Invalid({"organisation_id": "找不到该单位"})
    if is_operator(user) and data.organisation_id is None:
        raise Invalid({"organisation_id": "运营人员代单位报名时请指定单位"})
    return org


async def _wish_problems(event: Event, side: Side, wishes: list[int]) -> str | None:
    if not wishes:
        return None
    if event.kind != EventKind.MATCHMAKING:
        return "只有供需对接会可以点名洽谈对象"
    if len(wishes) > event.max_wishes:
        return f"最多点名{event.max_wishes}个单位"
    found = {o.id: o for o in await Organisation.filter(id__in=wishes)}
    missing = [w for w in wishes if w not in found]
    if missing:
        return f"找不到单位：{'、'.join(map(str, missing))}"
    other = Side.SUPPLIER if side == Side.DEPARTMENT else Side.DEPARTMENT
    if any(side_of(found[w]) != other for w in wishes):
        return "需求方只能点名供给方，供给方只能点名需求方"
    return None


def _hour_problems(event: Event, data: RegistrationIn) -> str | None:
    for span in data.available:
        if span.from_ < event.starts_at or span.to > event.ends_at:
            return "可参会时段应在活动时间之内"
    if event.kind == EventKind.MATCHMAKING and data.available:
        probe = EventRegistration(available=[[s.from_.isoformat(), s.to.isoformat()] for s in data.available])
        if not any(available_slots(event, probe)):
            return "可参会时段至少要覆盖一个完整的洽谈时段"
    return None


async def register(user: User | None, event_id: int, data: RegistrationIn) -> EventRegistration:
    """Register an organisation (the user's own; operators name one) for an event."""
    event = await get_event(event_id)
    if user is None:
        raise Unauthorized("请先登录后报名")
    org = await _organisation(user, data)
    require(user, "event.register", org)
    side = side_of(org)
    if side is None:
        raise Invalid({"organisation_id": "只有政府部门、企业、高校和科研院所可以报名"})
    if event.starts_at <= now():
        raise Conflict("活动已开始或已结束，报名已截止", code="registration_closed")
    problems = {}
    if (wish := await _wish_problems(event, side, data.wishes)) is not None:
        problems["wishes"] = wish
    if (hours := _hour_problems(event, data)) is not None:
        problems["available"] = hours
    if problems:
        raise Invalid(problems)
    available = [[s.from_.isoformat(), s.to.isoformat()] for s in data.available]
    try:
        async with in_transaction() as conn:
            locked = await Event.filter(id=event.id).select_for_update().using_db(conn).first()
            if await EventRegistration.exists(event_id=event.id, organisation_id=org.id, using_db=conn):
                raise Conflict(f"「{org.name}」已报名该活动", code="already_registered")
            if await EventRegistration.filter(event_id=event.id).using_db(conn).count() >= locked.capacity:
                raise Conflict(f"报名已满（{locked.capacity}个单位）", code="event_full")
            registration = await EventRegistration.create(
                event_id=event.id,
                organisation_id=org.id,
                side=side,
                available=available,
                wishes=list(data.wishes),
                note=data.note,
                registered_by_id=user.id,
                using_db=conn,
            )
            await audit.record(
                user,
                "event.register",
                "event",
                event.id,
                reason=data.note,
                after={
                    "organisation_id": org.id,
                    "side": side.value,
                    "available": available,
                    "wishes": list(data.wishes),
                },
                conn=conn,
            )
            await notify(
                await operator_users(conn),
                "event_registration",
                f"「{org.name}」报名了活动「{event.title}」",
                skip=user,
                conn=conn,
            )
    except IntegrityError:
        raise Conflict(f"「{org.name}」已报名该活动", code="already_registered") from None
    return registration


async def check_in(user: User | None, event_id: int, registration_id: int) -> EventRegistration:
    """The front desk marks an organisation arrived (once)."""
    event = await get_event(event_id)
    require(user, "event.check_in", event)
    registration = (
        await EventRegistration.get_or_none(id=registration_id, event_id=event.id)
        if valid_id(registration_id)
        else None
    )
    if registration is None:
        raise NotFound("找不到该报名")
    async with in_transaction() as conn:
        updated = (
            await EventRegistration.filter(id=registration.id, checked_in_at=None)
            .using_db(conn)
            .update(checked_in_at=now())
        )
        if not updated:
            raise Conflict("该单位已签到", code="already_checked_in")
        await audit.record(
            user,
            "event.check_in",
            "event",
            event.id,
            after={"organisation_id": registration.organisation_id},
            conn=conn,
        )
    return await EventRegistration.get(id=registration.id)
