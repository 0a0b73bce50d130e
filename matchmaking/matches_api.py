"""JSON endpoints for matches: demand → capability profiles, profile → open demands, and the
duplicate check for a draft demand."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from starlette.requests import Request

from lab.auth import require_user
from lab.demands import get_demand
from lab.domains import DISTRICTS, DOMAINS
from lab.http import ok
from lab.limits import expensive
from lab.openapi import Doc, api_route
from lab.permissions import require
from lab.profiles import get_profile
from lab.schemas import Input
from lab.validation import json_body, query
from matchmaking import matches


class DemandMatchQuery(Input):
    limit: Annotated[int, Field(ge=1, le=50)] = 10
    domain: Literal[DOMAINS] | None = None  # type: ignore[valid-type]
    org_kind: Literal["enterprise", "university", "institute"] | None = None


class ProfileMatchQuery(Input):
    limit: Annotated[int, Field(ge=1, le=50)] = 10
    domain: Literal[DOMAINS] | None = None  # type: ignore[valid-type]
    district: Literal[DISTRICTS] | None = None  # type: ignore[valid-type]


class DraftDemand(Input):
    title: Annotated[str, Field(min_length=2, max_length=200)]
    description: Annotated[str, Field(max_length=20000)] = ""
    domain: Literal[DOMAINS] | Literal[""] = ""  # type: ignore[valid-type]
    exclude_id: int | None = Field(default=None, ge=1, description="正在编辑的需求自身")
    limit: Annotated[int, Field(ge=1, le=20)] = 5


def _service(request: Request):
    return getattr(request.app.state, "search", None)


async def demand_matches(request: Request):
    user = await require_user(request)
    params = query(request, DemandMatchQuery)
    demand = await get_demand(user, request.path_params["demand_id"])
    require(user, "demand.matches", demand)
    async with expensive(request, "matches"):
        found = await matches.for_demand(
            _service(request),
            demand,
            limit=params.limit,
            domain=params.domain,
            org_kind=params.org_kind,
            exclude_orgs={user.organisation_id},
            deep=True,
        )
    return ok({"demand_id": demand.id, **found.as_dict()})


async def profile_matches(request: Request):
    user = await require_user(request)
    params = query(request, ProfileMatchQuery)
    profile = await get_profile(user, request.path_params["profile_id"])
    require(user, "profile.matches", profile)
    async with expensive(request, "matches"):
        found = await matches.for_profile(
            _service(request),
            profile,
            limit=params.limit,
            domain=params.domain,
            district=params.district,
            exclude_orgs={user.organisation_id},
            deep=True,
        )
    return ok({"capability_id": profile.id, **found.as_dict()})


async def similar_demands(request: Request):
    await require_user(request)
    data = await json_body(request, DraftDemand)
    async with expensive(request, "similar"):
        found = await matches.look_alike_demands(
            _service(request), data.title, data.description, data.domain, exclude_id=data.exclude_id, limit=data.limit
        )
    return ok(found.as_dict())


routes = [
    api_route(
        "/demands/{demand_id:int}/matches",
        demand_matches,
        ["GET"],
        Doc(
            "需求匹配：排序后的已发布能力档案，附中文解释（共同关键词、共同领域、最相关句子、分项得分）",
            "匹配",
            query=DemandMatchQuery,
            errors=(401, 403, 404, 422, 429, 503),
        ),
    ),
    api_route(
        "/capabilities/{profile_id:int}/matches",
        profile_matches,
        ["GET"],
        Doc(
            "能力推荐：该能力档案可以回应的已发布需求，附中文解释",
            "匹配",
            query=ProfileMatchQuery,
            errors=(401, 403, 404, 422, 429, 503),
        ),
    ),
    api_route(
        "/demands/similar",
        similar_demands,
        ["POST"],
        Doc(
            "查重：与草稿内容相似的已发布需求（发布前提示）",
            "匹配",
            body=DraftDemand,
            errors=(400, 401, 413, 415, 422, 429, 503),
        ),
    ),
]
