"""The department workspace: my demands, drafting and publishing, proposals received."""

from __future__ import annotations

from starlette.requests import Request

from lab import demands, proposals
from lab.errors import Conflict, Invalid, NotFound
from lab.permissions import can
from pipeline.models import Scenario
from showcase import forms, matching, params, presenters, queries
from showcase.responses import CSRF_MESSAGE, flash, read_form, redirect, render, require_csrf, require_page

DEPARTMENT = "workspace.department"
ACTION_DONE = {"publish": "需求已发布，供给方现在可以看到并揭榜", "close": "需求已关闭", "withdraw": "需求已撤回"}
PROPOSAL_DONE = {"shortlist": "方案已入围", "accept": "方案已采纳", "decline": "已婉拒该方案"}


async def my_demands(request: Request):
    user = await require_page(request, DEPARTMENT)
    rows = [presenters.demand_row(d, n) for d, n in await queries.my_demands(user)]
    return await render(request, "showcase/workspace/demands.html", {"demands": rows})


async def _form_page(
    request: Request,
    *,
    values: dict,
    errors: dict,
    message: str = "",
    status: int = 200,
    demand=None,
    extra: dict | None = None,
):
    context = {
        "values": values,
        "errors": errors,
        "message": message,
        "labels": forms.DEMAND_LABELS,
        "domains": forms.DOMAIN_OPTIONS,
        "districts": forms.DISTRICT_OPTIONS,
        "demand": presenters.demand_row(demand) if demand else None,
    }
    context.update(extra or {})
    return await render(request, "showcase/workspace/demand_form.html", context, status=status)


async def new_demand(request: Request):
    await require_page(request, DEPARTMENT)
    return await _form_page(request, values={}, errors={})


async def create_demand(request: Request):
    user = await require_page(request, DEPARTMENT)
    values, csrf_ok = await read_form(request)
    typed = forms.kept(values, forms.DEMAND_FIELDS)
    if not csrf_ok:
        return await _form_page(request, values=typed, errors={}, message=CSRF_MESSAGE, status=403)
    try:
        demand = await demands.create_demand(user, forms.demand_in(values))
    except Invalid as exc:
        return await _form_page(request, values=typed, errors=exc.fields, status=422)
    if values.get("intent") == "publish":
        try:
            await demands.change_demand_status(user, demand.id, "publish", demand.version)
        except Invalid as exc:
            flash(request, "草稿已保存，但还不能发布：请按提示补充后再发布", "warn")
            return await _form_page(
                request,
                values=typed | {"version": str(demand.version)},
                errors=exc.fields,
                status=422,
                demand=demand,
                extra=await _detail(request, demand),
            )
        flash(request, ACTION_DONE["publish"])
    else:
        flash(request, "草稿已保存")
    return redirect(f"/workspace/demands/{demand.id}")


async def _detail(request: Request, demand) -> dict:
    rows = [presenters.proposal_row(p) for p in await queries.proposals_for_demand(demand.id)]
    found = await matching.for_demand(request, demand) if demand.status.value != "withdrawn" else matching.Matches()
    dupes = (
        await matching.look_alikes(request, demand.title, demand.description, demand.domain, exclude_id=demand.id)
        if demand.status.value == "draft"
        else matching.Matches()
    )
    scenarios = await Scenario.filter(demand_id=demand.id).order_by("id").values("id", "title")
    return {
        "proposals": rows,
        "status": demand.status.value,
        "scenarios": scenarios,
        "matches": found,
        "dupes": dupes.items,
        "close_reason": proposals.DEFAULT_CLOSE_REASON,
        "can_create_scenario": not scenarios and any(p["accepted"] for p in rows),
    }


async def demand_detail(request: Request):
    user = await require_page(request, DEPARTMENT)
    demand = await demands.get_demand(user, request.path_params["demand_id"])
    if not can(user, "demand.update", demand):
        return redirect(f"/demands/{demand.id}")
    return await _form_page(
        request,
        values=presenters.demand_form_values(demand),
        errors={},
        demand=demand,
        extra=await _detail(request, demand),
    )


async def update_demand(request: Request):
    user = await require_page(request, DEPARTMENT)
    demand = await demands.get_demand(user, request.path_params["demand_id"])
    values, csrf_ok = await read_form(request)
    typed = forms.kept(values, (*forms.DEMAND_FIELDS, "version"))
    if not csrf_ok:
        return await _form_page(
            request,
            values=typed,
            errors={},
            message=CSRF_MESSAGE,
            status=403,
            demand=demand,
            extra=await _detail(request, demand),
        )
    try:
        demand = await demands.update_demand(user, demand.id, forms.demand_update(values))
    except (Invalid, Conflict) as exc:
        message = exc.message if isinstance(exc, Conflict) else ""
        return await _form_page(
            request,
            values=typed,
            errors=exc.fields if isinstance(exc, Invalid) else {},
            message=message,
            status=exc.status,
            demand=demand,
            extra=await _detail(request, demand),
        )
    flash(request, "修改已保存")
    return redirect(f"/workspace/demands/{demand.id}")


async def demand_action(request: Request):
    user = await require_page(request, DEPARTMENT)
    action = request.path_params["action"]
    if action not in ACTION_DONE:
        raise NotFound("没有这个操作")
    values = await require_csrf(request)
    demand_id = request.path_params["demand_id"]
    try:
        version = params.positive_int(values.get("version"))
        await demands.change_demand_status(user, demand_id, action, version)
    except (Invalid, Conflict) as exc:
        detail = "；".join(exc.fields.values()) if isinstance(exc, Invalid) else ""
        flash(request, f"{exc.message}{'：' + detail if detail else ''}", "error")
    else:
        flash(request, ACTION_DONE[action])
    return redirect(f"/workspace/demands/{demand_id}")


async def proposal_action(request: Request):
    user = await require_page(request, DEPARTMENT)
    action = request.path_params["action"]
    if action not in PROPOSAL_DONE:
        raise NotFound("没有这个操作")
    values = await require_csrf(request)
    proposal = await proposals.get_proposal(user, request.path_params["proposal_id"])
    try:
        version = params.positive_int(values.get("version"))
        await proposals.change_proposal_status(
            user, proposal.id, action, version, reason=values.get("reason", "")[:2000]
        )
    except (Invalid, Conflict) as exc:
        detail = "；".join(exc.fields.values()) if isinstance(exc, Invalid) else ""
        flash(request, f"{exc.message}{'：' + detail if detail else ''}", "error")
    else:
        flash(request, PROPOSAL_DONE[action])
    return redirect(f"/workspace/demands/{proposal.demand_id}")


async def duplicates(request: Request):
    """The look-alike warning while drafting (an HTML fragment for static/draft.js)."""
    await require_page(request, DEPARTMENT)
    values = await require_csrf(request)
    found = await matching.look_alikes(
        request, values.get("title", "")[:200], values.get("description", "")[:2000], values.get("domain", "")[:20]
    )
    return await render(request, "showcase/workspace/_dupes.html", {"dupes": found.items})
