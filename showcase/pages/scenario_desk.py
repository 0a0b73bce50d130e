"""The scenario desk in the workspace: my scenarios, one scenario's moves (with the guard's
reasons), attachments and reviewer assignment; creating a scenario from an accepted proposal."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request

from lab.auth import check_csrf
from lab.errors import Conflict, Forbidden, Invalid, LabError
from lab.permissions import can
from lab.validation import parse
from pipeline import attachments, lifecycle, reviews
from pipeline import queries as pipeline_queries
from pipeline.permissions import load_access
from pipeline.schemas import ScenarioIn, TransitionIn
from pipeline.stages import LABELS
from showcase import cards, desk, params
from showcase.responses import CSRF_MESSAGE, flash, read_form, redirect, render, require_csrf, require_page


async def my_scenarios(request: Request):
    user = await require_page(request, "workspace.scenarios")
    return await render(
        request,
        "showcase/workspace/scenarios.html",
        {"scenarios": [cards.scenario_card(s) for s in await pipeline_queries.my_scenarios(user)]},
    )


async def _desk(
    request: Request,
    user,
    scenario_id: int,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    message: str = "",
    status: int = 200,
):
    access = await load_access(user, scenario_id)  # loaded and checked once for the whole page
    if not can(user, "scenario.manage", access):
        raise Forbidden("您不是该场景的相关方")
    scenario, relations = access.scenario, set(access.relations)
    detail = await pipeline_queries.scenario_detail(user, scenario_id, access=access)
    history = await pipeline_queries.history(user, scenario_id, access=access)
    return await render(
        request,
        "showcase/workspace/desk.html",
        {
            "s": cards.scenario_card(detail),
            "detail": detail,
            "relations": relations,
            "timeline": cards.timeline(detail["stage"], history),
            "history": cards.history_rows(history),
            "moves": await desk.move_buttons(scenario, detail["moves"]),
            "attachments": await desk.attachment_rows(scenario.id),
            "upload_kinds": desk.upload_kinds(user, access),
            "reviewers": await desk.reviewer_options(scenario) if can(user, "review.assign", access) else [],
            "reviews": await desk.review_panel(user, access),
            "is_reviewer": can(user, "review.write", access),
            "errors": errors or {},
            "values": values or {},
            "message": message,
        },
        status=status,
    )


async def scenario_desk(request: Request):
    user = await require_page(request)
    return await _desk(request, user, request.path_params["scenario_id"])


async def transition(request: Request):
    user = await require_page(request)
    scenario_id = request.path_params["scenario_id"]
    values, csrf_ok = await read_form(request)
    typed = {"reason": values.get("reason", ""), "to": values.get("to", "")}
    if not csrf_ok:
        return await _desk(request, user, scenario_id, values=typed, message=CSRF_MESSAGE, status=403)
    try:
        data = parse(
            TransitionIn,
            {
                "to": values.get("to", ""),
                "reason": values.get("reason", ""),
                "version": params.positive_int(values.get("version")) or 0,
            },
        )
        scenario = await lifecycle.transition(user, scenario_id, data)
    except (Invalid, Conflict) as exc:
        detail = "；".join(v for k, v in exc.fields.items() if k != "reason") if isinstance(exc, Invalid) else ""
        message = exc.message if not detail or detail in exc.message else f"{exc.message}：{detail}"
        errors = {"reason": exc.fields["reason"]} if "reason" in exc.fields else {}
        return await _desk(request, user, scenario_id, values=typed, errors=errors, message=message, status=exc.status)
    flash(request, f"场景已转入「{LABELS[scenario.stage]}」")
    return redirect(f"/workspace/scenarios/{scenario_id}")


async def upload(request: Request):
    user = await require_page(request)
    scenario_id = request.path_params["scenario_id"]
    settings = request.app.state.settings
    async with request.form(max_files=1, max_fields=10) as form:
        token = form.get("csrf")
        check_csrf(request, token if isinstance(token, str) else None)
        upload_file = form.get("file")
        kind, verdict = form.get("kind"), form.get("verdict") or None
        try:
            if not isinstance(upload_file, UploadFile) or not upload_file.filename:
                raise Invalid({"file": "请选择要上传的文件"})
            content = await upload_file.read(settings.max_upload_bytes + 1)
            await attachments.add_attachment(
                user,
                scenario_id,
                settings,
                kind=kind if isinstance(kind, str) else None,
                verdict=verdict if isinstance(verdict, str) else None,
                filename=upload_file.filename,
                content=content,
            )
        except (Invalid, Conflict) as exc:
            return await _desk(
                request,
                user,
                scenario_id,
                errors={f"upload_{k}": v for k, v in exc.fields.items()},
                values={"kind": kind if isinstance(kind, str) else ""},
                message=exc.message,
                status=exc.status,
            )
    flash(request, "附件已上传")
    return redirect(f"/workspace/scenarios/{scenario_id}")


async def assign(request: Request):
    user = await require_page(request, "workspace.operator")
    scenario_id = request.path_params["scenario_id"]
    values = await require_csrf(request)
    reviewer_id = params.positive_int(values.get("reviewer_id"))
    try:
        if reviewer_id is None:
            raise Invalid({"reviewer_id": "请选择评审专家"})
        await reviews.assign_reviewer(user, scenario_id, reviewer_id)
    except (Invalid, Conflict) as exc:
        return await _desk(
            request,
            user,
            scenario_id,
            errors={"reviewer_id": exc.fields.get("reviewer_id", exc.message)},
            values={"reviewer_id": str(reviewer_id or "")},
            message=exc.message,
            status=exc.status,
        )
    flash(request, "已指派评审专家，并通知了本人")
    return redirect(f"/workspace/scenarios/{scenario_id}")


async def create_from_demand(request: Request):
    user = await require_page(request, "workspace.department")
    demand_id = request.path_params["demand_id"]
    await require_csrf(request)
    try:
        scenario = await lifecycle.create_scenario(user, ScenarioIn(demand_id=demand_id))
    except LabError as exc:
        if not isinstance(exc, (Invalid, Conflict)):
            raise
        flash(request, f"{exc.message}：{'；'.join(exc.fields.values())}" if exc.fields else exc.message, "error")
        return redirect(f"/workspace/demands/{demand_id}")
    flash(request, "场景已创建，进入「需求梳理」阶段")
    return redirect(f"/workspace/scenarios/{scenario.id}")
