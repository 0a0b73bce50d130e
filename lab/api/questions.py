"""Public Q&A on demands (公开答疑)."""

from __future__ import annotations

from starlette.requests import Request

from lab import questions
from lab.auth import current_user, require_user
from lab.conversation_schemas import AnswerIn, HideIn, QuestionIn
from lab.http import ok
from lab.openapi import Doc, api_route
from lab.validation import json_body


async def list_questions(request: Request):
    user = await current_user(request)
    rows = await questions.list_questions(user, request.path_params["demand_id"])
    return ok({"items": [questions.present(user, q) for q in rows]})


async def ask(request: Request):
    user = await require_user(request)
    data = await json_body(request, QuestionIn)
    question = await questions.ask(user, request.path_params["demand_id"], data.text)
    return ok(questions.present(user, question), status=201)


async def answer(request: Request):
    user = await require_user(request)
    data = await json_body(request, AnswerIn)
    return ok(questions.present(user, await questions.answer(user, request.path_params["question_id"], data.answer)))


async def hide(request: Request):
    user = await require_user(request)
    data = await json_body(request, HideIn)
    return ok(questions.present(user, await questions.hide(user, request.path_params["question_id"], data.reason)))


_ERRORS = (400, 401, 403, 404, 409, 413, 422)
routes = [
    api_route(
        "/demands/{demand_id:int}/questions",
        list_questions,
        ["GET"],
        Doc(
            "需求的公开答疑",
            "公开答疑",
            auth=False,
            errors=(404,),
            description="已答复的问题对所有能看到需求的人公开；提问人身份只对提问人本人和运营可见。",
        ),
    ),
    api_route(
        "/demands/{demand_id:int}/questions",
        ask,
        ["POST"],
        Doc(
            "对已发布需求提问（供给方）",
            "公开答疑",
            body=QuestionIn,
            errors=_ERRORS,
            extra={"status": 201},
            description="超过需求的 questions_close_at 后返回 422 questions_closed。",
        ),
    ),
    api_route(
        "/questions/{question_id:int}/answer",
        answer,
        ["POST"],
        Doc("答复问题（需求部门或运营）", "公开答疑", body=AnswerIn, errors=_ERRORS),
    ),
    api_route(
        "/questions/{question_id:int}/hide",
        hide,
        ["POST"],
        Doc("隐藏不当问题并说明理由（运营）", "公开答疑", body=HideIn, errors=_ERRORS),
    ),
]
