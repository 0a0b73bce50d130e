"""Progress pages in the workspace: a scenario party reports a period's progress; operators import
an xlsx of updates and see the row errors when any row is wrong."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from tortoise.timezone import now

from lab.auth import check_csrf
from lab.errors import Conflict, Forbidden, Invalid
from lab.validation import parse
from pipeline import progress as pipeline_progress
from pipeline import progress_import
from lab.permissions import can
from pipeline.permissions import load_access
from showcase import progress_view
from showcase.responses import (
    CSRF_MESSAGE,
    flash,
    read_form,
    redirect,
    render,
    require_page,
)

INDICATOR_ROWS = 5
LABELS = {"period": "期间", "milestone": "里程碑", "note": "说明", "indicators": "指标", "attachment_url": "附件链接"}


async def _page(
    request: Request,
    user,
    scenario_id: int,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    message: str = "",
    status: int = 200,
):
    access = await load_access(user, scenario_id)  # loaded and checked once
    scenario = access.scenario
    if not can(user, "scenario.party", access):
        raise Forbidden("您不是该场景的相关方")
    items = await pipeline_progress.updates(scenario.id)
    return await render(
        request,
        "showcase/workspace/progress.html",
        {
            "scenario": scenario,
            "listed": pipeline_progress.is_listed(scenario),
            "may_report": can(user, "progress.create", access),
            "progress": progress_view.progress_panel(items, scenario.entered_stage_at),
            "values": values or {},
            "errors": errors or {},
            "message": message,
            "labels": LABELS,
            "rows": range(INDICATOR_ROWS),
        },
        status=status,
    )


async def progress_page(request: Request):
    user = await require_page(request, "workspace.progress")
    return await _page(request, user, request.path_params["scenario_id"])


def _indicators(values: dict) -> tuple[dict, dict]:
    indicators, errors = {}, {}
    for i in range(INDICATOR_ROWS):
        name = values.get(f"ind_name_{i}", "").strip()
        raw, unit = values.get(f"ind_value_{i}", "").strip(), values.get(f"ind_unit_{i}", "").strip()
        if not name:
            if raw or unit:
                errors[f"ind_name_{i}"] = "请填写指标名称"
            continue
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            errors[f"ind_value_{i}"] = f"指标「{name}」的数值须为数字"
            continue
        if name in indicators:
            errors[f"ind_name_{i}"] = f"指标「{name}」重复"
        indicators[name] = {"value": value, "unit": unit}
    return indicators, errors


async def report(request: Request):
    user = await require_page(request, "workspace.progress")
    scenario_id = request.path_params["scenario_id"]
    values, csrf_ok = await read_form(request)
    values.pop("__lists__", None)
    if not csrf_ok:
        return await _page(request, user, scenario_id, values=values, message=CSRF_MESSAGE, status=403)
    indicators, errors = _indicators(values)
    body = {
        "period": values.get("period", "").strip(),
        "milestone": values.get("milestone", ""),
        "indicators": indicators,
        "note": values.get("note", ""),
    }
    name, url = values.get("attachment_name", "").strip(), values.get("attachment_url", "").strip()
    if name or url:
        body["attachments"] = [{"name": name or url, "url": url}]
    try:
        if errors:
            raise Invalid(errors)
        await pipeline_progress.post_progress(user, scenario_id, parse(pipeline_progress.ProgressIn, body))
    except (Invalid, Conflict) as exc:
        fields = {
            (
                "attachment_url"
                if k.startswith("attachments")
                else k.split(".")[0]
                if k.startswith("indicators")
                else k
            ): v
            for k, v in exc.fields.items()
        }
        return await _page(
            request, user, scenario_id, values=values, errors=fields, message=exc.message, status=exc.status
        )
    flash(request, f"已报送 {body['period']} 进展")
    return redirect(f"/workspace/scenarios/{scenario_id}/progress")


async def _import_page(
    request: Request, *, errors: dict | None = None, message: str = "", result=None, status: int = 200
):
    return await render(
        request,
        "showcase/workspace/progress_import.html",
        {
            "errors": errors or {},
            "message": message,
            "result": result,
            "columns": progress_import.COLUMNS,
            "stale": await pipeline_progress.stale_scenarios(now()),
            "stale_days": pipeline_progress.STALE_AFTER_DAYS,
        },
        status=status,
    )


async def import_page(request: Request):
    await require_page(request, "progress.import")
    return await _import_page(request)


async def import_upload(request: Request):
    user = await require_page(request, "progress.import")
    limit = request.app.state.settings.max_upload_bytes
    async with request.form(max_files=1, max_fields=5) as form:
        token = form.get("csrf")
        try:
            check_csrf(request, token if isinstance(token, str) else None)
        except Forbidden:
            return await _import_page(request, message=CSRF_MESSAGE, status=403)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _import_page(
                request, errors={"file": "请选择要导入的 xlsx 文件"}, message="请选择文件", status=422
            )
        content = await upload.read(limit + 1)
    try:
        if len(content) > limit:
            raise Invalid({"file": f"文件不能超过 {limit // (1024 * 1024)} MiB"})
        result = await progress_import.import_progress(user, content)
    except Invalid as exc:
        return await _import_page(request, errors=exc.fields, message=exc.message, status=422)
    flash(request, f"已导入 {result.updates} 条进展（{result.rows} 行，涉及 {result.scenarios} 个场景）")
    return redirect("/workspace/progress-import")
