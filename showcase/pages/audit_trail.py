"""The audit trail for operators: every recorded decision in Chinese, filtered by object, actor,
action and date, each linking to its object."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, UTC

from starlette.requests import Request
from tortoise.expressions import Q

from lab.models import AuditRecord, User
from showcase import audit_labels, object_history, params
from showcase.responses import render, require_page

PER_PAGE = 50


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _object(text: str) -> tuple[str, int | None] | None:
    """``scenario:12`` or ``scenario`` (every object of a kind); None when malformed."""
    kind, _, ident = text.strip().partition(":")
    if kind not in audit_labels.KINDS:
        return None
    if not ident:
        return kind, None
    return (kind, int(ident)) if ident.isdigit() and int(ident) < 2**31 else None


async def audit_page(request: Request):
    await require_page(request, "audit.list")
    q = request.query_params
    qs = AuditRecord.all()
    problems = []
    obj = _object(q.get("object", "")) if q.get("object") else None
    if q.get("object") and obj is None:
        problems.append("对象格式应为“类型:编号”，如 scenario:12")
    if obj:
        qs = qs.filter(object_kind=obj[0]) if obj[1] is None else qs.filter(object_kind=obj[0], object_id=obj[1])
    actor = params.text(q, "actor")
    if actor == "系统":
        qs = qs.filter(actor_id=None)
    elif actor:
        ids = await User.filter(Q(display_name__icontains=actor) | Q(email__icontains=actor)).values_list(
            "id", flat=True
        )
        qs = qs.filter(actor_id__in=list(ids) or [-1])
    action = params.text(q, "action")
    if action:
        qs = qs.filter(action=action)
    since, until = _day(q.get("since")), _day(q.get("until"))
    for name, value in (("since", since), ("until", until)):
        if q.get(name) and value is None:
            problems.append("日期格式应为 YYYY-MM-DD")
    if since:
        qs = qs.filter(at__gte=datetime.combine(since, time.min, UTC))
    if until:
        qs = qs.filter(at__lt=datetime.combine(until + timedelta(days=1), time.min, UTC))
    pager = params.Pager(params.page_number(q), PER_PAGE, await qs.count())
    rows = await qs.select_related("actor").order_by("-at", "-id").offset(pager.offset).limit(PER_PAGE)
    known = set(await AuditRecord.all().distinct().order_by("action").values_list("action", flat=True))
    return await render(
        request,
        "showcase/workspace/audit.html",
        {
            "rows": [object_history.row(r) for r in rows],
            "pager": pager.links(q),
            "total": pager.total,
            "problems": list(dict.fromkeys(problems)),
            "values": {
                "object": q.get("object", "")[:60],
                "actor": actor,
                "action": action,
                "since": since.isoformat() if since else "",
                "until": until.isoformat() if until else "",
            },
            "actions": sorted(
                ((a, audit_labels.action_label(a)) for a in known | set(audit_labels.ACTIONS)), key=lambda kv: kv[0]
            ),
            "kinds": list(audit_labels.KINDS.items()),
        },
    )
