"""The notifications inbox of any signed-in user: newest first, unread marked, filtered by kind,
each linking to the object it is about; mark as read."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from lab.conversation_models import Notification
from lab.notifications import GROUP_LABELS, kinds_of, link_of, mark_read, present
from showcase import params
from showcase.responses import flash, redirect, render, require_csrf, require_page

PER_PAGE = 30


def _href(n: Notification) -> str | None:
    if n.object_kind in ("", "scenario") and n.scenario_id:
        return f"/workspace/scenarios/{n.scenario_id}"  # the party's desk, as before
    return link_of(n)


async def inbox(request: Request):
    user = await require_page(request)
    group = params.choice(request.query_params, "kind", GROUP_LABELS)
    qs = Notification.filter(user_id=user.id)
    if group:
        qs = qs.filter(kind__in=list(kinds_of(group)))
    pager = params.Pager(params.page_number(request.query_params), PER_PAGE, await qs.count())
    rows = await qs.order_by("-id").offset(pager.offset).limit(PER_PAGE)
    items = [{**present(n), "when": n.created_at.strftime("%Y-%m-%d %H:%M"), "href": _href(n)} for n in rows]
    unread = await Notification.filter(user_id=user.id, read_at=None).count()
    filters = [{"label": "全部", "href": "/notifications", "current": group is None}]
    filters += [
        {"label": label, "href": "/notifications?" + urlencode({"kind": key}), "current": group == key}
        for key, label in GROUP_LABELS.items()
    ]
    return await render(
        request,
        "showcase/workspace/inbox.html",
        {"items": items, "unread": unread, "pager": pager.links(request.query_params), "filters": filters},
    )


async def read(request: Request):
    user = await require_page(request)
    values = await require_csrf(request)
    notification_id = params.positive_int(values.get("id"))
    count = await mark_read(user, notification_id)
    flash(request, f"已将 {count} 条消息标为已读")
    return redirect("/notifications")
