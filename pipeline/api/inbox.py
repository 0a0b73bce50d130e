"""Notifications (every signed-in user); the audit trail is the core's (``lab.api.audit``)."""

from __future__ import annotations

from starlette.requests import Request

from lab.auth import require_user
from lab.http import ok
from lab.notifications import kinds_of
from lab.openapi import Doc, api_route
from lab.presenters import page
from lab.validation import query
from pipeline import notifications
from pipeline.models import Notification
from pipeline.schemas import NotificationQuery


async def list_notifications(request: Request):
    user = await require_user(request)
    params = query(request, NotificationQuery)
    qs = Notification.filter(user_id=user.id)
    if params.unread is not None:
        qs = qs.filter(read_at__isnull=params.unread)
    if params.kind is not None:
        qs = qs.filter(kind__in=list(kinds_of(params.kind)))
    result = await page(qs, params.limit, params.offset, notifications.present, "-created_at")
    result["unread"] = await Notification.filter(user_id=user.id, read_at=None).count()
    return ok(result)


async def read_one(request: Request):
    user = await require_user(request)
    return ok({"marked": await notifications.mark_read(user, request.path_params["notification_id"])})


async def read_all(request: Request):
    user = await require_user(request)
    return ok({"marked": await notifications.mark_read(user)})


routes = [
    api_route(
        "/notifications",
        list_notifications,
        ["GET"],
        Doc("我的通知（最新在前；unread=true 仅未读）", "通知", query=NotificationQuery, errors=(401, 422)),
    ),
    api_route(
        "/notifications/{notification_id:int}/read",
        read_one,
        ["POST"],
        Doc("标记一条通知为已读", "通知", errors=(401, 404)),
    ),
    api_route("/notifications/read-all", read_all, ["POST"], Doc("全部标记为已读", "通知", errors=(401,))),
]
