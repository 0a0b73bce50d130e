"""Reviewer assignment, recusal, reviews, and what each role may see of them."""

from __future__ import annotations

from starlette.requests import Request

from lab.auth import current_user, require_user
from lab.http import ok
from lab.openapi import Doc, api_route
from lab.validation import json_body
from pipeline import reviews
from pipeline.schemas import AssignIn, RecusalIn, ReviewIn

TAG = "专家评审"
_WRITE = (400, 401, 403, 404, 409, 413, 422)


async def assign(request: Request):
    user = await require_user(request)
    data = await json_body(request, AssignIn)
    assignment = await reviews.assign_reviewer(user, request.path_params["scenario_id"], data.reviewer_id)
    return ok(
        {
            "id": assignment.id,
            "scenario_id": assignment.scenario_id,
            "reviewer_id": assignment.reviewer_id,
            "status": assignment.status.value,
        },
        status=201,
    )


async def recuse(request: Request):
    user = await require_user(request)
    data = await json_body(request, RecusalIn)
    assignment = await reviews.recuse(user, request.path_params["scenario_id"], data.reason)
    return ok({"id": assignment.id, "scenario_id": assignment.scenario_id, "status": assignment.status.value})


async def submit(request: Request):
    user = await require_user(request)
    data = await json_body(request, ReviewIn)
    review = await reviews.submit_review(user, request.path_params["scenario_id"], data)
    return ok(
        {
            "id": review.id,
            "scenario_id": review.scenario_id,
            "scores": review.scores,
            "weighted_score": review.weighted_score,
            "comment": review.comment,
        },
        status=201,
    )


async def read(request: Request):
    return ok(await reviews.reviews_view(await current_user(request), request.path_params["scenario_id"]))


async def mine(request: Request):
    user = await require_user(request)
    return ok({"items": await reviews.my_assignments(user)})


routes = [
    api_route(
        "/scenarios/{scenario_id:int}/reviewers",
        assign,
        ["POST"],
        Doc(
            "指派评审专家（运营）；专家所在单位为牵头部门或合作单位时拒绝（422 conflict_of_interest）",
            TAG,
            body=AssignIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/recusal",
        recuse,
        ["POST"],
        Doc("评审专家声明利益冲突并回避", TAG, body=RecusalIn, errors=_WRITE),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/reviews",
        submit,
        ["POST"],
        Doc(
            "提交评审意见（按批次评分标准，每项 0–100 分，须填写意见）",
            TAG,
            body=ReviewIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/scenarios/{scenario_id:int}/reviews",
        read,
        ["GET"],
        Doc(
            "评审结果：运营见全部；专家仅见本人；评估结束后相关方见汇总与意见（不含专家身份）",
            TAG,
            errors=(401, 403, 404),
        ),
    ),
    api_route("/review-assignments", mine, ["GET"], Doc("我的评审任务（评审专家）", TAG, errors=(401,))),
]
