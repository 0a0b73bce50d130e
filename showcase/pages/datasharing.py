"""Public-data pages: the public catalogue; in the workspace, the requests a user may see, the form
to ask for data (with the due date previewed through ``/api/working-days``), and the owners' answers."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from tortoise.expressions import Q

from lab.auth import current_user
from lab.errors import Conflict, Invalid, NotFound
from lab.models import Demand, Organisation, OrgKind, ProposalStatus
from lab.permissions import can
from lab.validation import parse
from pipeline.datasharing import catalogue, reports, requests
from pipeline.datasharing.schemas import (
    FREQUENCIES,
    AnswerIn,
    DataRequestIn,
    DataRequestQuery,
    DataResourceIn,
    DataResourceQuery,
    RefusalIn,
)
from pipeline.models import DataResource, Scenario
from showcase import charts, params
from showcase.responses import CSRF_MESSAGE, flash, read_form, redirect, render, require_csrf, require_page

PER_PAGE = 50
RESOURCE_LABELS = {
    "department_id": "提供部门",
    "name": "资源名称",
    "description": "说明",
    "fields": "数据项",
    "update_frequency": "更新频率",
    "sharing_class": "共享类型",
    "not_shared_reason": "不予共享理由",
}
REQUEST_LABELS = {
    "resource_id": "数据资源",
    "serves": "服务的需求或场景",
    "demand_id": "服务的需求或场景",
    "scenario_id": "服务的需求或场景",
    "purpose": "用途",
    "fields": "申请的数据项",
    "period": "数据期间",
    "period.from": "数据期间（起）",
    "period.to": "数据期间（止）",
}


def data_sharing_charts(rows: list[dict[str, Any]]) -> dict[str, Markup | list]:
    answered = [r for r in rows if r["answered"]]
    return {
        "data_on_time": charts.bar_chart(
            [(r["department"], round(r["on_time_share"] * 100, 1)) for r in answered],
            title="按期答复率（有条件共享申请）",
            unit="%",
        ),
        "data_answer_days": charts.bar_chart(
            [(r["department"], r["mean_working_days"]) for r in answered], title="平均答复时间", unit="个工作日"
        ),
        "data_table": rows,
    }


async def catalogue_page(request: Request):
    q = request.query_params
    sharing = params.choice(q, "sharing_class", catalogue.SHARING_LABELS)
    department = params.positive_int(q.get("department"))
    text = params.text(q)
    page = params.page_number(q)
    result = await catalogue.list_resources(
        DataResourceQuery(
            sharing_class=sharing,
            department_id=department,
            q=text or None,
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
        )
    )
    pager = params.Pager(page, PER_PAGE, result["total"])
    departments = (
        await Organisation.filter(kind=OrgKind.DEPARTMENT, data_resources__id__isnull=False)
        .distinct()
        .order_by("name")
        .values("id", "name")
    )
    return await render(
        request,
        "showcase/data_catalogue.html",
        {
            "items": result["items"],
            "total": result["total"],
            "pager": pager.links(q),
            "q": text,
            "sharing": sharing,
            "department": department,
            "departments": departments,
            "sharing_options": list(catalogue.SHARING_LABELS.items()),
            "may_register": can(await current_user(request), "workspace.data_catalogue"),
        },
    )


async def _served_options(user) -> list[tuple[str, str]]:
    org = user.organisation_id
    demands = (
        await Demand.filter(
            Q(organisation_id=org) | Q(proposals__organisation_id=org, proposals__status=ProposalStatus.ACCEPTED)
        )
        .distinct()
        .order_by("-id")
        .limit(100)
        .values("id", "title")
    )
    scenarios = (
        await Scenario.filter(Q(lead_department_id=org) | Q(partners__id=org))
        .distinct()
        .order_by("-id")
        .limit(100)
        .values("id", "title")
    )
    return [(f"scenario:{s['id']}", f"场景：{s['title']}") for s in scenarios] + [
        (f"demand:{d['id']}", f"需求：{d['title']}") for d in demands
    ]


async def _list_page(request: Request, user, *, errors: dict | None = None, message: str = "", status: int = 200):
    q = request.query_params
    side = params.choice(q, "side", ("mine", "incoming"))
    state = params.choice(q, "status", reports.STATUS_LABELS)
    page = params.page_number(q)
    result = await reports.request_list(
        user, DataRequestQuery(side=side, status=state, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    )
    context = {
        "items": result["items"],
        "total": result["total"],
        "side": side,
        "status": state,
        "pager": params.Pager(page, PER_PAGE, result["total"]).links(q),
        "errors": errors or {},
        "message": message,
        "may_ask": can(user, "workspace.data_ask"),
        "is_operator": can(user, "data_request.stats"),
        "status_options": list(reports.STATUS_LABELS.items()),
    }
    if can(user, "data_request.stats"):
        context.update(data_sharing_charts(await reports.answer_times()))
    return await render(request, "showcase/workspace/data_requests.html", context, status=status)


async def requests_page(request: Request):
    user = await require_page(request, "workspace.data_requests")
    return await _list_page(request, user)


async def _form(
    request: Request,
    user,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    message: str = "",
    status: int = 200,
):
    resources = await DataResource.all().prefetch_related("department").order_by("department_id", "id")
    return await render(
        request,
        "showcase/workspace/data_request_form.html",
        {
            "resources": [catalogue.present_resource(r) for r in resources],
            "served": await _served_options(user),
            "values": values or {},
            "errors": errors or {},
            "message": message,
            "labels": REQUEST_LABELS,
        },
        status=status,
    )


async def new_request(request: Request):
    user = await require_page(request, "workspace.data_ask")
    chosen = params.positive_int(request.query_params.get("resource"))
    return await _form(request, user, values={"resource_id": str(chosen or "")})


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[、,，;；\n]+", text) if part.strip()]


async def create_request(request: Request):
    user = await require_page(request, "workspace.data_ask")
    values, csrf_ok = await read_form(request)
    values.pop("__lists__", None)
    if not csrf_ok:
        return await _form(request, user, values=values, message=CSRF_MESSAGE, status=403)
    kind, _, ident = values.get("serves", "").partition(":")
    body: dict[str, Any] = {
        "resource_id": params.positive_int(values.get("resource_id")) or 0,
        "purpose": values.get("purpose", ""),
        "fields": _split(values.get("fields", "")),
        "period": {"from": values.get("period_from") or None, "to": values.get("period_to") or None},
    }
    if kind in ("demand", "scenario") and ident.isdigit():
        body[f"{kind}_id"] = int(ident)
    try:
        if "demand_id" not in body and "scenario_id" not in body:
            raise Invalid({"serves": "请选择该申请服务的需求或场景"})
        created = await requests.request_data(user, parse(DataRequestIn, body))
    except (Invalid, Conflict) as exc:
        errors = {
            (
                "serves"
                if k in ("demand_id", "scenario_id")
                else "period_from"
                if k == "period.from"
                else "period_to"
                if k in ("period.to", "period")
                else k
            ): v
            for k, v in exc.fields.items()
        }
        return await _form(request, user, values=values, errors=errors, message=exc.message, status=exc.status)
    if created.due_on is None:
        flash(request, f"「{created.resource.name}」为无条件共享数据，申请已通过，可直接从共享平台获取")
    else:
        flash(
            request,
            f"申请已提交，{created.resource.department.name} 应于 {created.due_on.isoformat()} 前答复"
            + ("（节假日安排尚未公布，日期按周一至周五推算）" if created.calendar_provisional else ""),
        )
    return redirect("/workspace/data-requests?side=mine")


async def answer(request: Request):
    user = await require_page(request, "workspace.data_answer")
    request_id = request.path_params["request_id"]
    action = request.path_params["action"]
    values = await require_csrf(request)
    version = params.positive_int(values.get("version"))
    try:
        if action == "approve":
            await requests.approve(user, request_id, parse(AnswerIn, {"version": version}))
            flash(request, f"已同意数据共享申请 #{request_id}")
        elif action == "refuse":
            await requests.refuse(
                user, request_id, parse(RefusalIn, {"version": version, "reason": values.get("reason", "")})
            )
            flash(request, f"已拒绝数据共享申请 #{request_id}，理由已告知申请方")
        else:
            raise NotFound("找不到该操作")
    except (Invalid, Conflict) as exc:
        errors = {f"reason_{request_id}": exc.fields.get("reason", exc.message)}
        return await _list_page(request, user, errors=errors, message=exc.message, status=exc.status)
    return redirect("/workspace/data-requests?side=incoming")


async def _resource_form(
    request: Request,
    user,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    message: str = "",
    status: int = 200,
):
    departments = []
    if can(user, "data_request.stats"):  # operators register for any department
        departments = [
            (d["id"], d["name"])
            for d in await Organisation.filter(kind=OrgKind.DEPARTMENT).order_by("name").values("id", "name")
        ]
    return await render(
        request,
        "showcase/workspace/data_resource_form.html",
        {
            "departments": departments,
            "frequencies": list(FREQUENCIES),
            "sharing_options": list(catalogue.SHARING_LABELS.items()),
            "values": values or {},
            "errors": errors or {},
            "message": message,
            "labels": RESOURCE_LABELS,
        },
        status=status,
    )


async def new_resource(request: Request):
    user = await require_page(request, "workspace.data_catalogue")
    return await _resource_form(request, user)


async def create_resource(request: Request):
    user = await require_page(request, "workspace.data_catalogue")
    values, csrf_ok = await read_form(request)
    values.pop("__lists__", None)
    if not csrf_ok:
        return await _resource_form(request, user, values=values, message=CSRF_MESSAGE, status=403)
    body: dict[str, Any] = {
        k: values.get(k, "") for k in ("name", "description", "update_frequency", "sharing_class", "not_shared_reason")
    }
    body["fields"] = _split(values.get("fields", ""))
    if values.get("department_id"):
        body["department_id"] = params.positive_int(values.get("department_id")) or 0
    try:
        resource = await catalogue.create_resource(user, parse(DataResourceIn, body))
    except (Invalid, Conflict) as exc:
        errors = {k.split(".")[0]: v for k, v in exc.fields.items()}
        return await _resource_form(request, user, values=values, errors=errors, message=exc.message, status=exc.status)
    flash(request, f"已登记数据资源「{resource.name}」（{catalogue.SHARING_LABELS[resource.sharing_class.value]}）")
    return redirect(f"/data-catalogue?department={resource.department_id}")
