"""Notifications (every signed-in user) and the audit trail (operators)."""

from __future__ import annotations

from starlette.requests import Request

from lab.auth import require_user
from lab.errors import Invalid
from lab.http import ok
from lab.openapi import Doc, api_route
from lab.permissions import can
from lab.presenters import page
from lab.validation import query
from pipeline import audit, notifications
from pipeline.permissions import refuse
from pipeline.models import AuditRecord, Notification
from pipeline.schemas import AuditQuery, NotificationQuery


async def list_notifications(request: Request):
    user = await require_user(request)
    params = query(request, NotificationQuery)
    qs = Notification.filter(user_id=user.id)
    if params.unread is not None:
        qs = qs.filter(read_at__isnull=params.unread)
    result = await page(qs, params.limit, params.offset, notifications.present, "-created_at")
    result["unread"] = await Notification.filter(user_id=user.id, read_at=None).count()
    return ok(result)


async def read_one(request: Request):
    user = await require_user(request)
    return ok({"marked": await notifications.mark_read(user, request.path_params["notification_id"])})


async def read_all(request: Request):
    user = await require_user(request)
    return ok({"marked": await notifications.mark_read(user)})


async def list_audit(request: Request):
    user = await require_user(request)
    if not can(user, "audit.list"):
        refuse(user, "只有实验室运营人员可以查看审计记录")
    params = query(request, AuditQuery)
    qs = AuditRecord.all().select_related("actor")
    if params.object:
        parsed = audit.parse_object(params.object)
        if parsed is None:
            raise Invalid({"object": "格式应为 scenario:<id> 或 edition:<id>"})
        qs = qs.filter(object_kind=parsed[0], object_id=parsed[1])
    if params.action:
        qs = qs.filter(action=params.action)
    return ok(await page(qs, params.limit, params.offset, audit.present, "-at"))


routes = [
    api_route("/notifications", list_notifications, ["GET"], Doc(
        "我的通知（最新在前；unread=true 仅未读）", "通知", query=NotificationQuery, errors=(401, 422))),
    api_route("/notifications/{notification_id:int}/read", read_one, ["POST"], Doc(
        "标记一条通知为已读", "通知", errors=(401, 404))),
    api_route("/notifications/read-all", read_all, ["POST"], Doc("全部标记为已读", "通知", errors=(401,))),
    api_route("/audit", list_audit, ["GET"], Doc(
        "审计记录（仅运营；object=scenario:12）", "审计", query=AuditQuery, errors=(401, 403, 422))),
]
