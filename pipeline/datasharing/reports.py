"""Read models of data requests: the list a user may see, one request, and answer times and the
share answered on time by department."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import mean, median
from typing import Any

from lab.models import Organisation, User
from lab.permissions import can
from pipeline.datasharing.catalogue import SHARING_LABELS
from pipeline.datasharing.schemas import DataRequestQuery
from pipeline.models import DataRequest, DataRequestStatus, SharingClass
from pipeline.permissions import visible_data_requests
from pipeline.presenters import fetched
from pipeline.workdays import china_today, working_days_between, working_days_left

STATUS_LABELS = {"pending": "待答复", "granted": "已同意", "refused": "未同意"}


def present_request(r: DataRequest, today: date, user: User | None = None) -> dict[str, Any]:
    """The request as the API shows it; ``may_answer`` says whether ``user`` may answer it now."""
    resource = r.resource
    department = getattr(resource, "department", None)
    serves = None
    if r.demand_id is not None:
        demand = fetched(r, "demand")
        serves = {"kind": "demand", "id": r.demand_id, "title": demand.title if demand else None}
    elif r.scenario_id is not None:
        scenario = fetched(r, "scenario")
        serves = {"kind": "scenario", "id": r.scenario_id, "title": scenario.title if scenario else None}
    pending = r.status == DataRequestStatus.PENDING
    org = r.requester_org if isinstance(r.requester_org, Organisation) else None
    return {
        "id": r.id,
        "status": r.status.value,
        "status_label": STATUS_LABELS[r.status.value],
        "resource": {
            "id": r.resource_id,
            "name": resource.name,
            "sharing_class": resource.sharing_class.value,
            "sharing_label": SHARING_LABELS[resource.sharing_class.value],
            "department_id": resource.department_id,
            "department": department.name if isinstance(department, Organisation) else None,
        },
        "requester_org_id": r.requester_org_id,
        "requester_org": org.name if org else None,
        "serves": serves,
        "purpose": r.purpose,
        "fields": list(r.data_fields),
        "period": {"from": r.period_from.isoformat(), "to": r.period_to.isoformat()},
        "received_on": r.received_on.isoformat(),
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "calendar_provisional": r.calendar_provisional,
        "answered_on": r.answered_on.isoformat() if r.answered_on else None,
        "refusal_reason": r.refusal_reason or None,
        "working_days_left": working_days_left(today, r.due_on) if pending and r.due_on else None,
        "overdue": bool(pending and r.due_on and today > r.due_on),
        "answered_on_time": None if pending or r.due_on is None else r.answered_on <= r.due_on,
        "escalated": r.escalated_at is not None,
        "version": r.version,
        "may_answer": pending and user is not None and can(user, "data_request.approve", r),
    }


async def request_list(user: User, params: DataRequestQuery, today: date | None = None) -> dict[str, Any]:
    today = today or china_today()
    qs = DataRequest.filter(visible_data_requests(user))
    if params.status:
        qs = qs.filter(status=params.status)
    if params.side == "mine":
        qs = qs.filter(requester_org_id=user.organisation_id)
    elif params.side == "incoming":
        qs = qs.filter(resource__department_id=user.organisation_id)
    total = await qs.count()
    rows = (
        await qs.order_by("-id")
        .offset(params.offset)
        .limit(params.limit)
        .prefetch_related("resource", "resource__department", "requester_org", "demand", "scenario")
    )
    return {"items": [present_request(r, today, user) for r in rows], "total": total}


async def answer_times(today: date | None = None) -> list[dict[str, Any]]:
    """Per providing department, over conditional requests: how many were answered (and how many of
    them by ``due_on``), the mean and median working days to answer, the share answered by
    ``due_on``, and how many wait or are overdue."""
    today = today or china_today()
    rows = await DataRequest.filter(resource__sharing_class=SharingClass.CONDITIONAL).prefetch_related(
        "resource", "resource__department"
    )
    by_department: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"days": [], "on_time": 0, "pending": 0, "overdue": 0, "id": None}
    )
    for r in rows:
        entry = by_department[r.resource.department.name]
        entry["id"] = r.resource.department_id
        if r.status == DataRequestStatus.PENDING:
            entry["pending"] += 1
            entry["overdue"] += bool(r.due_on and today > r.due_on)
            continue
        entry["days"].append(working_days_between(r.received_on, r.answered_on))
        entry["on_time"] += r.answered_on <= r.due_on
    out = []
    for name, entry in by_department.items():
        days = entry["days"]
        out.append(
            {
                "department": name,
                "department_id": entry["id"],
                "answered": len(days),
                "on_time": entry["on_time"],
                "pending": entry["pending"],
                "overdue": entry["overdue"],
                "mean_working_days": round(mean(days), 1) if days else None,
                "median_working_days": median(days) if days else None,
                "on_time_share": round(entry["on_time"] / len(days), 3) if days else None,
            }
        )
    return sorted(out, key=lambda e: (-(e["answered"] + e["pending"]), e["department"]))
