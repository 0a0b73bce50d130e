"""Event pages: the public list (upcoming and past) and an event page where a signed-in participant
registers, sees, confirms or declines its meetings and records outcomes; the operator's pages to
create events, schedule the 1:1 meetings and check organisations in."""

from __future__ import annotations

from starlette.requests import Request

from lab.auth import current_user
from lab.errors import Conflict, Forbidden, Invalid, LabError, NotFound
from lab.validation import parse
from pipeline import event_queries, events, meetings
from pipeline.event_presenters import KIND_LABELS, OUTCOME_LABELS
from pipeline.event_schemas import (
    DeclineIn,
    EventIn,
    OutcomeIn,
    RegistrationIn,
    ScheduleIn,
)
from showcase.forms import DOMAIN_OPTIONS
from showcase.responses import (
    CSRF_MESSAGE,
    flash,
    form_list,
    read_form,
    redirect,
    render,
    require_csrf,
    require_page,
)

EVENT_FIELDS = (
    "title",
    "kind",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "slot_minutes",
    "tables",
    "capacity",
    "max_wishes",
)
EVENT_LABELS = {
    "title": "活动名称",
    "kind": "活动类型",
    "description": "活动介绍",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "place": "地点",
    "online_url": "线上链接",
    "domains": "关注领域",
    "slot_minutes": "每场洽谈（分钟）",
    "tables": "洽谈桌数",
    "capacity": "报名上限（单位）",
    "max_wishes": "每个单位可点名数",
}
REGISTRATION_LABELS = {"available": "可参会时段", "wishes": "希望会面的单位", "note": "备注", "organisation_id": "单位"}


async def events_page(request: Request):
    return await render(request, "showcase/events.html", await event_queries.public_lists())


async def _event_page(
    request: Request,
    event_id: int,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    message: str = "",
    status: int = 200,
):
    user = await current_user(request)
    if user is not None and getattr(user, "_organisation", None) is None:
        await user.fetch_related("organisation")
    view = await event_queries.participant_view(user, event_id)
    return await render(
        request,
        "showcase/event.html",
        {
            **view,
            "values": values or {},
            "errors": errors or {},
            "message": message,
            "labels": REGISTRATION_LABELS,
            "outcomes": list(OUTCOME_LABELS.items()),
            "signed_in": user is not None,
        },
        status=status,
    )


async def event_page(request: Request):
    return await _event_page(request, request.path_params["event_id"])


async def register(request: Request):
    user = await require_page(request, "workspace.scenarios")
    event_id = request.path_params["event_id"]
    values, csrf_ok = await read_form(request)
    wishes = form_list(values, "wishes")
    typed = {
        "from": values.get("from", ""),
        "to": values.get("to", ""),
        "note": values.get("note", ""),
        "wishes": wishes,
    }
    if not csrf_ok:
        return await _event_page(request, event_id, values=typed, message=CSRF_MESSAGE, status=403)
    body: dict = {"note": typed["note"], "wishes": [int(w) if w.isdigit() else w for w in wishes]}
    if typed["from"] or typed["to"]:
        body["available"] = [{"from": typed["from"], "to": typed["to"]}]
    try:
        await events.register(user, event_id, parse(RegistrationIn, body))
    except (Invalid, Conflict, Forbidden) as exc:
        errors = {k.split(".")[0]: v for k, v in exc.fields.items()}
        return await _event_page(request, event_id, values=typed, errors=errors, message=exc.message, status=exc.status)
    flash(request, "报名成功，排程后会通知您洽谈安排")
    return redirect(f"/events/{event_id}")


async def meeting_action(request: Request):
    user = await require_page(request)
    event_id, meeting_id = request.path_params["event_id"], request.path_params["meeting_id"]
    action = request.path_params["action"]
    if action not in ("confirm", "decline", "outcome"):
        raise NotFound("没有这个操作")
    values = await require_csrf(request)
    try:
        if action == "confirm":
            await meetings.answer(user, event_id, meeting_id, confirm=True)
            flash(request, "已确认洽谈")
        elif action == "decline":
            data = parse(DeclineIn, {"reason": values.get("reason", "")})
            await meetings.answer(user, event_id, meeting_id, confirm=False, reason=data.reason)
            flash(request, "已谢绝洽谈，对方会收到通知")
        else:
            proposal = values.get("proposal_id", "").strip()
            data = parse(
                OutcomeIn,
                {
                    "outcome": values.get("outcome", ""),
                    "note": values.get("note", ""),
                    "proposal_id": int(proposal) if proposal.isdigit() else (proposal or None),
                },
            )
            await meetings.record_outcome(user, event_id, meeting_id, data)
            flash(request, "已记录洽谈成果")
    except (Invalid, Conflict, Forbidden) as exc:
        detail = "；".join(exc.fields.values()) if exc.fields else ""
        flash(request, f"{exc.message}{'：' + detail if detail else ''}", "error")
    return redirect(f"/events/{event_id}#meetings")


# the operator's pages


async def _manage_page(
    request: Request,
    *,
    values: dict | None = None,
    chosen: list[str] | None = None,
    errors: dict | None = None,
    message: str = "",
    status: int = 200,
):
    lists = await event_queries.public_lists()
    return await render(
        request,
        "showcase/workspace/events.html",
        {
            **lists,
            "values": values
            or {"kind": "matchmaking", "slot_minutes": "20", "tables": "10", "capacity": "100", "max_wishes": "5"},
            "chosen": chosen or [],
            "errors": errors or {},
            "message": message,
            "labels": EVENT_LABELS,
            "kinds": list(KIND_LABELS.items()),
            "domains": DOMAIN_OPTIONS,
        },
        status=status,
    )


async def manage_events(request: Request):
    await require_page(request, "workspace.operator")
    return await _manage_page(request)


async def create_event(request: Request):
    user = await require_page(request, "workspace.operator")
    values, csrf_ok = await read_form(request)
    typed = {k: values.get(k, "") for k in EVENT_FIELDS}
    chosen = form_list(values, "domains")
    if not csrf_ok:
        return await _manage_page(request, values=typed, chosen=chosen, message=CSRF_MESSAGE, status=403)
    body = {k: v for k, v in typed.items() if str(v).strip() or k in ("title", "kind", "starts_at", "ends_at")}
    body["domains"] = chosen
    try:
        event = await events.create_event(user, parse(EventIn, body))
    except (Invalid, Conflict) as exc:
        return await _manage_page(
            request, values=typed, chosen=chosen, errors=dict(exc.fields), message=exc.message, status=exc.status
        )
    flash(request, f"已创建活动「{event.title}」")
    return redirect(f"/workspace/events/{event.id}")


async def event_desk(request: Request):
    await require_page(request, "workspace.operator")
    desk = await event_queries.operator_desk(request.path_params["event_id"])
    return await render(request, "showcase/workspace/event_desk.html", desk)


async def schedule(request: Request):
    user = await require_page(request, "workspace.operator")
    event_id = request.path_params["event_id"]
    await require_csrf(request)
    search = getattr(request.app.state, "search", None)
    try:
        plan = await meetings.schedule_event(
            user, event_id, ScheduleIn(), search.embedder.model_id if search is not None else None
        )
    except LabError as exc:
        if isinstance(exc, NotFound):
            raise
        flash(request, exc.message, "error")
    else:
        left = len(plan.without_meeting)
        flash(
            request,
            f"已排定 {plan.meetings} 场洽谈（总分 {plan.total_score:.2f}，上界 {plan.upper_bound:.2f}）"
            + (f"；{left} 个单位因时段冲突未能安排" if left else "；每个单位至少一场"),
        )
    return redirect(f"/workspace/events/{event_id}")


async def check_in(request: Request):
    user = await require_page(request, "workspace.operator")
    event_id = request.path_params["event_id"]
    await require_csrf(request)
    try:
        await events.check_in(user, event_id, request.path_params["registration_id"])
    except Conflict as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, "已签到")
    return redirect(f"/workspace/events/{event_id}#registrations")
