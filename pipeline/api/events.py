"""Events (供需对接会, 培训, 参观接待), registrations, 1:1 meetings, calendar and check-in sheet."""

from __future__ import annotations

from urllib.parse import quote

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from tortoise.timezone import now

from lab.auth import current_user, require_user
from lab.errors import NotFound
from lab.http import ok
from lab.models import Organisation
from lab.openapi import Doc, api_route
from lab.permissions import is_operator, require
from lab.validation import json_body, parse, parse_json, query, read_body
from pipeline import event_exports, event_presenters, events, meetings
from pipeline.event_schemas import (
    CalendarQuery,
    DeclineIn,
    EventIn,
    EventQuery,
    OutcomeIn,
    RegistrationIn,
    ScheduleIn,
)
from pipeline.models import Event, EventRegistration

TAG = "活动与洽谈"
_WRITE = (400, 401, 403, 404, 409, 413, 422)


async def _optional_body(request: Request, model: type[BaseModel]):
    body = await read_body(request, request.app.state.settings.max_json_bytes)
    return model() if not body.strip() else parse(model, parse_json(body))


async def _counts(ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for event_id in await EventRegistration.filter(event_id__in=ids).values_list("event_id", flat=True):
        counts[event_id] = counts.get(event_id, 0) + 1
    return counts


async def list_events(request: Request):
    params = query(request, EventQuery)
    qs = Event.all()
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.when == "upcoming":
        qs = qs.filter(ends_at__gt=now()).order_by("starts_at", "id")
    elif params.when == "past":
        qs = qs.filter(ends_at__lte=now()).order_by("-starts_at", "-id")
    else:
        qs = qs.order_by("-starts_at", "-id")
    total = await qs.count()
    rows = await qs.offset(params.offset).limit(params.limit)
    counts = await _counts([e.id for e in rows])
    return ok(
        {
            "items": [event_presenters.event(e, counts.get(e.id, 0)) for e in rows],
            "total": total,
            "limit": params.limit,
            "offset": params.offset,
        }
    )


async def create_event(request: Request):
    user = await require_user(request)
    event = await events.create_event(user, await json_body(request, EventIn))
    return ok(event_presenters.event(event, 0), status=201)


async def read_event(request: Request):
    user = await current_user(request)
    event = await events.get_event(request.path_params["event_id"])
    data = event_presenters.event(event, (await _counts([event.id])).get(event.id, 0))
    if user is not None:
        mine = await EventRegistration.get_or_none(event_id=event.id, organisation_id=user.organisation_id)
        data["my_registration"] = event_presenters.registration(mine) if mine else None
    return ok(data)


async def list_registrations(request: Request):
    user = await require_user(request)
    event = await events.get_event(request.path_params["event_id"])
    qs = EventRegistration.filter(event_id=event.id).order_by("id")
    if not is_operator(user):
        qs = qs.filter(organisation_id=user.organisation_id)
    rows = await qs
    names = await meetings.organisation_names(r.organisation_id for r in rows)
    return ok({"items": [event_presenters.registration(r, names.get(r.organisation_id)) for r in rows]})


async def register(request: Request):
    user = await require_user(request)
    data = await json_body(request, RegistrationIn)
    registration = await events.register(user, request.path_params["event_id"], data)
    org = await Organisation.get(id=registration.organisation_id)
    return ok(event_presenters.registration(registration, org.name), status=201)


async def check_in(request: Request):
    user = await require_user(request)
    registration = await events.check_in(user, request.path_params["event_id"], request.path_params["registration_id"])
    return ok(event_presenters.registration(registration))


async def schedule(request: Request):
    user = await require_user(request)
    data = await _optional_body(request, ScheduleIn)
    search = getattr(request.app.state, "search", None)
    model_id = search.embedder.model_id if search is not None else None
    plan = await meetings.schedule_event(user, request.path_params["event_id"], data, model_id)
    return ok(plan.as_dict())


async def list_meetings(request: Request):
    user = await require_user(request)
    event = await events.get_event(request.path_params["event_id"])
    found = await meetings.event_meetings(user, event)
    return ok({"items": [event_presenters.meeting(m) for m in found]})


async def confirm(request: Request):
    user = await require_user(request)
    await read_body(request, request.app.state.settings.max_json_bytes)
    meeting = await meetings.answer(
        user, request.path_params["event_id"], request.path_params["meeting_id"], confirm=True
    )
    return ok(event_presenters.meeting(meeting))


async def decline(request: Request):
    user = await require_user(request)
    data = await _optional_body(request, DeclineIn)
    meeting = await meetings.answer(
        user, request.path_params["event_id"], request.path_params["meeting_id"], confirm=False, reason=data.reason
    )
    return ok(event_presenters.meeting(meeting))


async def outcome(request: Request):
    user = await require_user(request)
    data = await json_body(request, OutcomeIn)
    meeting = await meetings.record_outcome(
        user, request.path_params["event_id"], request.path_params["meeting_id"], data
    )
    return ok(event_presenters.meeting(meeting))


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


async def calendar(request: Request):
    user = await require_user(request)
    params = query(request, CalendarQuery)
    event = await events.get_event(request.path_params["event_id"])
    org = await Organisation.get_or_none(id=params.organisation_id or user.organisation_id)
    if org is None:
        raise NotFound("找不到该单位")
    require(user, "event.calendar", org)
    found = await meetings.event_meetings(user, event, org.id)
    names = await meetings.organisation_names({m.department_id for m in found} | {m.supplier_id for m in found})
    return _download(
        event_exports.calendar(event, org.id, found, names),
        "text/calendar; charset=utf-8",
        f"{event.title}-{org.name}.ics",
    )


async def checkin_sheet(request: Request):
    user = await require_user(request)
    event = await events.get_event(request.path_params["event_id"])
    require(user, "event.check_in", event)
    return _download(
        await event_exports.checkin_xlsx(event),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{event.title}-签到表.xlsx",
    )


_EVENT = "/events/{event_id:int}"
_MEETING = _EVENT + "/meetings/{meeting_id:int}"
routes = [
    api_route(
        "/events",
        list_events,
        ["GET"],
        Doc(
            "活动列表（供需对接会、培训、参观接待；可按即将举行/已结束筛选）",
            TAG,
            query=EventQuery,
            auth=False,
            errors=(422,),
        ),
    ),
    api_route(
        "/events",
        create_event,
        ["POST"],
        Doc("创建活动（运营）", TAG, body=EventIn, errors=_WRITE, extra={"status": 201}),
    ),
    api_route(_EVENT, read_event, ["GET"], Doc("活动详情（登录后附本单位报名情况）", TAG, auth=False, errors=(404,))),
    api_route(
        _EVENT + "/registrations",
        list_registrations,
        ["GET"],
        Doc("报名列表（运营看全部，参会单位只看本单位）", TAG, errors=(401, 404)),
    ),
    api_route(
        _EVENT + "/registrations",
        register,
        ["POST"],
        Doc(
            "报名：本单位（运营可指定 organisation_id），附可参会时段与希望会面的单位",
            TAG,
            body=RegistrationIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        _EVENT + "/registrations/{registration_id:int}/checkin",
        check_in,
        ["POST"],
        Doc("前台签到（运营）", TAG, errors=(401, 403, 404, 409)),
    ),
    api_route(
        _EVENT + "/schedule",
        schedule,
        ["POST"],
        Doc("按匹配分与点名意愿排定1:1洽谈（运营；活动开始前可重排）", TAG, body=ScheduleIn, errors=_WRITE),
    ),
    api_route(
        _EVENT + "/meetings",
        list_meetings,
        ["GET"],
        Doc("洽谈安排（只含当前用户单位参与的洽谈；运营看全部）", TAG, errors=(401, 404)),
    ),
    api_route(
        _EVENT + "/meetings.ics",
        calendar,
        ["GET"],
        Doc(
            "某单位的洽谈日程（iCalendar）",
            TAG,
            query=CalendarQuery,
            errors=(401, 403, 404, 422),
            content_type="text/calendar",
        ),
    ),
    api_route(
        _EVENT + "/checkin.xlsx",
        checkin_sheet,
        ["GET"],
        Doc(
            "前台签到表（运营，Excel）",
            TAG,
            errors=(401, 403, 404),
            description="列：" + "、".join(event_exports.CHECKIN_COLUMNS),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ),
    api_route(_MEETING + "/confirm", confirm, ["POST"], Doc("确认洽谈（洽谈双方）", TAG, errors=_WRITE)),
    api_route(
        _MEETING + "/decline",
        decline,
        ["POST"],
        Doc("谢绝洽谈（洽谈双方，可附原因）", TAG, body=DeclineIn, errors=_WRITE),
    ),
    api_route(
        _MEETING + "/outcome",
        outcome,
        ["POST"],
        Doc("记录洽谈成果（合作意向，可关联揭榜方案；洽谈双方或运营，洽谈开始后）", TAG, body=OutcomeIn, errors=_WRITE),
    ),
]
