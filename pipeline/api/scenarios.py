"""Scenarios: create, list, read, history, transitions, attachments."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse

from lab.auth import current_user, require_user
from lab.errors import Invalid, NotFound, PayloadTooLarge
from lab.http import ok
from lab.limits import expensive
from lab.openapi import Doc, api_route
from lab.permissions import can
from lab.validation import json_body, query
from matchmaking.matches import similar_scenarios as rank_similar
from pipeline import attachments, lifecycle, participation, queries
from pipeline.models import Attachment
from pipeline.permissions import ScenarioAccess, get_scenario
from pipeline.schemas import LeaveIn, ScenarioIn, ScenarioQuery, SimilarQuery, TransitionIn

TAG = "场景全生命周期"


def _id(request: Request) -> int:
    return request.path_params["scenario_id"]


async def list_scenarios(request: Request):
    user = await current_user(request)
    return ok(await queries.scenario_list(user, query(request, ScenarioQuery)))


async def create_scenario(request: Request):
    user = await require_user(request)
    scenario = await lifecycle.create_scenario(user, await json_body(request, ScenarioIn))
    return ok(await queries.scenario_detail(user, scenario.id), status=201)


async def read_scenario(request: Request):
    return ok(await queries.scenario_detail(await current_user(request), _id(request)))


async def similar_scenarios(request: Request):
    """Publicly listed scenarios (and other cities' cases) most like this one, explained."""
    scenario, _ = await get_scenario(await current_user(request), request.path_params["scenario_id"])
    limit = query(request, SimilarQuery).limit
    async with expensive(request, "similar"):
        found = await rank_similar(
            getattr(request.app.state, "search", None),
            scenario.id,
            scenario.title,
            scenario.summary,
            scenario.domain,
            limit=limit,
        )
    return ok({"scenario_id": scenario.id, **found.as_dict()})


async def scenario_history(request: Request):
    return ok({"items": await queries.history(await current_user(request), _id(request))})


async def make_transition(request: Request):
    user = await require_user(request)
    scenario = await lifecycle.transition(user, _id(request), await json_body(request, TransitionIn))
    return ok(await queries.scenario_detail(user, scenario.id))


async def withdraw_participation(request: Request):
    user = await require_user(request)
    data = await json_body(request, LeaveIn)
    scenario = await participation.withdraw_participation(user, _id(request), data.version, data.reason)
    # no longer a partner: the supplier may not read a scenario that is not public any more
    return ok({"scenario_id": scenario.id, "version": scenario.version, "participation": "withdrawn"})


async def upload_attachment(request: Request):
    user = await require_user(request)
    settings = request.app.state.settings
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid({"file": "请以 multipart/form-data 上传文件字段 file"})
        if upload.size is not None and upload.size > settings.max_upload_bytes:
            raise PayloadTooLarge(f"文件不能超过 {settings.max_upload_bytes // (1024 * 1024)} MiB")
        content = await upload.read(settings.max_upload_bytes + 1)
        kind, verdict = form.get("kind"), form.get("verdict") or None
        attachment = await attachments.add_attachment(
            user,
            _id(request),
            settings,
            kind=kind if isinstance(kind, str) else None,
            verdict=verdict if isinstance(verdict, str) else None,
            filename=upload.filename or "",
            content=content,
        )
    return ok(attachments.present(attachment), status=201)


async def list_attachments(request: Request):
    user = await require_user(request)
    scenario, found = await get_scenario(user, _id(request))
    if not can(user, "attachment.read", ScenarioAccess(scenario, frozenset(found))):
        raise NotFound("找不到该场景的附件")
    rows = await Attachment.filter(scenario_id=scenario.id).order_by("-id")
    return ok({"items": [attachments.present(a) for a in rows]})


async def download_attachment(request: Request):
    user = await require_user(request)
    attachment = await attachments.get_attachment(user, request.path_params["attachment_id"])
    path = attachments.stored_path(request.app.state.settings, attachment.sha256, attachment.extension)
    if not path.exists():
        raise NotFound("附件文件已丢失")
    return FileResponse(path, media_type=attachment.media_type, filename=attachment.filename)


_WRITE = (400, 401, 403, 404, 409, 413, 415, 422)

routes = [
    api_route(
        "/scenarios",
        list_scenarios,
        ["GET"],
        Doc("场景列表（访客仅见已上架、推广中与外地优秀案例）", TAG, query=ScenarioQuery, auth=False, errors=(422,)),
    ),
    api_route(
        "/scenarios",
        create_scenario,
        ["POST"],
        Doc(
            "创建场景：需求部门从有已采纳方案的需求创建，或运营人员录入外地优秀案例（origin=external）",
            TAG,
            body=ScenarioIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/scenarios/{scenario_id:int}",
        read_scenario,
        ["GET"],
        Doc("场景详情（含当前用户可执行的阶段转换 moves）", TAG, auth=False, errors=(404,)),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/similar",
        similar_scenarios,
        ["GET"],
        Doc(
            "相似场景：已上架的实验室场景与外地优秀案例，按相似度排序并附解释",
            "场景",
            query=SimilarQuery,
            auth=False,
            errors=(401, 404, 422, 429, 503),
        ),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/history",
        scenario_history,
        ["GET"],
        Doc("场景阶段变更历史（相关方与运营可见操作人和原因）", TAG, auth=False, errors=(404,)),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/transitions",
        make_transition,
        ["POST"],
        Doc(
            "阶段转换：{to, reason, version}。409 version_conflict / illegal_transition；"
            "422 guard_failed 时 message 与 fields.to 给出中文原因",
            TAG,
            body=TransitionIn,
            errors=_WRITE,
        ),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/participation/withdraw",
        withdraw_participation,
        ["POST"],
        Doc(
            "供给方撤回本单位对场景的参与（仅上架前；须填写原因，记入审计）：{version, reason}",
            TAG,
            body=LeaveIn,
            errors=_WRITE,
        ),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/attachments",
        upload_attachment,
        ["POST"],
        Doc(
            "上传附件（multipart：file, kind=design_plan|test_report, verdict=passed|failed）；"
            "≤20 MiB，仅 PDF/DOCX/XLSX/PNG/JPG（按内容识别），记录 sha256",
            TAG,
            errors=_WRITE,
            content_type="application/json",
            extra={"status": 201},
        ),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/attachments",
        list_attachments,
        ["GET"],
        Doc("场景附件列表（相关方、评审专家与运营）", TAG, errors=(401, 404)),
    ),
    api_route(
        "/attachments/{attachment_id:int}/file",
        download_attachment,
        ["GET"],
        Doc("下载附件", TAG, errors=(401, 404), content_type="application/octet-stream"),
    ),
]
