"""Demands (需求) and capability profiles (能力): create, read, update, list, lifecycle actions."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from tortoise import connections

from lab import demands, presenters, profiles
from lab.auth import current_user, require_user
from lab.http import ok
from lab.models import CapabilityProfile, Demand
from lab.openapi import Doc, api_route
from lab.permissions import visible_demands, visible_profiles
from lab.schemas import ActionIn, DemandIn, DemandQuery, DemandUpdate, ProfileIn, ProfileQuery, ProfileUpdate
from lab.validation import json_body, parse, parse_json, query, read_json_bytes


async def action_body(request: Request) -> ActionIn:
    """Lifecycle actions take an optional body: ``{"version": n, "reason": "..."}``."""
    body = await read_json_bytes(request)
    if not body.strip():
        return ActionIn()
    return parse(ActionIn, parse_json(body))


async def list_demands(request: Request):
    user = await current_user(request)
    params = query(request, DemandQuery)
    qs = Demand.filter(visible_demands(user)).select_related("organisation")
    for name in ("status", "domain", "district", "organisation_id"):
        value = getattr(params, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    return ok(await presenters.page(qs, params.limit, params.offset, presenters.demand, params.order))


async def create_demand(request: Request):
    user = await require_user(request)
    data = await json_body(request, DemandIn)
    return ok(presenters.demand(await demands.create_demand(user, data)), status=201)


async def read_demand(request: Request):
    demand = await demands.get_demand(await current_user(request), request.path_params["demand_id"])
    return ok(presenters.demand(demand))


async def update_demand(request: Request):
    user = await require_user(request)
    data = await json_body(request, DemandUpdate)
    return ok(presenters.demand(await demands.update_demand(user, request.path_params["demand_id"], data)))


async def demand_action(request: Request, action: str):
    user = await require_user(request)
    body = await action_body(request)
    demand = await demands.change_demand_status(user, request.path_params["demand_id"], action, body.version)
    return ok(presenters.demand(demand))


async def list_profiles(request: Request):
    user = await current_user(request)
    params = query(request, ProfileQuery)
    qs = CapabilityProfile.filter(visible_profiles(user)).select_related("organisation")
    for name in ("status", "organisation_id"):
        value = getattr(params, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if params.org_kind:
        qs = qs.filter(organisation__kind=params.org_kind)
    if params.domain:
        # JSON list membership: jsonb containment on PostgreSQL, json_each on SQLite
        qs = (
            qs.filter(domains__contains=[params.domain])
            if _pg(request)
            else qs.filter(id__in=await _sqlite_ids_with_domain(params.domain))
        )
    return ok(await presenters.page(qs, params.limit, params.offset, presenters.profile, params.order))


async def _sqlite_ids_with_domain(domain: str) -> list[int]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT capability_profile.id AS id FROM capability_profile, json_each(capability_profile.domains) "
        "WHERE json_each.value = ?",
        [domain],
    )
    return [row["id"] for row in rows]


def _pg(request: Request) -> bool:
    return request.app.state.settings.database_url.startswith("postgres")


async def create_profile(request: Request):
    user = await require_user(request)
    data = await json_body(request, ProfileIn)
    return ok(presenters.profile(await profiles.create_profile(user, data)), status=201)


async def read_profile(request: Request):
    profile = await profiles.get_profile(await current_user(request), request.path_params["profile_id"])
    return ok(presenters.profile(profile))


async def update_profile(request: Request):
    user = await require_user(request)
    data = await json_body(request, ProfileUpdate)
    return ok(presenters.profile(await profiles.update_profile(user, request.path_params["profile_id"], data)))


async def profile_action(request: Request, action: str):
    user = await require_user(request)
    body = await action_body(request)
    profile = await profiles.change_profile_status(user, request.path_params["profile_id"], action, body.version)
    return ok(presenters.profile(profile))


_ACTION_ERRORS = (400, 401, 403, 404, 409, 413, 422)
_DEMAND_ACTIONS = {"publish": "发布需求（草稿→已发布，严格校验）", "close": "关闭需求", "withdraw": "撤回需求"}
_PROFILE_ACTIONS = {"publish": "发布能力档案", "archive": "归档能力档案"}

routes = [
    api_route(
        "/demands",
        list_demands,
        ["GET"],
        Doc("需求列表（访客仅见已发布）", "需求", query=DemandQuery, auth=False, errors=(401, 422)),
    ),
    api_route(
        "/demands",
        create_demand,
        ["POST"],
        Doc("新建需求草稿", "需求", body=DemandIn, errors=(400, 401, 403, 413, 422), extra={"status": 201}),
    ),
    api_route("/demands/{demand_id:int}", read_demand, ["GET"], Doc("需求详情", "需求", auth=False, errors=(401, 404))),
    api_route(
        "/demands/{demand_id:int}",
        update_demand,
        ["PATCH"],
        Doc("修改需求（携带读取时的 version）", "需求", body=DemandUpdate, errors=_ACTION_ERRORS),
    ),
    *[
        api_route(
            f"/demands/{{demand_id:int}}/{action}",
            partial(demand_action, action=action),
            ["POST"],
            Doc(summary, "需求", body=ActionIn, errors=_ACTION_ERRORS),
            name=f"demand_{action}",
        )
        for action, summary in _DEMAND_ACTIONS.items()
    ],
    api_route(
        "/capabilities",
        list_profiles,
        ["GET"],
        Doc("能力档案列表（访客仅见已发布）", "能力", query=ProfileQuery, auth=False, errors=(401, 422)),
    ),
    api_route(
        "/capabilities",
        create_profile,
        ["POST"],
        Doc("新建能力档案草稿", "能力", body=ProfileIn, errors=(400, 401, 403, 413, 422), extra={"status": 201}),
    ),
    api_route(
        "/capabilities/{profile_id:int}",
        read_profile,
        ["GET"],
        Doc("能力档案详情", "能力", auth=False, errors=(401, 404)),
    ),
    api_route(
        "/capabilities/{profile_id:int}",
        update_profile,
        ["PATCH"],
        Doc("修改能力档案（携带 version）", "能力", body=ProfileUpdate, errors=_ACTION_ERRORS),
    ),
    *[
        api_route(
            f"/capabilities/{{profile_id:int}}/{action}",
            partial(profile_action, action=action),
            ["POST"],
            Doc(summary, "能力", body=ActionIn, errors=_ACTION_ERRORS),
            name=f"profile_{action}",
        )
        for action, summary in _PROFILE_ACTIONS.items()
    ],
]
