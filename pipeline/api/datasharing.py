"""Public-data catalogue, data requests with their 10-working-day deadline, and working-day arithmetic."""

from __future__ import annotations

from starlette.requests import Request

from lab.auth import require_user
from lab.http import ok
from lab.openapi import Doc, api_route
from lab.permissions import require
from lab.validation import json_body, parse, parse_json, query, read_body
from pipeline.datasharing import catalogue, reports, requests
from pipeline.datasharing.schemas import (
    AnswerIn,
    DataRequestIn,
    DataRequestQuery,
    DataResourceIn,
    DataResourceQuery,
    RefusalIn,
    WorkingDaysQuery,
)
from pipeline.workdays import add_working_days, china_today

TAG = "公共数据共享"
_WRITE = (400, 401, 403, 404, 409, 413, 422)


async def list_resources(request: Request):
    return ok(await catalogue.list_resources(query(request, DataResourceQuery)))


async def read_resource(request: Request):
    return ok(catalogue.present_resource(await catalogue.get_resource(request.path_params["resource_id"])))


async def create_resource(request: Request):
    user = await require_user(request)
    resource = await catalogue.create_resource(user, await json_body(request, DataResourceIn))
    return ok(catalogue.present_resource(resource), status=201)


async def list_requests(request: Request):
    user = await require_user(request)
    return ok(await reports.request_list(user, query(request, DataRequestQuery)))


async def _present(user, request_id: int) -> dict:
    return reports.present_request(await requests.get_request(user, request_id), china_today(), user)


async def create_request(request: Request):
    user = await require_user(request)
    created = await requests.request_data(user, await json_body(request, DataRequestIn))
    return ok(await _present(user, created.id), status=201)


async def read_request(request: Request):
    user = await require_user(request)
    return ok(await _present(user, request.path_params["request_id"]))


async def approve_request(request: Request):
    user = await require_user(request)
    answered = await requests.approve(user, request.path_params["request_id"], await _optional_body(request, AnswerIn))
    return ok(await _present(user, answered.id))


async def refuse_request(request: Request):
    user = await require_user(request)
    answered = await requests.refuse(user, request.path_params["request_id"], await _optional_body(request, RefusalIn))
    return ok(await _present(user, answered.id))


async def _optional_body(request: Request, model):
    """Answers may come without a body (approving needs nothing); a body present must be valid JSON."""
    body = await read_body(request, request.app.state.settings.max_json_bytes)
    return parse(model, parse_json(body) if body.strip() else {})


async def request_stats(request: Request):
    user = await require_user(request)
    require(user, "data_request.stats", None, message="仅实验室运营可查看答复时效统计")
    return ok({"items": await reports.answer_times()})


async def working_days(request: Request):
    params = query(request, WorkingDaysQuery)
    return ok(add_working_days(params.start, params.days).as_dict())


routes = [
    api_route(
        "/data-resources",
        list_resources,
        ["GET"],
        Doc(
            "公共数据资源目录：名称、说明、数据项、更新频率、共享类型（unconditional|conditional|not_shared）及不予共享理由",
            TAG,
            query=DataResourceQuery,
            auth=False,
            errors=(422,),
        ),
    ),
    api_route(
        "/data-resources",
        create_resource,
        ["POST"],
        Doc(
            "登记数据资源（部门用户为本部门登记，运营人员为任一部门登记）；不予共享须说明理由",
            TAG,
            body=DataResourceIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/data-resources/{resource_id:int}", read_resource, ["GET"], Doc("数据资源详情", TAG, auth=False, errors=(404,))
    ),
    api_route(
        "/data-requests",
        list_requests,
        ["GET"],
        Doc(
            "数据共享申请列表（本单位提出的、向本部门提出的；运营可见全部），含 due_on",
            TAG,
            query=DataRequestQuery,
            errors=(401, 422),
        ),
    ),
    api_route(
        "/data-requests",
        create_request,
        ["POST"],
        Doc(
            "申请数据（需求或场景的相关方）：无条件共享即时通过；不予共享返回 422 及理由；"
            "有条件共享由提供部门在 due_on（收到后次一工作日起算10个工作日）前答复",
            TAG,
            body=DataRequestIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/data-requests/stats",
        request_stats,
        ["GET"],
        Doc("各提供部门的答复时间（工作日）与按期答复率（运营）", TAG, errors=(401, 403)),
    ),
    api_route(
        "/data-requests/{request_id:int}", read_request, ["GET"], Doc("数据共享申请详情", TAG, errors=(401, 404))
    ),
    api_route(
        "/data-requests/{request_id:int}/approve",
        approve_request,
        ["POST"],
        Doc("同意申请（仅数据提供部门）", TAG, body=AnswerIn, errors=_WRITE),
    ),
    api_route(
        "/data-requests/{request_id:int}/refuse",
        refuse_request,
        ["POST"],
        Doc("拒绝申请（仅数据提供部门，须说明理由）", TAG, body=RefusalIn, errors=_WRITE),
    ),
    api_route(
        "/working-days",
        working_days,
        ["GET"],
        Doc(
            "工作日推算：from 之后第 days 个工作日（国务院节假日与调休安排；无官方安排的年份按周一至周五推算并标记 "
            "calendar_provisional）",
            TAG,
            query=WorkingDaysQuery,
            auth=False,
            errors=(422,),
        ),
    ),
]
