"""Matches shown on workspace pages, through matchmaking's production path (hybrid search, rerank
with feedback, explanation in Chinese): capability profiles for a demand, published demands for a
profile, and look-alike published demands for a draft. Search trouble degrades to an empty list
with a flag, never an error page."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from lab.models import CapabilityProfile, Demand
from matchmaking.explain import SCORE_LABELS, explain
from matchmaking.hybrid import search_and_rank
from matchmaking.indexing import capability_document, demand_document, document_text
from matchmaking.search import SearchDocument, SearchQuery

log = logging.getLogger("showcase.matching")
# e5 cosines are compressed (unrelated demands of the demo score 0.88–0.92; a reworded one 0.94):
# above this, two demands read as the same need.
DUPLICATE_MIN_SEMANTIC = 0.93


@dataclass
class Matches:
    items: list[dict[str, Any]] = field(default_factory=list)
    degraded: bool = False


def _shape(ranked, query_text: str, query_domains: list[str], href: str) -> dict[str, Any]:
    doc = ranked.candidate.payload.document
    scores = {"score": ranked.score, "semantic": ranked.components.get("semantic"),
              "lexical": ranked.components.get("lexical")}
    why = explain(query_text, _text(doc), query_domains=query_domains, document_domains=doc.get("domains") or [],
                  scores={k: v for k, v in scores.items() if v is not None and v == v})
    extra = doc.get("extra") or {}
    return {
        "id": int(ranked.id), "href": href.format(id=ranked.id), "title": doc.get("title", ""),
        "organisation": extra.get("organisation", ""), "domains": doc.get("domains") or [],
        "district": doc.get("district") or "", "terms": [t for t, _ in why.shared_terms[:6]],
        "shared_domains": why.shared_domains, "sentence": why.best_sentence, "text": why.text,
        "score": round(ranked.score, 2),
        "score_line": " · ".join(f"{SCORE_LABELS.get(k, k)} {v:.2f}" for k, v in why.scores.items()),
    }


def _text(doc: dict[str, Any]) -> str:
    return document_text(SearchDocument(id=str(doc.get("id", "")), kind=doc.get("kind") or "capability",
                                        title=doc.get("title") or "", body=doc.get("body") or "",
                                        keywords=list(doc.get("keywords") or []),
                                        domains=list(doc.get("domains") or [])))


async def _rank(request: Request, text: str, domains: list[str], *, kind: str, filters: dict, limit: int,
                href: str, skip_org: int | None = None) -> Matches:
    service = getattr(request.app.state, "search", None)
    if service is None:
        return Matches(degraded=True)
    try:
        backend = await service.backend()
        ranked = await search_and_rank(backend, service.embedder, text, domains, kind=kind, filters=filters)
    except Exception as exc:  # noqa: BLE001 - matches are an aid: the page still works without them
        log.warning("matches degraded: %s", exc)
        return Matches(degraded=True)
    kept = [r for r in ranked
            if skip_org is None or str(r.candidate.payload.document.get("organisation_id")) != str(skip_org)]
    return Matches([_shape(r, text, domains, href) for r in kept[:limit]])


async def for_demand(request: Request, demand: Demand, limit: int = 6) -> Matches:
    """Published capability profiles that answer this demand, best first, explained."""
    text = document_text(demand_document(demand))
    return await _rank(request, text, [demand.domain], kind="capability", filters={"status": ["published"]},
                       limit=limit, href="/capabilities/{id}", skip_org=demand.organisation_id)


async def for_profile(request: Request, profile: CapabilityProfile, limit: int = 8) -> Matches:
    """Published demands this profile could answer (never its own organisation's), explained."""
    text = document_text(capability_document(profile))
    return await _rank(request, text, list(profile.domains), kind="demand", filters={"status": ["published"]},
                       limit=limit, href="/demands/{id}", skip_org=profile.organisation_id)


async def look_alikes(request: Request, title: str, description: str, domain: str, *,
                      exclude_id: int | None = None, limit: int = 3) -> Matches:
    """Published demands that read like the same need as this draft (semantic similarity)."""
    service = getattr(request.app.state, "search", None)
    text = "\n".join(p for p in (title, description, domain) if p)
    if service is None or len(text.strip()) < 4:
        return Matches(degraded=service is None)
    try:
        backend = await service.backend()
        vector = (await service.embedder.aencode_queries([text]))[0]
        result = await backend.search(SearchQuery(text="", vector=vector, kind="demand",
                                                  filters={"status": ["published"]}, limit=limit + 1))
    except Exception as exc:  # noqa: BLE001
        log.warning("duplicate check degraded: %s", exc)
        return Matches(degraded=True)
    items = [{"id": int(h.id), "href": f"/demands/{h.id}", "title": h.document.get("title", ""),
              "organisation": (h.document.get("extra") or {}).get("organisation", ""),
              "similarity": round(h.semantic_score, 2)}
             for h in result.hits
             if h.semantic_score is not None and h.semantic_score >= DUPLICATE_MIN_SEMANTIC
             and h.id != str(exclude_id)]
    return Matches(items[:limit])
