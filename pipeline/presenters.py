"""Scenarios and editions shaped as JSON-ready dicts (what the API returns and templates read).

Expects ``lead_department`` and ``edition`` selected and ``partners`` prefetched (see
``pipeline.queries.scenario_queryset``). Nothing here names a reviewer."""

from __future__ import annotations

from typing import Any

from tortoise.models import Model

from pipeline.models import Edition, FeaturedEntry, Scenario
from pipeline.stages import LABELS, Rule, Stage

ORIGIN_LABELS = {"lab": "实验室场景", "external": "全国优秀案例"}
EDITION_STATUS_LABELS = {"open": "征集中", "closed": "已截止", "published": "已发布"}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def fetched(obj: Model, name: str) -> Model | None:
    """A foreign-key object when it was selected with the record, else None (never a query)."""
    value = getattr(obj, name, None)
    return value if isinstance(value, Model) else None


def partner_names(s: Scenario) -> list[str]:
    names = [org.name for org in s.partners] if getattr(s.partners, "_fetched", False) else []
    return names + [n for n in s.partner_names if n not in names]


def scenario(s: Scenario) -> dict[str, Any]:
    lead = fetched(s, "lead_department")
    return {
        "id": s.id,
        "code": s.code,
        "title": s.title,
        "summary": s.summary,
        "domain": s.domain,
        "district": s.district,
        "origin": s.origin.value,
        "origin_label": ORIGIN_LABELS[s.origin.value],
        "city": s.city,
        "source_note": s.source_note,
        "year": s.year,
        "tags": list(s.tags),
        "investment_wan": None if s.investment_wan is None else float(s.investment_wan),
        "stage": s.stage.value,
        "stage_label": LABELS[s.stage],
        "lead_department_id": s.lead_department_id,
        "lead_department": lead.name if lead else None,
        "partners": partner_names(s),
        "edition_id": s.edition_id,
        "demand_id": s.demand_id,
        "version": s.version,
        "entered_stage_at": _iso(s.entered_stage_at),
        "created_at": _iso(s.created_at),
        "updated_at": _iso(s.updated_at),
    }


def moves(items: list[tuple[Stage, Rule]]) -> list[dict[str, Any]]:
    return [
        {"to": to.value, "label": LABELS[to], "action": rule.action, "needs_reason": rule.needs_reason}
        for to, rule in items
    ]


def edition(e: Edition, listed: int | None = None, featured: int | None = None) -> dict[str, Any]:
    data = {
        "id": e.id,
        "name": e.name,
        "year": e.year,
        "status": e.status.value,
        "status_label": EDITION_STATUS_LABELS[e.status.value],
        "capacity": e.capacity,
        "featured_capacity": e.featured_capacity,
        "min_reviews": e.min_reviews,
        "pass_threshold": e.pass_threshold,
        "rubric": list(e.rubric),
        "version": e.version,
        "created_at": _iso(e.created_at),
        "updated_at": _iso(e.updated_at),
    }
    if listed is not None:
        data.update(listed=listed, room=max(e.capacity - listed, 0))
    if featured is not None:
        data["featured"] = featured
    return data


def featured_entry(f: FeaturedEntry) -> dict[str, Any]:
    return {
        "rank": f.rank,
        "edition_id": f.edition_id,
        "highlight": f.highlight,
        "metrics": dict(f.metrics),
        "scenario": scenario(f.scenario),
    }


def history_item(r, full: bool) -> dict[str, Any]:
    """One lifecycle audit record; ``full`` adds the actor and reason (parties and operators)."""
    before, after = r.before.get("stage"), r.after.get("stage")
    data = {
        "action": r.action,
        "from": before,
        "to": after,
        "from_label": LABELS[Stage(before)] if before else None,
        "to_label": LABELS[Stage(after)] if after else None,
        "at": _iso(r.at),
    }
    if full:
        actor = fetched(r, "actor")
        data.update(reason=r.reason, actor=actor.display_name if actor else None)
    return data
