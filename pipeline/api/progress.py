"""Progress after listing: reports by scenario parties, the operators' xlsx import, stale scenarios."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from tortoise.timezone import now

from lab.auth import current_user, require_user
from lab.errors import Invalid, PayloadTooLarge
from lab.http import ok
from lab.openapi import Doc, api_route
from lab.permissions import require
from lab.validation import json_body
from pipeline import progress, progress_import

TAG = "跟踪问效"
_WRITE = (400, 401, 403, 404, 409, 413, 422)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def list_progress(request: Request):
    items = await progress.progress_of(await current_user(request), request.path_params["scenario_id"])
    return ok({"items": items, "series": progress.series(items)})


async def post_progress(request: Request):
    user = await require_user(request)
    update = await progress.post_progress(
        user, request.path_params["scenario_id"], await json_body(request, progress.ProgressIn)
    )
    return ok(progress.present(update), status=201)


async def import_progress(request: Request):
    user = await require_user(request)
    require(user, "progress.import", None, message="仅实验室运营可以批量导入进展")
    limit = request.app.state.settings.max_upload_bytes
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid({"file": "请以 multipart/form-data 上传 xlsx 文件字段 file"})
        content = await upload.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"文件不能超过 {limit // (1024 * 1024)} MiB")
    result = await progress_import.import_progress(user, content)
    return ok({"updates": result.updates, "rows": result.rows, "scenarios": result.scenarios}, status=201)


async def import_template(request: Request):
    user = await require_user(request)
    require(user, "progress.import", None, message="仅实验室运营可以批量导入进展")
    return Response(
        progress_import.template(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="progress-template.xlsx"'},
    )


async def stale(request: Request):
    user = await require_user(request)
    require(user, "progress.stale", None, message="仅实验室运营可查看")
    return ok({"days": progress.STALE_AFTER_DAYS, "items": await progress.stale_scenarios(now())})


routes = [
    api_route(
        "/scenarios/{scenario_id:int}/progress",
        list_progress,
        ["GET"],
        Doc("场景上架后的进展记录（按期间排序）及各指标随时间的序列", TAG, auth=False, errors=(404,)),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/progress",
        post_progress,
        ["POST"],
        Doc(
            "报送进展（场景牵头部门与合作单位；场景须已上架）：period、milestone、indicators（名称 → {value, unit}）、"
            "note、attachments",
            TAG,
            body=progress.ProgressIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/progress/import",
        import_progress,
        ["POST"],
        Doc(
            "运营批量导入进展（multipart：file=xlsx；表头 " + "、".join(progress_import.COLUMNS) + "）。"
            "先校验全部行，任一行有误则整体不导入，fields 按行给出中文错误",
            TAG,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/progress/import-template",
        import_template,
        ["GET"],
        Doc("下载进展导入模板（xlsx）", TAG, errors=(401, 403), content_type=XLSX),
    ),
    api_route("/progress/stale", stale, ["GET"], Doc("超过90天未报送进展的已上架场景（运营）", TAG, errors=(401, 403))),
]
