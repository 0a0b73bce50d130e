"""``GET /api/search``: hybrid search over demands, capability profiles and scenarios.

Signed-out visitors (and every role but the operator) only ever get public items: published or
closed demands, published profiles, listed or promoted scenarios. Bad parameters answer 422 in the
project's error shape.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from starlette.requests import Request

from lab.auth import current_user
from lab.errors import Invalid
from lab.http import ok
from lab.limits import expensive
from lab.openapi import Doc, api_route
from lab.permissions import can, public_statuses
from lab.schemas import District, Domain, Input
from lab.validation import query
from matchmaking.search import InvalidSearch

FacetName = Literal["domain", "district", "org_kind", "kind", "status", "year"]
# request names -> document fields
FIELD_OF = {
    "domain": "domains",
    "district": "district",
    "org_kind": "org_kind",
    "kind": "kind",
    "status": "status",
    "year": "year",
}


class SearchParams(Input):
    q: Annotated[str, Field(max_length=200)] = ""
    kind: Literal["demand", "capability", "scenario"] | None = None
    domain: Domain | None = None
    district: District | None = None
    org_kind: Literal["department", "enterprise", "university", "institute", "operator"] | None = None
    status: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    facets: list[FacetName] = []
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0
    semantic_ratio: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5


def visible_statuses(kind: str | None) -> list[str]:
    return public_statuses(kind) if kind else public_statuses()


async def search(request: Request):
    params = query(request, SearchParams)
    user = await current_user(request)
    filters: dict[str, list] = {}
    for name in ("domain", "district", "org_kind", "year"):
        value = getattr(params, name)
        if value is not None:
            filters[FIELD_OF[name]] = [value]
    statuses = [params.status] if params.status else None
    if not can(user, "search.any_status"):
        allowed = visible_statuses(params.kind)
        statuses = [s for s in statuses if s in allowed] if statuses else allowed
        if not statuses:
            statuses = ["\x00none"]  # asked for a private status: nothing matches
    if statuses:
        filters["status"] = statuses
    service = request.app.state.search
    try:
        async with expensive(request, "search"):
            result = await service.search(
                params.q,
                kind=params.kind,
                filters=filters,
                facets=[FIELD_OF[f] for f in params.facets],
                limit=params.limit,
                offset=params.offset,
                semantic_ratio=params.semantic_ratio,
            )
    except InvalidSearch as exc:
        raise Invalid({exc.field or "q": str(exc)}) from None
    body = result.as_dict()
    names = {FIELD_OF[f]: f for f in params.facets}
    body["facets"] = {names.get(k, k): v for k, v in body["facets"].items()}
    body.update(query=params.q, limit=params.limit, offset=params.offset)
    return ok(body)


routes = [
    api_route(
        "/search",
        search,
        ["GET"],
        Doc(
            "搜索需求、能力与场景",
            "搜索",
            query=SearchParams,
            auth=False,
            errors=(422, 429, 503),
            description="中文分词 + 语义向量混合检索；返回高亮（已转义）、分项得分与分面计数。"
            "未登录访客只能检索到已发布/已上架的内容。搜索引擎不可用时从数据库检索并标记 degraded。",
        ),
    ),
]
