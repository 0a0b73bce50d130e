"""Matches, both directions, explained: capability profiles for a demand, published demands for a
profile, similar scenarios, and published demands that look like the same need as a draft.

This module is the orchestration around the pure ranking of ``ranking.py``: ``search_and_rank`` is
the production path (embed the query, hybrid search for candidates, rerank with domain agreement,
pseudo-relevance feedback through a second semantic search, rerank); each match carries a Chinese
explanation. A failing engine yields
``Matches(degraded=True)`` rather than an error: matches are an aid, the page or API still answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from matchmaking.composer import compose, document_text, stored_text
from matchmaking.explain import explain, explain_with_embedder, split_sentences
from matchmaking.ranking import (CANDIDATES, DEFAULT_PARAMS, Candidate, Ranked, RankerParams, candidates_from_hits,
                                 feedback_query, rerank)
from matchmaking.search import SearchQuery

log = logging.getLogger("matchmaking.matches")
# e5 cosines are compressed (unrelated demands of the demo score 0.88-0.92, a reworded one 0.94+):
# above this, two demands read as the same need.
DUPLICATE_MIN_SEMANTIC = 0.93
PUBLIC_SCENARIO_STAGES = ["listing", "promotion"]


@dataclass
class Matches:
    items: list[dict[str, Any]] = field(default_factory=list)
    degraded: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "degraded": self.degraded}


def hit_text(doc: dict[str, Any]) -> str:
    """The indexed text of a hit's document, composed as at indexing time."""
    return stored_text(doc)


async def rank_with_feedback(search, top_vectors, query_vector: np.ndarray, candidates: Sequence[Candidate],
                             query_domains: Iterable[str] = (), params: RankerParams = DEFAULT_PARAMS) -> list[Ranked]:
    """Rank, then (when ``params.feedback_docs``) feed the best back into the query vector and rank again.

    ``search(vector)`` must return ``{id: cosine}`` for the candidates (a semantic-only search with
    the same filters); ``top_vectors(candidates)`` returns the vectors of the given candidates (from
    the embedding cache, or by embedding their text). Both may be sync or async.
    """
    first = rerank(candidates, query_domains, params)
    if params.feedback_docs <= 0 or query_vector is None or len(first) < 2:
        return first
    best = [r.candidate for r in first[: params.feedback_docs]]
    vectors = await _maybe_await(top_vectors(best))
    moved = feedback_query(query_vector, vectors, params.feedback_weight)
    scores = await _maybe_await(search(moved))
    # a candidate the second search did not return is far from the moved query: unknown counts as lowest
    return rerank([replace(c, semantic=scores.get(c.id)) for c in candidates], query_domains, params)


async def _maybe_await(value):
    if hasattr(value, "__await__"):
        return await value
    return value


async def search_and_rank(backend, embedder, text: str, query_domains: Iterable[str] = (), *,
                          kind: str = "capability", filters: Mapping[str, Any] | None = None,
                          params: RankerParams = DEFAULT_PARAMS, vectors_for=None,
                          limit: int = CANDIDATES) -> list[Ranked]:
    """The production matching path: embed the query, fetch candidates (hybrid search), rerank with feedback.

    ``text`` is the query document's text (``composer.document_text`` of the demand or profile);
    ``query_domains`` its domains. ``vectors_for(candidates)`` may supply cached vectors of the
    feedback documents; by default their text is embedded again (a few passages per query).
    Each ``Ranked.candidate.payload`` is the search ``Hit``.
    """
    filters = dict(filters or {})
    query_vector = (await embedder.aencode_queries([text]))[0]
    result = await backend.search(SearchQuery(text=text, vector=query_vector, kind=kind, filters=filters, limit=limit))
    candidates = candidates_from_hits(result.hits)

    async def semantic(vector):
        again = await backend.search(SearchQuery(text="", vector=vector, kind=kind, filters=filters, limit=limit))
        return {h.id: h.semantic_score for h in again.hits if h.semantic_score is not None}

    async def top_vectors(best: Sequence[Candidate]):
        if vectors_for is not None:
            return await _maybe_await(vectors_for(best))
        return await embedder.aencode_passages([stored_text(c.payload.document) for c in best])

    return await rank_with_feedback(semantic, top_vectors, query_vector, candidates, query_domains, params)


async def _explained(service, ranked, query_text: str, query_domains: list[str], deep: bool) -> dict[str, Any]:
    doc = ranked.candidate.payload.document
    scores = {"score": ranked.score, **{k: v for k, v in ranked.components.items() if v is not None and v == v}}
    domains = list(doc.get("domains") or [])
    # the best sentence is one of the document's own (its description or summary), not a keyword line
    sentences = list(split_sentences(doc.get("body") or "")) or None
    if deep:  # picked by meaning: embeds those sentences
        why = await explain_with_embedder(service.embedder, query_text, hit_text(doc), query_domains=query_domains,
                                          document_domains=domains, scores=scores, sentences=sentences)
    else:
        why = explain(query_text, hit_text(doc), query_domains=query_domains, document_domains=domains,
                      scores=scores, sentences=sentences)
    extra = doc.get("extra") or {}
    return {
        "id": int(ranked.id), "kind": doc.get("kind"), "title": doc.get("title", ""),
        "organisation_id": int(doc["organisation_id"]) if doc.get("organisation_id") else None,
        "organisation": extra.get("organisation") or extra.get("lead_department") or "",
        "org_kind": doc.get("org_kind"), "domains": domains, "district": doc.get("district") or "",
        "score": round(float(ranked.score), 4),
        "explanation": why.as_dict(),
    }


async def _rank(service, text: str, domains: list[str], *, kind: str, filters: dict, limit: int,
                exclude_orgs: set[int], exclude_ids: set[int] = frozenset(), deep: bool = False) -> Matches:
    if service is None:
        return Matches(degraded=True)
    try:
        backend = await service.backend()
        ranked = await search_and_rank(backend, service.embedder, text, domains, kind=kind, filters=filters)
        kept = [r for r in ranked if int(r.id) not in exclude_ids
                and str(r.candidate.payload.document.get("organisation_id")) not in {str(o) for o in exclude_orgs}]
        return Matches([await _explained(service, r, text, domains, deep) for r in kept[:limit]])
    except Exception as exc:  # noqa: BLE001 - degrade, never fail the caller
        log.warning("matches degraded: %s", exc)
        return Matches(degraded=True)


async def for_demand(service, demand, *, limit: int = 10, domain: str | None = None, org_kind: str | None = None,
                     exclude_orgs: set[int] = frozenset(), deep: bool = False) -> Matches:
    """Published capability profiles that answer ``demand``, best first (never its own organisation's)."""
    from matchmaking.indexing import demand_document

    filters: dict[str, list] = {"status": ["published"]}
    if domain:
        filters["domains"] = [domain]
    if org_kind:
        filters["org_kind"] = [org_kind]
    return await _rank(service, document_text(demand_document(demand)), [demand.domain], kind="capability",
                       filters=filters, limit=limit, exclude_orgs={demand.organisation_id, *exclude_orgs}, deep=deep)


async def for_profile(service, profile, *, limit: int = 10, domain: str | None = None, district: str | None = None,
                      exclude_orgs: set[int] = frozenset(), deep: bool = False) -> Matches:
    """Published demands that ``profile`` could answer, best first (never its own organisation's)."""
    from matchmaking.indexing import capability_document

    filters: dict[str, list] = {"status": ["published"]}
    if domain:
        filters["domains"] = [domain]
    if district:
        filters["district"] = [district]
    return await _rank(service, document_text(capability_document(profile)), list(profile.domains), kind="demand",
                       filters=filters, limit=limit, exclude_orgs={profile.organisation_id, *exclude_orgs}, deep=deep)


async def similar_scenarios(service, scenario_id: int, title: str, summary: str, domain: str | None, *,
                            limit: int = 6) -> Matches:
    """Publicly listed scenarios (and cases of other cities) most like this one."""
    text = compose(title, summary, [domain] if domain else [])
    return await _rank(service, text, [domain] if domain else [], kind="scenario",
                       filters={"status": PUBLIC_SCENARIO_STAGES}, limit=limit, exclude_orgs=set(),
                       exclude_ids={scenario_id})


async def look_alike_demands(service, title: str, description: str = "", domain: str = "", *,
                             exclude_id: int | None = None, limit: int = 5) -> Matches:
    """Published demands that read like the same need as this draft, by meaning."""
    text = compose(title, description, [domain] if domain else [])
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
    items = [{"id": int(h.id), "title": h.document.get("title", ""),
              "organisation": (h.document.get("extra") or {}).get("organisation", ""),
              "district": h.document.get("district") or "", "similarity": round(float(h.semantic_score), 4)}
             for h in result.hits
             if h.semantic_score is not None and h.semantic_score >= DUPLICATE_MIN_SEMANTIC
             and h.id != str(exclude_id)]
    return Matches(items[:limit])
