"""Reserve-list editions, their exports, and the featured showcase."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from lab.auth import require_user
from lab.http import ok
from lab.limits import expensive
from lab.openapi import Doc, api_route
from lab.validation import json_body, query
from pipeline import editions, exports, presenters, queries
from pipeline.models import Edition
from pipeline.schemas import (
    EditionIn,
    EditionScenarioQuery,
    EditionUpdate,
    FeaturedOrderIn,
    FeaturedQuery,
    FeaturedUpdate,
)

TAG = "储备清单与精选"
_WRITE = (400, 401, 403, 404, 409, 413, 422)


async def list_editions(request: Request):
    rows = await Edition.all().order_by("-year", "-id")
    return ok(
        {
            "items": [
                presenters.edition(
                    e, listed=await editions.listed_count(e.id), featured=await editions.featured_count(e.id)
                )
                for e in rows
            ]
        }
    )


async def create_edition(request: Request):
    user = await require_user(request)
    edition = await editions.create_edition(user, await json_body(request, EditionIn))
    return ok(presenters.edition(edition, listed=0, featured=0), status=201)


async def read_edition(request: Request):
    params = query(request, EditionScenarioQuery)
    edition = await editions.get_edition(request.path_params["edition_id"])
    return ok(
        await queries.reserve_list(
            edition,
            domain=params.domain,
            district=params.district or None,
            year=params.year,
            limit=params.limit,
            offset=params.offset,
        )
    )


async def update_edition(request: Request):
    user = await require_user(request)
    edition = await editions.update_edition(
        user, request.path_params["edition_id"], await json_body(request, EditionUpdate)
    )
    return ok(
        presenters.edition(
            edition, listed=await editions.listed_count(edition.id), featured=await editions.featured_count(edition.id)
        )
    )


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


async def export_xlsx(request: Request):
    edition = await editions.get_edition(request.path_params["edition_id"])
    async with expensive(request, "exports"):
        content = await exports.export_xlsx(edition)
    return _download(
        content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{edition.name}.xlsx"
    )


async def export_csv(request: Request):
    edition = await editions.get_edition(request.path_params["edition_id"])
    async with expensive(request, "exports"):
        content = await exports.export_csv(edition)
    return _download(content, "text/csv; charset=utf-8", f"{edition.name}.csv")


async def featured(request: Request):
    params = query(request, FeaturedQuery)
    return ok(await queries.featured(params.edition))


async def set_order(request: Request):
    user = await require_user(request)
    data = await json_body(request, FeaturedOrderIn)
    await editions.set_featured_order(user, data)
    return ok(await queries.featured(data.edition_id))


async def update_entry(request: Request):
    user = await require_user(request)
    data = await json_body(request, FeaturedUpdate)
    entry = await editions.update_featured(user, request.path_params["scenario_id"], data)
    return ok(
        {
            "scenario_id": entry.scenario_id,
            "edition_id": entry.edition_id,
            "rank": entry.rank,
            "highlight": entry.highlight,
            "metrics": entry.metrics,
        }
    )


_COLUMNS = "列：" + "、".join(exports.COLUMNS)

routes = [
    api_route("/reserve-lists", list_editions, ["GET"], Doc("场景储备清单批次列表", TAG, auth=False, errors=())),
    api_route(
        "/reserve-lists",
        create_edition,
        ["POST"],
        Doc(
            "创建储备清单批次（运营；同一时间只能有一个开放批次）",
            TAG,
            body=EditionIn,
            errors=_WRITE,
            extra={"status": 201},
        ),
    ),
    api_route(
        "/reserve-lists/{edition_id:int}",
        read_edition,
        ["GET"],
        Doc(
            "批次详情：入库场景（分页）与按领域/区域/年度的分面计数",
            TAG,
            query=EditionScenarioQuery,
            auth=False,
            errors=(404, 422),
        ),
    ),
    api_route(
        "/reserve-lists/{edition_id:int}",
        update_edition,
        ["PATCH"],
        Doc("修改批次（运营；状态、容量等，携带 version）", TAG, body=EditionUpdate, errors=_WRITE),
    ),
    api_route(
        "/reserve-lists/{edition_id:int}/export.xlsx",
        export_xlsx,
        ["GET"],
        Doc(
            "导出批次为 Excel（第 1 行为表头）",
            TAG,
            auth=False,
            errors=(404, 429, 503),
            description=_COLUMNS,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ),
    api_route(
        "/reserve-lists/{edition_id:int}/export.csv",
        export_csv,
        ["GET"],
        Doc(
            "导出批次为 CSV（UTF-8 带 BOM）",
            TAG,
            auth=False,
            errors=(404, 429, 503),
            description=_COLUMNS,
            content_type="text/csv",
        ),
    ),
    api_route(
        "/showcase/featured",
        featured,
        ["GET"],
        Doc("精选展示（默认最新已发布批次）", TAG, query=FeaturedQuery, auth=False, errors=(404, 422)),
    ),
    api_route(
        "/showcase/featured",
        set_order,
        ["PUT"],
        Doc("设置精选排序（运营；给出该批次全部精选场景的新顺序）", TAG, body=FeaturedOrderIn, errors=_WRITE),
    ),
    api_route(
        "/showcase/featured/{scenario_id:int}",
        update_entry,
        ["PATCH"],
        Doc("编辑精选场景的故事与指标（运营）", TAG, body=FeaturedUpdate, errors=_WRITE),
    ),
]
