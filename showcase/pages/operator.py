"""The operator workspace: reserve-list editions and the ranks of the featured showcase (the board
and the dashboard are in ``showcase.pages.analytics``)."""

from __future__ import annotations

from starlette.requests import Request

from lab.errors import Conflict, Invalid, NotFound
from lab.validation import parse
from pipeline import editions as pipeline_editions
from pipeline import presenters as pipeline_presenters
from pipeline.models import Edition, FeaturedEntry
from pipeline.schemas import EditionIn, EditionUpdate, FeaturedOrderIn
from showcase import params
from showcase.responses import CSRF_MESSAGE, flash, read_form, redirect, render, require_csrf, require_page

EDITION_FIELDS = ("name", "year", "capacity", "featured_capacity", "min_reviews", "pass_threshold")
EDITION_LABELS = {
    "name": "批次名称",
    "year": "年份",
    "capacity": "清单容量",
    "featured_capacity": "精选容量",
    "min_reviews": "最少评审份数",
    "pass_threshold": "通过分数线",
    "status": "状态",
}


async def _editions_page(
    request: Request, *, values: dict | None = None, errors: dict | None = None, message: str = "", status: int = 200
):
    rows = await Edition.all().order_by("-year", "-id")
    items = []
    for e in rows:
        data = pipeline_presenters.edition(
            e, listed=await pipeline_editions.listed_count(e.id), featured=await pipeline_editions.featured_count(e.id)
        )
        entries = await FeaturedEntry.filter(edition_id=e.id).order_by("rank").select_related("scenario")
        data["entries"] = [{"rank": f.rank, "scenario_id": f.scenario_id, "title": f.scenario.title} for f in entries]
        items.append(data)
    return await render(
        request,
        "showcase/workspace/editions.html",
        {
            "editions": items,
            "values": values
            or {"year": "", "capacity": "249", "featured_capacity": "18", "min_reviews": "3", "pass_threshold": "70"},
            "errors": errors or {},
            "message": message,
            "labels": EDITION_LABELS,
            "statuses": [("open", "征集中"), ("closed", "已截止"), ("published", "已发布")],
        },
        status=status,
    )


async def editions_page(request: Request):
    await require_page(request, "workspace.operator")
    return await _editions_page(request)


async def create_edition(request: Request):
    user = await require_page(request, "workspace.operator")
    values, csrf_ok = await read_form(request)
    typed = {k: values.get(k, "") for k in EDITION_FIELDS}
    if not csrf_ok:
        return await _editions_page(request, values=typed, message=CSRF_MESSAGE, status=403)
    try:
        data = parse(EditionIn, {k: v for k, v in typed.items() if str(v).strip() or k in ("name", "year")})
        edition = await pipeline_editions.create_edition(user, data)
    except (Invalid, Conflict) as exc:
        return await _editions_page(
            request, values=typed, errors=dict(exc.fields), message=exc.message, status=exc.status
        )
    flash(request, f"已创建储备清单批次「{edition.name}」")
    return redirect("/workspace/editions")


async def edition_status(request: Request):
    user = await require_page(request, "workspace.operator")
    values = await require_csrf(request)
    try:
        data = parse(
            EditionUpdate,
            {
                "version": params.positive_int(values.get("version")) or 0,
                "status": values.get("status", ""),
                "reason": values.get("reason", ""),
            },
        )
        edition = await pipeline_editions.update_edition(user, request.path_params["edition_id"], data)
    except (Invalid, Conflict) as exc:
        detail = "；".join(exc.fields.values())
        flash(request, f"{exc.message}{'：' + detail if detail else ''}", "error")
    else:
        flash(
            request, f"「{edition.name}」状态已更新为{pipeline_presenters.EDITION_STATUS_LABELS[edition.status.value]}"
        )
    return redirect("/workspace/editions")


async def featured_move(request: Request):
    """Move one featured scenario up or down by one rank (the pipeline sets the whole order)."""
    user = await require_page(request, "workspace.operator")
    values = await require_csrf(request)
    edition_id = request.path_params["edition_id"]
    scenario_id = params.positive_int(values.get("scenario_id"))
    direction = values.get("direction")
    order = list(
        await FeaturedEntry.filter(edition_id=edition_id).order_by("rank").values_list("scenario_id", flat=True)
    )
    if scenario_id not in order or direction not in ("up", "down"):
        raise NotFound("找不到该精选场景")
    i = order.index(scenario_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        await pipeline_editions.set_featured_order(
            user, parse(FeaturedOrderIn, {"edition_id": edition_id, "scenario_ids": order})
        )
        flash(request, "精选排序已更新")
    return redirect("/workspace/editions")
