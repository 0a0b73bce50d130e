"""Scenario data from the pipeline's queries shaped for pages: cards, facts, the stage timeline,
the public review outcome, the pipeline board and the national cases grouped by city."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.stages import FORWARD, LABELS
from showcase.presenters import excerpt, money

STAGE_TAGS = {"listing": "ok", "promotion": "ok", "rejected": "error", "withdrawn": "error"}


def scenario_card(
    s: dict[str, Any], *, rank: int | None = None, metrics: dict | None = None, highlight: str = ""
) -> dict[str, Any]:
    """A scenario dict from ``pipeline.presenters.scenario`` as a card."""
    return {
        "id": s["id"],
        "href": f"/scenarios/{s['id']}",
        "title": s["title"],
        "code": s.get("code") or "",
        "excerpt": excerpt(highlight or s.get("summary", ""), 110),
        "domain": s["domain"],
        "district": s.get("district") or s.get("city") or "",
        "year": s.get("year") or "",
        "lead": s.get("lead_department") or "",
        "partners": s.get("partners") or [],
        "stage": s["stage"],
        "stage_label": s["stage_label"],
        "stage_tag": STAGE_TAGS.get(s["stage"], ""),
        "investment": money(s.get("investment_wan")),
        "tags": s.get("tags") or [],
        "rank": rank,
        "metrics": [{"name": k, "value": v} for k, v in (metrics or {}).items()],
        "city": s.get("city", ""),
        "origin": s.get("origin", "lab"),
        "source_note": s.get("source_note", ""),
    }


def featured_cards(featured: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        scenario_card(item["scenario"], rank=item["rank"], metrics=item["metrics"], highlight=item["highlight"])
        for item in featured.get("items", [])
    ]


def _day(iso: str | None) -> str:
    return iso[:10] if iso else ""


EXIT_LABELS = {"rejected": "在此阶段不予通过", "withdrawn": "在此阶段撤回"}


def timeline(stage: str, history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The six forward stages, each marked done/current/todo with the date it was (last) entered.
    A rejected or withdrawn scenario shows the stages it passed as done and the stage it left from
    as ``exit`` (with why), not every stage as not started."""
    entered: dict[str, str] = {}
    last_forward = ""
    for item in history:
        if item.get("to"):
            entered[item["to"]] = _day(item.get("at"))
        if item.get("to") in {s.value for s in FORWARD}:
            last_forward = item["to"]
        elif item.get("to") in EXIT_LABELS and item.get("from"):
            last_forward = item["from"]
    if history and history[0].get("action") == "scenario.create":
        entered.setdefault(FORWARD[0].value, _day(history[0].get("at")))
    order = [s.value for s in FORWARD]
    exited = stage in EXIT_LABELS
    if exited:
        position = order.index(last_forward) if last_forward in order else 0
    else:
        position = order.index(stage) if stage in order else -1
    steps = []
    for i, name in enumerate(order):
        if position == i and exited:
            state, note = "exit", EXIT_LABELS[stage]
        else:
            state = "done" if position > i else "current" if position == i else "todo"
            note = {"done": "已完成", "current": "当前阶段", "todo": "未开始"}[state]
        steps.append(
            {
                "label": LABELS[FORWARD[i]],
                "state": state,
                "note": note,
                "date": entered.get(name, "") if state != "todo" else "",
            }
        )
    return steps


def history_rows(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    actions = {
        "scenario.create": "创建",
        "scenario.advance": "推进",
        "scenario.return": "退回",
        "scenario.reject": "不予通过",
        "scenario.withdraw": "撤回",
    }
    return [
        {
            "when": (h.get("at") or "")[:16].replace("T", " "),
            "action": actions.get(h["action"], h["action"]),
            "from": h.get("from_label") or "",
            "to": h.get("to_label") or "",
            "reason": h.get("reason") or "",
            "actor": h.get("actor") or "",
        }
        for h in history
    ]


def review_outcome(aggregate: dict[str, Any], *, with_comments: bool) -> dict[str, Any] | None:
    """Aggregate scores (never who gave them); comments only for the scenario's parties."""
    if not aggregate or not aggregate.get("count"):
        return None
    return {
        "count": aggregate["count"],
        "mean": aggregate["weighted_mean"],
        "criteria": [{"name": c["name"], "weight": c["weight"], "mean": c["mean"]} for c in aggregate["criteria"]],
        "comments": aggregate.get("comments", []) if with_comments else [],
    }


def cases_by_city(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        groups.setdefault(case.get("city") or "其他", []).append(scenario_card(case))
    return [
        {"city": city, "cases": items} for city, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def days_since(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    return round((now - datetime.fromisoformat(iso)).total_seconds() / 86400, 1)
