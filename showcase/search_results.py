"""Asking the search service from pages: public filters only, odd input tolerated, degraded flagged,
hits shaped for templates (highlights arrive escaped from the engine, so they are marked safe)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from starlette.requests import Request

from lab.permissions import PUBLIC_STATUSES, public_statuses

log = logging.getLogger("showcase.search")

KIND_LABELS = {"demand": "需求", "capability": "能力", "scenario": "场景"}


@dataclass
class Found:
    hits: list[dict] = field(default_factory=list)
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    degraded: bool = False


def href_of(kind: str, doc_id: str) -> str:
    return {
        "demand": f"/demands/{doc_id}",
        "capability": f"/capabilities/{doc_id}",
        "scenario": f"/scenarios/{doc_id}",
    }.get(kind, "#")


def _hit(hit) -> dict:
    doc = hit.document
    title = hit.highlights.get("title")
    body = hit.highlights.get("body")
    return {
        "id": hit.id,
        "kind": hit.kind,
        "kind_label": KIND_LABELS.get(hit.kind, hit.kind),
        "title": Markup(title) if title else escape(doc.get("title", "")),
        "snippet": Markup(body) if body else escape((doc.get("body") or "")[:140]),
        "domains": doc.get("domains") or [],
        "district": doc.get("district") or "",
        "year": doc.get("year"),
        "href": href_of(hit.kind, hit.id),
        "score": round(hit.score, 3),
    }


async def public_search(
    request: Request,
    text: str,
    *,
    kind: str | None = None,
    filters: dict | None = None,
    facets: list[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    sort: list[str] | None = None,
    semantic_ratio: float = 0.5,
) -> Found:
    """Public items only. Without a search service, or on a refused query, an empty degraded answer."""
    service = getattr(request.app.state, "search", None)
    if service is None:
        return Found(degraded=True)
    wanted = dict(filters or {})
    wanted["status"] = public_statuses(kind) if kind else public_statuses()
    try:
        result = await service.search(
            text,
            kind=kind,
            filters=wanted,
            facets=facets or [],
            limit=limit,
            offset=offset,
            sort=sort or [],
            semantic_ratio=semantic_ratio,
        )
    except Exception as exc:  # noqa: BLE001 - a page must still render; say search is degraded
        log.warning("page search failed: %s", exc)
        if kind is None:  # the fallback may not take statuses of other kinds: ask kind by kind
            return await _kind_by_kind(request, text, filters, facets, limit, offset, sort, semantic_ratio)
        return Found(degraded=True)
    return Found([_hit(h) for h in result.hits], result.total, result.facets, result.degraded)


async def _kind_by_kind(
    request: Request, text: str, filters, facets, limit: int, offset: int, sort, semantic_ratio: float
) -> Found:
    merged = Found(degraded=True)
    for kind in PUBLIC_STATUSES:
        part = await public_search(
            request,
            text,
            kind=kind,
            filters=filters,
            facets=facets,
            limit=offset + limit,
            offset=0,
            sort=sort,
            semantic_ratio=semantic_ratio,
        )
        merged.hits.extend(part.hits)
        merged.total += part.total
        for name, counts in part.facets.items():
            target = merged.facets.setdefault(name, {})
            for value, n in counts.items():
                target[value] = target.get(value, 0) + n
    merged.hits = merged.hits[offset : offset + limit]
    return merged
