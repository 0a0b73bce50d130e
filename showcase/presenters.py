"""Records shaped for templates: labels in Chinese, money and dates formatted, badge classes chosen,
so that templates only print fields."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from lab.domains import ORG_KINDS
from lab.models import CapabilityProfile, Demand, Proposal

DEMAND_STATUS = {
    "draft": ("草稿", "warn"),
    "published": ("已发布", "ok"),
    "closed": ("已关闭", ""),
    "withdrawn": ("已撤回", "error"),
}
PROFILE_STATUS = {"draft": ("草稿", "warn"), "published": ("已发布", "ok"), "archived": ("已归档", "")}
PROPOSAL_STATUS = {
    "submitted": ("已提交", ""),
    "shortlisted": ("已入围", "warn"),
    "accepted": ("已采纳", "ok"),
    "declined": ("未采纳", "error"),
    "withdrawn": ("已撤回", "error"),
}


def money(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    number = float(value)
    return f"{number:,.0f} 万元" if number.is_integer() else f"{number:,.2f} 万元"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def excerpt(text: str, length: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def status(mapping: dict, value: Any) -> dict:
    key = getattr(value, "value", value)
    label, kind = mapping.get(key, (str(key), ""))
    return {"key": key, "label": label, "kind": kind}


def demand_row(d: Demand, proposals: int | None = None) -> dict:
    return {
        "id": d.id,
        "title": d.title,
        "excerpt": excerpt(d.description),
        "domain": d.domain,
        "district": d.district or "—",
        "budget": money(d.budget_wan),
        "deadline": day(d.deadline),
        "status": status(DEMAND_STATUS, d.status),
        "organisation": d.organisation.name,
        "updated": day(d.updated_at),
        "published": day(d.published_at),
        "proposals": proposals,
        "href": f"/demands/{d.id}",
        "version": d.version,
    }


def demand_form_values(d: Demand) -> dict[str, str]:
    """A demand as the strings its edit form shows."""
    return {
        "title": d.title,
        "description": d.description,
        "domain": d.domain,
        "district": d.district,
        "budget_wan": "" if d.budget_wan is None else f"{d.budget_wan.normalize():f}",
        "deadline": d.deadline.isoformat() if d.deadline else "",
        "data_conditions": d.data_conditions,
        "questions_close_at": _beijing_minutes(d.questions_close_at),
        "version": str(d.version),
    }


def _beijing_minutes(when) -> str:
    """A moment as the value of an <input type="datetime-local"> in Beijing time."""
    if when is None:
        return ""
    return when.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")


def profile_row(p: CapabilityProfile) -> dict:
    return {
        "id": p.id,
        "title": p.title,
        "excerpt": excerpt(p.summary, 120),
        "domains": p.domains,
        "keywords": p.keywords[:8],
        "maturity": p.maturity,
        "region": p.region or "—",
        "status": status(PROFILE_STATUS, p.status),
        "organisation": p.organisation.name,
        "org_kind": ORG_KINDS.get(p.organisation.kind.value, ""),
        "version": p.version,
    }


def proposal_row(p: Proposal) -> dict:
    return {
        "id": p.id,
        "demand_id": p.demand_id,
        "demand_title": p.demand.title,
        "organisation": p.organisation.name,
        "approach": p.approach,
        "cost": money(p.cost_wan),
        "weeks": p.duration_weeks,
        "status": status(PROPOSAL_STATUS, p.status),
        "version": p.version,
        "submitted": day(p.created_at),
        "open": p.status.value in ("submitted", "shortlisted"),
        "can_shortlist": p.status.value == "submitted",
        "accepted": p.status.value == "accepted",
        "reason": p.decision_reason,
    }
