"""The marketplace conversation on pages: public Q&A on the demand page (ask, answer, hide), follow
buttons, 我的订阅 (saved searches, follows, alert settings), saving a search, and the signed-out
one-click unsubscribe page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from lab import questions, subscriptions, unsubscribe
from lab.auth import current_user
from lab.conversation_models import Follow, Frequency
from lab.conversation_schemas import SavedSearchIn
from lab.errors import Conflict, Invalid, NotFound
from lab.models import Demand, User
from lab.permissions import can
from lab.proposals import get_proposal
from lab.validation import parse
from showcase.responses import flash, redirect, render, require_csrf, require_page

FREQUENCY_LABELS = {"instant": "即时提醒", "daily": "每日汇总", "weekly": "每周汇总"}
KIND_LABELS = {"demand": "需求", "capability": "能力", "scenario": "场景", None: "全部"}
FILTER_LABELS = {"domain": "领域", "district": "区（市）县", "org_kind": "单位类型"}
SEARCH_FIELDS = ("q", "kind", "domain", "district", "org_kind")


def _message(exc: Invalid | Conflict | NotFound) -> str:
    detail = "；".join(exc.fields.values()) if isinstance(exc, Invalid) and exc.fields else ""
    return exc.message + (f"：{detail}" if detail else "")


async def qa_context(user: User | None, demand: Demand) -> dict[str, Any]:
    """What the demand page shows of its Q&A and which forms it offers to this user."""
    rows = await questions.list_questions(user, demand.id)
    items = []
    for q in rows:
        data = questions.present(user, q)
        data["may_answer"] = can(user, "question.answer", q)
        data["may_hide"] = q.status.value != "hidden" and can(user, "question.hide", q)
        items.append(data)
    close = demand.questions_close_at
    following = user is not None and await Follow.exists(user_id=user.id, object_kind="demand", object_id=demand.id)
    return {
        "items": items,
        "may_ask": user is not None and can(user, "demand.ask", demand),
        "closes": close.astimezone().strftime("%Y-%m-%d %H:%M") if close else None,
        "following": following,
        "signed_in": user is not None,
    }


async def ask(request: Request):
    user = await require_page(request)
    values = await require_csrf(request)
    demand_id = request.path_params["demand_id"]
    try:
        await questions.ask(user, demand_id, values.get("text", "")[:2000])
    except (Invalid, Conflict) as exc:
        flash(request, _message(exc), "error")
    else:
        flash(request, "问题已提交，需求部门答复后将公开显示（不显示提问单位）")
    return redirect(f"/demands/{demand_id}#qa")


async def answer(request: Request):
    user = await require_page(request)
    values = await require_csrf(request)
    question = await questions.get_question(user, request.path_params["question_id"])
    try:
        await questions.answer(user, question.id, values.get("answer", "")[:5000])
    except (Invalid, Conflict) as exc:
        flash(request, _message(exc), "error")
    else:
        flash(request, "答复已公开")
    return redirect(f"/demands/{question.demand_id}#qa")


async def hide(request: Request):
    user = await require_page(request)
    values = await require_csrf(request)
    question = await questions.get_question(user, request.path_params["question_id"])
    try:
        await questions.hide(user, question.id, values.get("reason", "")[:2000])
    except (Invalid, Conflict) as exc:
        flash(request, _message(exc), "error")
    else:
        flash(request, "问题已隐藏，提问方会收到理由")
    return redirect(f"/demands/{question.demand_id}#qa")


def _back(values: dict, fallback: str) -> str:
    target = values.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else fallback


async def follow(request: Request):
    user = await require_page(request)
    values = await require_csrf(request)
    back = _back(values, "/workspace/subscriptions")
    try:
        if values.get("unfollow"):
            await subscriptions.unfollow(user, text=values.get("object", ""))
            flash(request, "已取消关注")
        else:
            await subscriptions.follow(user, values.get("object", ""))
            flash(request, "已关注，有更新时会在消息中提醒您")
    except (Invalid, Conflict, NotFound) as exc:
        flash(request, _message(exc), "error")
    return redirect(back)


async def save_search(request: Request):
    """The "保存此搜索" button on search and reserve-list results."""
    user = await require_page(request)
    values = await require_csrf(request)
    filters = {k: values[k] for k in ("domain", "district", "org_kind") if values.get(k)}
    data = {
        "q": values.get("q", "")[:200],
        "kind": values.get("kind") or None,
        "filters": filters,
        "frequency": values.get("frequency") or "instant",
    }
    try:
        await subscriptions.save_search(user, parse(SavedSearchIn, data))
    except Invalid as exc:
        flash(request, _message(exc), "error")
        query = urlencode({k: v for k, v in values.items() if k in SEARCH_FIELDS and isinstance(v, str) and v})
        return redirect(_back(values, "/search?" + query))
    flash(request, "已保存此搜索，有符合的新内容时会提醒您")
    return redirect("/workspace/subscriptions")


def _search_row(s) -> dict[str, Any]:
    filters = "，".join(f"{FILTER_LABELS.get(k, k)}：{v}" for k, v in (s.filters or {}).items())
    query = {"q": s.q, **({"kind": s.kind} if s.kind else {}), **(s.filters or {})}
    return {
        "id": s.id,
        "q": s.q or "（不限关键词）",
        "kind": KIND_LABELS.get(s.kind, s.kind),
        "filters": filters,
        "frequency": FREQUENCY_LABELS[s.frequency.value],
        "href": "/search?" + urlencode(query),
    }


async def my_subscriptions(request: Request):
    user = await require_page(request)
    searches = [_search_row(s) for s in await subscriptions.saved_searches(user)]
    follows = [await subscriptions.present_follow(user, f) for f in await subscriptions.follows(user)]
    for f in follows:
        kind, _, ident = f["object"].partition(":")
        f["kind"] = {"demand": "需求", "scenario": "场景", "organisation": "单位"}[kind]
        f["href"] = {"demand": f"/demands/{ident}", "scenario": f"/scenarios/{ident}"}.get(kind)
    fresh = await User.get(id=user.id)
    return await render(
        request,
        "showcase/workspace/subscriptions.html",
        {
            "searches": searches,
            "follows": follows,
            "fit_alerts": fresh.fit_alerts,
            "digest_mail": fresh.digest_mail,
            "is_supplier": user.role.value == "supplier_member",
            "frequencies": [(f.value, FREQUENCY_LABELS[f.value]) for f in Frequency],
        },
    )


async def delete_search(request: Request):
    user = await require_page(request)
    await require_csrf(request)
    await subscriptions.delete_saved_search(user, request.path_params["search_id"])
    flash(request, "已删除该保存的搜索")
    return redirect("/workspace/subscriptions")


async def delete_follow(request: Request):
    user = await require_page(request)
    await require_csrf(request)
    await subscriptions.unfollow(user, follow_id=request.path_params["follow_id"])
    flash(request, "已取消关注")
    return redirect("/workspace/subscriptions")


async def alert_settings(request: Request):
    user = await require_page(request)
    values = await require_csrf(request)
    await subscriptions.set_fit_alerts(user, values.get("fit_alerts") == "on")
    await User.filter(id=user.id).update(digest_mail=values.get("digest_mail") == "on")
    flash(request, "提醒设置已保存")
    return redirect("/workspace/subscriptions")


async def unsubscribe_page(request: Request):
    """One click from a mail (GET from the link, POST from a mail client's one-click button): works
    signed out, because the link itself is signed."""
    settings = request.app.state.settings
    user = await unsubscribe.unsubscribe(settings, request.path_params["token"])
    signed_in = await current_user(request)
    return await render(
        request,
        "showcase/unsubscribed.html",
        {"email": user.email if signed_in is not None and signed_in.id == user.id else None},
    )


async def open_proposal(request: Request):
    """Where a proposal notification leads: the department's demand desk, or the supplier's list."""
    user = await require_page(request)
    proposal = await get_proposal(user, request.path_params["proposal_id"])
    if user.organisation_id == proposal.organisation_id:
        return redirect("/workspace/proposals")
    return redirect(f"/workspace/demands/{proposal.demand_id}")
