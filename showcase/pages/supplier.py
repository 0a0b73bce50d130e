"""The supplier workspace: my capability profiles, my proposals, and proposing to a demand."""

from __future__ import annotations

from starlette.requests import Request

from lab import profiles
from lab.demands import get_demand
from lab.errors import Conflict, Invalid, NotFound
from lab.proposals import submit_proposal
from showcase import forms, matching, params, presenters, queries
from showcase.responses import CSRF_MESSAGE, flash, form_list, read_form, redirect, render, require_csrf, require_page

SUPPLIER = "workspace.supplier"
PROPOSAL_FIELDS = ("profile_id", "approach", "cost_wan", "duration_weeks")


async def my_profiles(request: Request):
    user = await require_page(request, SUPPLIER)
    rows = [presenters.profile_row(p) for p in await queries.my_profiles(user)]
    return await render(request, "showcase/workspace/profiles.html", {"profiles": rows})


async def profile_action(request: Request):
    user = await require_page(request, SUPPLIER)
    action = request.path_params["action"]
    if action not in ("publish", "archive"):
        raise NotFound("没有这个操作")
    values = await require_csrf(request)
    version = params.positive_int(values.get("version"))
    try:
        await profiles.change_profile_status(user, request.path_params["profile_id"], action, version)
    except (Invalid, Conflict) as exc:
        detail = "；".join(exc.fields.values()) if isinstance(exc, Invalid) else ""
        flash(request, f"{exc.message}{'：' + detail if detail else ''}", "error")
    else:
        flash(request, "能力档案已发布" if action == "publish" else "能力档案已归档")
    return redirect("/workspace/profiles")


async def _profile_form(
    request: Request, *, values: dict, chosen: list[str], errors: dict, message: str = "", status: int = 200
):
    return await render(
        request,
        "showcase/workspace/profile_form.html",
        {
            "values": values,
            "chosen": chosen,
            "errors": errors,
            "message": message,
            "labels": forms.PROFILE_LABELS,
            "domains": forms.DOMAIN_OPTIONS,
        },
        status=status,
    )


async def new_profile(request: Request):
    await require_page(request, SUPPLIER)
    return await _profile_form(request, values={}, chosen=[], errors={})


async def create_profile(request: Request):
    user = await require_page(request, SUPPLIER)
    values, csrf_ok = await read_form(request)
    typed = forms.kept(values, forms.PROFILE_FIELDS)
    chosen = form_list(values, "domains")
    if not csrf_ok:
        return await _profile_form(request, values=typed, chosen=chosen, errors={}, message=CSRF_MESSAGE, status=403)
    try:
        profile = await profiles.create_profile(user, forms.profile_in(values, chosen))
    except Invalid as exc:
        errors = {k.split(".")[0]: v for k, v in exc.fields.items()}
        return await _profile_form(request, values=typed, chosen=chosen, errors=errors, message=exc.message, status=422)
    if values.get("intent") != "publish":
        flash(request, "能力档案草稿已保存")
        return redirect("/workspace/profiles")
    try:
        await profiles.change_profile_status(user, profile.id, "publish", profile.version)
    except Invalid as exc:  # the draft keeps everything typed; say what publishing still needs
        flash(request, "草稿已保存，但还不能发布：" + "；".join(exc.fields.values()), "warn")
    else:
        flash(request, "能力档案已发布")
    return redirect("/workspace/profiles")


async def my_proposals(request: Request):
    user = await require_page(request, SUPPLIER)
    rows = [presenters.proposal_row(p) for p in await queries.my_proposals(user)]
    return await render(request, "showcase/workspace/proposals.html", {"proposals": rows})


async def propose(request: Request):
    """Submit a proposal from the demand page; a refusal re-renders that page with the form filled."""
    user = await require_page(request, SUPPLIER)
    demand = await get_demand(user, request.path_params["demand_id"])
    values, csrf_ok = await read_form(request)
    typed = forms.kept(values, PROPOSAL_FIELDS)
    errors: dict[str, str] = {}
    message = CSRF_MESSAGE if not csrf_ok else ""
    status = 403
    if csrf_ok:
        try:
            await submit_proposal(user, forms.proposal_in(demand.id, values))
        except Invalid as exc:
            errors, status = exc.fields, 422
        except Conflict as exc:
            message, status = exc.message, 409
        else:
            flash(request, "方案已提交，需求部门会在工作台看到它")
            return redirect("/workspace/proposals")
    options = [(p.id, p.title) for p in await queries.my_profiles(user)]
    return await render(
        request,
        "showcase/demand.html",
        {
            "demand": presenters.demand_row(demand),
            "description": demand.description,
            "data_conditions": demand.data_conditions,
            "mine": False,
            "may_propose": True,
            "proposal": None,
            "profile_options": options,
            "values": typed,
            "errors": errors,
            "message": message,
            "signed_in": True,
        },
        status=status,
    )


async def recommended(request: Request):
    """Published demands recommended for one of my published profiles, with the reasons."""
    user = await require_page(request, SUPPLIER)
    mine = [p for p in await queries.my_profiles(user) if p.status.value == "published"]
    wanted = params.positive_int(request.query_params.get("profile"))
    chosen = next((p for p in mine if p.id == wanted), mine[0] if mine else None)
    found = await matching.for_profile(request, chosen) if chosen else matching.Matches()
    return await render(
        request,
        "showcase/workspace/recommended.html",
        {
            "profiles": [
                {"id": p.id, "title": p.title, "current": chosen is not None and p.id == chosen.id} for p in mine
            ],
            "chosen": presenters.profile_row(chosen) if chosen else None,
            "matches": found,
            "search_degraded": found.degraded,
        },
    )
