"""POST /api/tokens (sign in for the API), GET /api/me, DELETE /api/tokens/{id}."""

from __future__ import annotations

from starlette.requests import Request

from lab import presenters, signin
from lab.auth import authenticate, client_address, issue_token, require_user, revoke_token
from lab.errors import NotFound
from lab.http import ok
from lab.openapi import Doc, api_route
from lab.schemas import TokenIn
from lab.validation import json_body


async def create_token(request: Request):
    data = await json_body(request, TokenIn)
    user = await authenticate(
        data.email, data.password, client_address(request), signin.limits_for(request.app.state.settings)
    )
    record, token = await issue_token(user, data.label)
    await user.fetch_related("organisation")
    return ok({"token": token, "token_id": record.id, "user": presenters.user(user)}, status=201)


async def delete_token(request: Request):
    user = await require_user(request)
    if not await revoke_token(user, request.path_params["token_id"]):
        raise NotFound("找不到该令牌")
    return ok({"revoked": True})


async def list_tokens(request: Request):
    user = await require_user(request)
    tokens = await user.tokens.all().order_by("-id")
    return ok({"items": [presenters.token(t) for t in tokens]})


async def me(request: Request):
    user = await require_user(request)
    return ok(presenters.user(user))


routes = [
    api_route(
        "/tokens",
        create_token,
        ["POST"],
        Doc(
            "用邮箱和密码换取 API 令牌",
            "认证",
            body=TokenIn,
            auth=False,
            errors=(400, 401, 413, 422, 429),
            extra={"status": 201},
        ),
    ),
    api_route("/tokens", list_tokens, ["GET"], Doc("我的令牌", "认证", errors=(401,))),
    api_route("/tokens/{token_id:int}", delete_token, ["DELETE"], Doc("吊销令牌", "认证", errors=(401, 404))),
    api_route("/me", me, ["GET"], Doc("当前用户", "认证", errors=(401,))),
]
