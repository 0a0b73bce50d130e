"""Records shaped as JSON-ready dicts (what the API returns and templates read)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise.queryset import QuerySet

from lab.models import ApiToken, CapabilityProfile, Demand, Organisation, Proposal, User


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def organisation(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.id,
        "kind": org.kind.value,
        "name": org.name,
        "district": org.district,
        "credit_code": org.credit_code,
        "verified": org.verified,
    }


def user(u: User) -> dict[str, Any]:
    org = u.__dict__.get("_organisation")  # set only when the relation was fetched
    org = org if isinstance(org, Organisation) else None
    return {
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "role": u.role.value,
        "organisation_id": u.organisation_id,
        "organisation": org.name if org else None,
        "active": u.active,
        "created_at": _iso(u.created_at),
    }


def token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "label": t.label,
        "created_at": _iso(t.created_at),
        "last_used_at": _iso(t.last_used_at),
        "revoked": t.revoked_at is not None,
    }


def demand(d: Demand) -> dict[str, Any]:
    return {
        "id": d.id,
        "title": d.title,
        "description": d.description,
        "domain": d.domain,
        "district": d.district,
        "budget_wan": _num(d.budget_wan),
        "deadline": _iso(d.deadline),
        "data_conditions": d.data_conditions,
        "status": d.status.value,
        "organisation_id": d.organisation_id,
        "organisation": d.organisation.name,
        "version": d.version,
        "created_at": _iso(d.created_at),
        "updated_at": _iso(d.updated_at),
        "published_at": _iso(d.published_at),
        "questions_close_at": _iso(d.questions_close_at),
    }


def profile(p: CapabilityProfile) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "summary": p.summary,
        "domains": p.domains,
        "keywords": p.keywords,
        "cases": p.cases,
        "maturity": p.maturity,
        "attributes": p.attributes,
        "region": p.region,
        "status": p.status.value,
        "organisation_id": p.organisation_id,
        "organisation": p.organisation.name,
        "org_kind": p.organisation.kind.value,
        "version": p.version,
        "created_at": _iso(p.created_at),
        "updated_at": _iso(p.updated_at),
    }


def proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "demand_id": p.demand_id,
        "demand_title": p.demand.title,
        "organisation_id": p.organisation_id,
        "organisation": p.organisation.name,
        "profile_id": p.profile_id,
        "approach": p.approach,
        "cost_wan": _num(p.cost_wan),
        "duration_weeks": p.duration_weeks,
        "status": p.status.value,
        "version": p.version,
        "decision_reason": p.decision_reason or None,
        "created_at": _iso(p.created_at),
        "updated_at": _iso(p.updated_at),
    }


async def page(qs: QuerySet, limit: int, offset: int, present, order: str | None = None) -> dict[str, Any]:
    """One page of a query, ordered stably (the requested order, then id)."""
    total = await qs.count()
    ordering = [order] if order else []
    ordering.append("-id" if not order or order.startswith("-") else "id")
    rows = await qs.order_by(*ordering).offset(offset).limit(limit)
    return {"items": [present(r) for r in rows], "total": total, "limit": limit, "offset": offset}
