"""The reviewer workspace: my assignments, the rubric form (weighted total updates as scores are
typed, via static/rubric.js) and declaring a conflict of interest."""

from __future__ import annotations

from starlette.requests import Request

from lab.errors import Conflict, Invalid
from lab.validation import ascii_int, parse
from pipeline import reviews
from pipeline.models import Scenario
from pipeline.rubric import score_problems, weighted_score
from pipeline.schemas import RecusalIn, ReviewIn
from pipeline.stages import LABELS, Stage
from showcase import desk
from showcase.responses import CSRF_MESSAGE, flash, read_form, redirect, render, require_page

STATUS = {"assigned": ("待评审", "warn"), "recused": ("已回避", ""), "submitted": ("已提交", "ok")}


async def assignments(request: Request):
    user = await require_page(request, "workspace.reviewer")
    rows = await reviews.my_assignments(user)
    items = [
        {
            "scenario_id": a["scenario"]["id"],
            "title": a["scenario"]["title"],
            "domain": a["scenario"]["domain"],
            "stage": LABELS[Stage(a["scenario"]["stage"])],
            "status": STATUS[a["status"]][0],
            "status_kind": STATUS[a["status"]][1],
            "open": a["status"] == "assigned",
            "assigned": a["created_at"][:10],
        }
        for a in rows
    ]
    return await render(request, "showcase/workspace/reviews.html", {"items": items})


async def _form(
    request: Request,
    user,
    scenario_id: int,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    message: str = "",
    status: int = 200,
):
    view = await reviews.reviews_view(user, scenario_id)
    if view["view"] != "reviewer":
        return redirect(f"/workspace/scenarios/{scenario_id}")
    scenario = await Scenario.get(id=scenario_id)
    values = values or {}
    errors = errors or {}
    criteria = [
        {
            "index": i,
            "name": c["name"],
            "weight": c["weight"],
            "field": f"score-{i}",
            "value": values.get(f"score-{i}", ""),
            "error": errors.get(f"scores.{c['name']}", ""),
        }
        for i, c in enumerate(view["rubric"])
    ]
    typed = {c["name"]: score for c in criteria if (score := ascii_int(c["value"], 0, 100)) is not None}
    total = weighted_score(view["rubric"], typed) if len(typed) == len(criteria) else None
    return await render(
        request,
        "showcase/workspace/review_form.html",
        {
            "scenario": {
                "id": scenario.id,
                "title": scenario.title,
                "summary": scenario.summary,
                "domain": scenario.domain,
                "stage": LABELS[scenario.stage],
            },
            "assignment": view["assignment"],
            "review": view["review"],
            "criteria": criteria,
            "open": view["assignment"]["status"] == "assigned" and scenario.stage == Stage.EVALUATION,
            "waiting": scenario.stage != Stage.EVALUATION,
            "total": total,
            "comment": values.get("comment", ""),
            "recusal_reason": values.get("recusal_reason", ""),
            "errors": errors,
            "message": message,
            "proposals": await desk.judged_proposals(scenario),
            "attachments": await desk.attachment_rows(scenario.id),
        },
        status=status,
    )


async def review_form(request: Request):
    user = await require_page(request, "workspace.reviewer")
    return await _form(request, user, request.path_params["scenario_id"])


async def submit(request: Request):
    user = await require_page(request, "workspace.reviewer")
    scenario_id = request.path_params["scenario_id"]
    values, csrf_ok = await read_form(request)
    values.pop("__lists__", None)
    if not csrf_ok:
        return await _form(request, user, scenario_id, values=values, message=CSRF_MESSAGE, status=403)
    view = await reviews.reviews_view(user, scenario_id)
    rubric = view.get("rubric", [])
    scores: dict[str, object] = {}
    for i, criterion in enumerate(rubric):
        raw = values.get(f"score-{i}", "").strip()
        if raw:
            score = ascii_int(raw, 0, 2**31 - 1)
            scores[criterion["name"]] = score if score is not None else raw
    problems = score_problems(rubric, scores)
    comment = values.get("comment", "").strip()
    if not comment:
        problems["comment"] = "请填写评审意见"
    try:
        if problems:
            raise Invalid(problems)
        await reviews.submit_review(user, scenario_id, parse(ReviewIn, {"scores": scores, "comment": comment}))
    except (Invalid, Conflict) as exc:
        errors = dict(exc.fields) if isinstance(exc, Invalid) else {}
        return await _form(
            request, user, scenario_id, values=values, errors=errors, message=exc.message, status=exc.status
        )
    flash(request, "评审意见已提交，感谢！")
    return redirect("/workspace/reviews")


async def recuse(request: Request):
    user = await require_page(request, "workspace.reviewer")
    scenario_id = request.path_params["scenario_id"]
    values, csrf_ok = await read_form(request)
    values.pop("__lists__", None)
    if not csrf_ok:
        return await _form(request, user, scenario_id, values=values, message=CSRF_MESSAGE, status=403)
    try:
        await reviews.recuse(user, scenario_id, parse(RecusalIn, {"reason": values.get("recusal_reason", "")}).reason)
    except (Invalid, Conflict) as exc:
        errors = {"recusal_reason": exc.fields.get("reason", exc.message)}
        return await _form(
            request, user, scenario_id, values=values, errors=errors, message=exc.message, status=exc.status
        )
    flash(request, "已声明利益冲突并回避，运营人员会重新指派")
    return redirect("/workspace/reviews")
