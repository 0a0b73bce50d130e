"""Organisations and users."""

from __future__ import annotations

from starlette.requests import Request
from tortoise.expressions import Q

from lab import accounts, presenters
from lab.auth import current_user, require_user
from lab.http import ok
from lab.models import Organisation, User
from lab.openapi import Doc, api_route
from lab.permissions import require
from lab.schemas import OrganisationIn, OrganisationQuery, OrganisationUpdate, UserIn, UserQuery, UserUpdate
from lab.validation import json_body, query


async def list_organisations(request: Request):
    params = query(request, OrganisationQuery)
    require(await current_user(request), "organisation.list")
    qs = Organisation.all()
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.district:
        qs = qs.filter(district=params.district)
    if params.q:
        qs = qs.filter(Q(name__icontains=params.q))
    return ok(await presenters.page(qs, params.limit, params.offset, presenters.organisation, "name"))


async def create_organisation(request: Request):
    user = await require_user(request)
    data = await json_body(request, OrganisationIn)
    return ok(presenters.organisation(await accounts.create_organisation(user, data)), status=201)


async def read_organisation(request: Request):
    org = await accounts.get_organisation(await current_user(request), request.path_params["org_id"])
    return ok(presenters.organisation(org))


async def update_organisation(request: Request):
    user = await require_user(request)
    data = await json_body(request, OrganisationUpdate)
    org = await accounts.update_organisation(user, request.path_params["org_id"], data)
    return ok(presenters.organisation(org))


async def list_users(request: Request):
    user = await require_user(request)
    params = query(request, UserQuery)
    require(user, "user.list")
    qs = User.all().select_related("organisation")
    if params.role:
        qs = qs.filter(role=params.role)
    if params.organisation_id:
        qs = qs.filter(organisation_id=params.organisation_id)
    return ok(await presenters.page(qs, params.limit, params.offset, presenters.user, "email"))


async def create_user(request: Request):
    actor = await require_user(request)
    data = await json_body(request, UserIn)
    created = await accounts.create_user(actor, data)
    return ok(presenters.user(await accounts.get_user(actor, created.id)), status=201)


async def read_user(request: Request):
    actor = await require_user(request)
    return ok(presenters.user(await accounts.get_user(actor, request.path_params["user_id"])))


async def update_user(request: Request):
    actor = await require_user(request)
    data = await json_body(request, UserUpdate)
    return ok(presenters.user(await accounts.update_user(actor, request.path_params["user_id"], data)))


routes = [
    api_route(
        "/organisations",
        list_organisations,
        ["GET"],
        Doc("单位名录", "单位与用户", query=OrganisationQuery, auth=False, errors=(422,)),
    ),
    api_route(
        "/organisations",
        create_organisation,
        ["POST"],
        Doc(
            "新建单位（运营）",
            "单位与用户",
            body=OrganisationIn,
            errors=(400, 401, 403, 409, 413, 422),
            extra={"status": 201},
        ),
    ),
    api_route(
        "/organisations/{org_id:int}",
        read_organisation,
        ["GET"],
        Doc("单位详情", "单位与用户", auth=False, errors=(404,)),
    ),
    api_route(
        "/organisations/{org_id:int}",
        update_organisation,
        ["PATCH"],
        Doc(
            "修改单位、认证（运营）", "单位与用户", body=OrganisationUpdate, errors=(400, 401, 403, 404, 409, 413, 422)
        ),
    ),
    api_route(
        "/users", list_users, ["GET"], Doc("用户列表（运营）", "单位与用户", query=UserQuery, errors=(401, 403, 422))
    ),
    api_route(
        "/users",
        create_user,
        ["POST"],
        Doc(
            "新建用户（运营）", "单位与用户", body=UserIn, errors=(400, 401, 403, 409, 413, 422), extra={"status": 201}
        ),
    ),
    api_route(
        "/users/{user_id:int}", read_user, ["GET"], Doc("用户详情（本人或运营）", "单位与用户", errors=(401, 404))
    ),
    api_route(
        "/users/{user_id:int}",
        update_user,
        ["PATCH"],
        Doc(
            "修改用户（本人可改名称和密码；运营可改角色与状态）",
            "单位与用户",
            body=UserUpdate,
            errors=(400, 401, 403, 404, 413, 422),
        ),
    ),
]
