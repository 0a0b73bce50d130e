"""The notifications inbox of any signed-in user: newest first, unread marked, mark as read."""

from __future__ import annotations

from starlette.requests import Request

from pipeline.models import Notification
from pipeline.notifications import mark_read, present
from showcase import params
from showcase.responses import flash, redirect, render, require_csrf, require_page

PER_PAGE = 30


async def inbox(request: Request):
    user = await require_page(request)
    qs = Notification.filter(user_id=user.id)
    pager = params.Pager(params.page_number(request.query_params), PER_PAGE, await qs.count())
    rows = await qs.order_by("-id").offset(pager.offset).limit(PER_PAGE)
    items = [{**present(n), "when": n.created_at.strftime("%Y-%m-%d %H:%M"),
              "href": f"/workspace/scenarios/{n.scenario_id}" if n.scenario_id else None} for n in rows]
    unread = await Notification.filter(user_id=user.id, read_at=None).count()
    return await render(request, "showcase/workspace/inbox.html", {
        "items": items, "unread": unread, "pager": pager.links(request.query_params)})


async def read(request: Request):
    user = await require_page(request)
    values = await require_csrf(request)
    notification_id = params.positive_int(values.get("id"))
    count = await mark_read(user, notification_id)
    flash(request, f"已将 {count} 条消息标为已读")
    return redirect("/notifications")
