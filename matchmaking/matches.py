"""Matches, both directions, explained: capability profiles for a demand, published demands for a
profile, similar scenarios, and published demands that look like the same need as a draft.

This module is the orchestration around the pure ranking of ``ranking.py``: ``search_and_rank`` is
the production path (the stored query vector, one hybrid search for candidates that hands back
each candidate's stored vector, rerank with domain agreement, pseudo-relevance feedback as one
product of the moved query with those vectors, rerank); each match carries a Chinese
explanation. A failing engine yields
``Matches(degraded=True)`` rather than an error: matches are an aid, the page or API still answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lab.permissions import OPEN_DEMAND_STATUSES, PUBLIC_STATUSES
from matchmaking.calibration import SHIPPED, strength_fields
from matchmaking.composer import compose, query_text, stored_text
from matchmaking.coverage import coverage_level, need_scores, propose_teams, split_needs
from matchmaking.duplicates import duplicate_flags
from matchmaking.explain import explain
from matchmaking.hubness import PopulationMemo
from matchmaking.ranking import (
    CANDIDATES,
    DEFAULT_PARAMS,
    Candidate,
    Ranked,
    RankerParams,
    RankedList,
    candidates_from_hits,
    feedback_query,
    rerank,
)
from matchmaking.relevance import clears
from matchmaking.search import SearchQuery
from matchmaking.vector_cache import StoredVectors, body_sentences, query_key, stored

log = logging.getLogger("matchmaking.matches")
# e5 cosines are compressed (unrelated demands of the demo score 0.88-0.92, a reworded one 0.94+):
# above this, two demands read as the same need.
DUPLICATE_MIN_SEMANTIC = 0.93
PUBLIC_SCENARIO_STAGES = list(PUBLIC_STATUSES["scenario"])


@dataclass
class Matches:
    items: list[dict[str, Any]] = field(default_factory=list)
    degraded: bool = False
    pending: bool = False  # the item asking is not embedded yet: no matches until the worker has run
    needs: list[str] = field(default_factory=list)  # a demand's needs, when coverage was computed
    teams: list[dict[str, Any]] = field(default_factory=list)  # 联合体 proposals (coverage.propose_teams)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"items": self.items, "degraded": self.degraded, "pending": self.pending}
        if self.needs:
            out["needs"] = self.needs
            out["teams"] = self.teams
        return out


def hit_text(doc: dict[str, Any]) -> str:
    """The indexed text of a hit's document, composed as at indexing time."""
    return stored_text(doc)


async def rank_with_feedback(
    search,
    top_vectors,
    query_vector: np.ndarray,
    candidates: Sequence[Candidate],
    query_domains: Iterable[str] = (),
    params: RankerParams = DEFAULT_PARAMS,
) -> RankedList:
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
    return rerank(candidates, query_domains, params, semantic=[scores.get(c.id) for c in candidates])


async def _maybe_await(value):
    if hasattr(value, "__await__"):
        return await value
    return value


async def search_and_rank(
    backend,
    embedder,
    text: str,
    query_domains: Iterable[str] = (),
    *,
    kind: str = "capability",
    filters: Mapping[str, Any] | None = None,
    params: RankerParams = DEFAULT_PARAMS,
    vectors_for=None,
    limit: int = CANDIDATES,
    query_vector: np.ndarray | None = None,
    hub_for=None,
) -> RankedList:
    """The production matching path: embed the query, fetch candidates (hybrid search), rerank with feedback.

    ``text`` is the query document's text (``composer.document_text`` of the demand or profile);
    ``query_domains`` its domains. ``query_vector`` is its stored query vector (embedded here when
    not given). Candidates come with their stored vectors (``with_vectors``); where a backend gives
    none, ``vectors_for(candidates)`` may supply cached vectors of the feedback documents (else their
    text is embedded again) and the moved query runs as a second semantic search.
    ``hub_for(candidates, generation=)`` may return ``{id: hub penalty}`` (``hubness.py``; the
    generation is the index state the candidates came from); candidates without one get no correction.
    Each ``Ranked.candidate.payload`` is the search ``Hit``.
    """
    filters = dict(filters or {})
    if query_vector is None:
        query_vector = (await embedder.aencode_queries([text]))[0]
    result = await backend.search(
        SearchQuery(
            text=text,
            vector=query_vector,
            kind=kind,
            filters=filters,
            limit=limit,
            highlight=False,
            with_vectors=True,
        )
    )
    candidates = candidates_from_hits(result.hits)
    held = {c.id: c.payload.vector for c in candidates if getattr(c.payload, "vector", None) is not None}
    if hub_for is not None and candidates and params.hub_weight:
        penalties = await _maybe_await(hub_for(candidates, generation=result.generation))
        candidates = [
            Candidate(
                id=c.id,
                lexical=c.lexical,
                semantic=c.semantic,
                domains=c.domains,
                payload=c.payload,
                hub=penalties.get(c.id),
            )
            for c in candidates
        ]

    async def semantic(vector):
        if candidates and len(held) == len(candidates):
            # every candidate came with its stored vector: the moved query's cosines are one product
            # (the same numbers a second semantic search over these candidates would give)
            ids = [c.id for c in candidates]
            return dict(zip(ids, (np.array([held[i] for i in ids]) @ vector).tolist()))
        again = await backend.search(
            SearchQuery(text="", vector=vector, kind=kind, filters=filters, limit=limit, highlight=False)
        )
        return {h.id: h.semantic_score for h in again.hits if h.semantic_score is not None}

    async def top_vectors(best: Sequence[Candidate]):
        if all(c.id in held for c in best):
            return np.vstack([held[c.id] for c in best])
        if vectors_for is not None:
            return await _maybe_await(vectors_for(best))
        return await embedder.aencode_passages([stored_text(c.payload.document) for c in best])

    return await rank_with_feedback(semantic, top_vectors, query_vector, candidates, query_domains, params)


def _explained(
    ranked,
    query_text: str,
    query_domains: list[str],
    query_vector: np.ndarray | None,
    sentence_vectors: Mapping[str, np.ndarray] | None,
) -> dict[str, Any]:
    doc = ranked.candidate.payload.document
    scores = {"score": ranked.score, **{k: v for k, v in ranked.components.items() if v is not None and v == v}}
    domains = list(doc.get("domains") or [])
    # the best sentence is one of the document's own (its description or summary), not a keyword line
    sentences = body_sentences(doc.get("body") or "") or None
    vectors = None
    if sentence_vectors is not None and sentences and all(s in sentence_vectors for s in sentences):
        vectors = np.vstack([sentence_vectors[s] for s in sentences])  # picked by meaning (stored vectors)
    why = explain(
        query_text,
        hit_text(doc),
        query_domains=query_domains,
        document_domains=domains,
        scores=scores,
        sentences=sentences,
        query_vector=query_vector if vectors is not None else None,
        sentence_vectors=vectors,
    )
    extra = doc.get("extra") or {}
    strength = strength_fields(ranked.score)
    explained = why.as_dict()
    explained["text"] = f"匹配度 {strength['strength']:.0%}（{strength['strength_level']}）；" + explained["text"]
    return {
        "id": int(ranked.id),
        "kind": doc.get("kind"),
        "title": doc.get("title", ""),
        "organisation_id": int(doc["organisation_id"]) if doc.get("organisation_id") else None,
        "organisation": extra.get("organisation") or extra.get("lead_department") or "",
        "org_kind": doc.get("org_kind"),
        "domains": domains,
        "district": doc.get("district") or "",
        "score": round(float(ranked.score), 4),
        **strength,
        "explanation": explained,
    }


async def _sentence_vectors(store: StoredVectors, ranked: Sequence[Ranked]) -> dict[str, np.ndarray]:
    """The stored sentence vectors of the hits' bodies (one lookup for all of them)."""
    sentences = list(
        dict.fromkeys(s for r in ranked for s in body_sentences(r.candidate.payload.document.get("body") or ""))
    )
    return {s: v for s, v in zip(sentences, await store.passages(sentences)) if v is not None}


async def _population(
    store: StoredVectors, backend, kind: str, memo: PopulationMemo | None, generation: int | None
) -> tuple[list[str], np.ndarray]:
    """Stored query keys and vectors of the published documents of ``kind`` (the other side).
    Kept in ``memo`` while the index stays at ``generation``."""
    held = memo.get(generation, kind) if memo is not None else None
    if held is None:
        found = await backend.search(
            SearchQuery(text="", kind=kind, filters={"status": ["published"]}, limit=CANDIDATES, highlight=False)
        )
        keys = list(dict.fromkeys(query_key(store.embedder, stored_text(h.document)) for h in found.hits))
        vectors = await stored(keys)
        keys = [k for k in keys if k in vectors]
        matrix = np.vstack([vectors[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)
        held = (keys, matrix)
        if memo is not None:
            memo.put(found.generation if generation is None else generation, kind, keys, matrix)
    return held


async def _rank(
    service,
    text: str,
    domains: list[str],
    *,
    kind: str,
    filters: dict,
    limit: int,
    exclude_orgs: set[int],
    exclude_ids: set[int] = frozenset(),
    deep: bool = False,
    population_kind: str | None = None,
    needs: Sequence[str] = (),
) -> Matches:
    """Rank for a stored item whose query vector the worker stored; never calls the model.

    ``population_kind``: the kind whose published query vectors measure the candidates' hub penalty
    (the asker's own kind). ``needs``: the asker's needs, whose stored vectors give per-need coverage
    of each listed candidate and team proposals.
    """
    if service is None:
        return Matches(degraded=True)
    try:
        store = StoredVectors(service.embedder, getattr(service, "vectors", None))
        query_vector = await store.query(text)
        if query_vector is None:
            return Matches(pending=True)
        backend = await service.backend()
        candidate_vectors: dict[str, np.ndarray] = {}

        async def load_vectors(candidates: Sequence[Candidate]) -> None:
            # a hit carries its stored passage vector (``with_vectors``); the cache is asked for the rest
            for c in candidates:
                vector = getattr(c.payload, "vector", None)
                if vector is not None:
                    candidate_vectors.setdefault(c.id, vector)
            missing = [c for c in candidates if c.id not in candidate_vectors]
            if not missing:
                return
            found = await store.passages([stored_text(c.payload.document) for c in missing])
            candidate_vectors.update((c.id, v) for c, v in zip(missing, found) if v is not None)

        async def feedback_vectors(best: Sequence[Candidate]):
            await load_vectors(best)
            found = [candidate_vectors[c.id] for c in best if c.id in candidate_vectors]
            return np.vstack(found) if found else np.zeros((0, query_vector.size), dtype=np.float32)

        async def hub_for(candidates: Sequence[Candidate], generation: int | None = None) -> dict[str, float]:
            await load_vectors(candidates)
            memo = getattr(service, "populations", None) or PopulationMemo()
            keys, population = await _population(store, backend, population_kind, memo, generation)
            own = query_key(store.embedder, text)  # the asker is not its own neighbour
            own_row = keys.index(own) if own in keys else None
            known = [c.id for c in candidates if c.id in candidate_vectors]
            if not known or population.shape[0] - (own_row is not None) <= 0:
                return {}
            matrix = np.array([candidate_vectors[i] for i in known])
            penalties = memo.penalties(generation, population_kind, known, matrix, population, own_row)
            return dict(zip(known, penalties.tolist()))

        ranked = await search_and_rank(
            backend,
            service.embedder,
            text,
            domains,
            kind=kind,
            filters=filters,
            query_vector=query_vector,
            vectors_for=feedback_vectors,
            hub_for=hub_for if population_kind else None,
        )
        floor = service.settings.relevance_floor if getattr(service, "settings", None) else None
        excluded_orgs = {str(o) for o in exclude_orgs}
        kept = []
        scores = ranked.scores()
        # best first, stopping at the limit; an entry is made only for what is kept (when few clear the
        # floor, the loop reads every candidate)
        for position, c in enumerate(ranked.inputs()):
            if len(kept) == limit:
                break
            if (
                int(c.id) not in exclude_ids
                and str(c.payload.document.get("organisation_id")) not in excluded_orgs
                and clears(SHIPPED.strength(scores[position]), floor, len(ranked))
            ):
                kept.append(ranked[position])
        sentence_vectors = await _sentence_vectors(store, kept) if deep else None
        found = Matches([_explained(r, text, domains, query_vector, sentence_vectors) for r in kept])
        if needs and kept:
            await _cover(found, store, list(needs), ranked.inputs(), kept, load_vectors, candidate_vectors)
        return found
    except Exception as exc:  # noqa: BLE001 - degrade, never fail the caller
        log.warning("matches degraded: %s", exc)
        return Matches(degraded=True)


async def _cover(
    found: Matches,
    store: StoredVectors,
    needs: list[str],
    candidates: Sequence[Candidate],
    kept: Sequence[Ranked],
    load_vectors,
    candidate_vectors: dict[str, np.ndarray],
) -> None:
    """Per-need coverage of each listed candidate, and teams, from stored need and candidate vectors."""
    need_vectors = await store.passages(needs)
    pairs = [(n, v) for n, v in zip(needs, need_vectors) if v is not None]
    if not pairs:
        return
    await load_vectors(candidates)
    known = [c.id for c in candidates if c.id in candidate_vectors]
    if len(known) < 2:
        return
    column = {doc_id: i for i, doc_id in enumerate(known)}
    z_all = need_scores(np.vstack([v for _, v in pairs]), np.array([candidate_vectors[i] for i in known]))
    listed = [r for r in kept if r.id in column]
    z = z_all[:, [column[r.id] for r in listed]]
    found.needs = [n for n, _ in pairs]
    by_id = {item["id"]: item for item in found.items}
    for j, r in enumerate(listed):
        by_id[int(r.id)]["coverage"] = [{"need": i, "level": coverage_level(float(z[i, j]))} for i in range(z.shape[0])]
    organisations = [
        r.candidate.payload.document.get("organisation_id")
        or (r.candidate.payload.document.get("extra") or {}).get("organisation")
        for r in listed
    ]
    for team in propose_teams(z, organisations):
        members = [listed[m] for m in team.members]
        found.teams.append(
            {
                "members": [
                    {
                        "id": int(m.id),
                        "title": by_id[int(m.id)]["title"],
                        "organisation": by_id[int(m.id)]["organisation"],
                    }
                    for m in members
                ],
                "covered": list(team.covered),
                "uncovered": [i for i in range(z.shape[0]) if i not in team.covered],
                "by_need": [{"need": n, "id": int(listed[m].id)} for n, m in sorted(team.by_need.items())],
            }
        )


async def for_demand(
    service,
    demand,
    *,
    limit: int = 10,
    domain: str | None = None,
    org_kind: str | None = None,
    exclude_orgs: set[int] = frozenset(),
    deep: bool = False,
) -> Matches:
    """Published capability profiles that answer ``demand``, best first (never its own organisation's)."""
    from matchmaking.indexing import demand_document

    filters: dict[str, list] = {"status": list(PUBLIC_STATUSES["capability"])}
    if domain:
        filters["domains"] = [domain]
    if org_kind:
        filters["org_kind"] = [org_kind]
    return await _rank(
        service,
        query_text(demand_document(demand)),
        [demand.domain],
        kind="capability",
        filters=filters,
        limit=limit,
        exclude_orgs={demand.organisation_id, *exclude_orgs},
        deep=deep,
        population_kind="demand",
        needs=split_needs(demand.title, demand.description or ""),
    )


async def for_profile(
    service,
    profile,
    *,
    limit: int = 10,
    domain: str | None = None,
    district: str | None = None,
    exclude_orgs: set[int] = frozenset(),
    deep: bool = False,
) -> Matches:
    """Published demands that ``profile`` could answer, best first (never its own organisation's)."""
    from matchmaking.indexing import capability_document

    filters: dict[str, list] = {"status": list(OPEN_DEMAND_STATUSES)}
    if domain:
        filters["domains"] = [domain]
    if district:
        filters["district"] = [district]
    return await _rank(
        service,
        query_text(capability_document(profile)),
        list(profile.domains),
        kind="demand",
        filters=filters,
        limit=limit,
        exclude_orgs={profile.organisation_id, *exclude_orgs},
        deep=deep,
        population_kind="capability",
    )


async def similar_scenarios(
    service, scenario_id: int, title: str, summary: str, domain: str | None, *, limit: int = 6
) -> Matches:
    """Publicly listed scenarios (and cases of other cities) most like this one."""
    text = compose(title, summary, [domain] if domain else [])
    return await _rank(
        service,
        text,
        [domain] if domain else [],
        kind="scenario",
        filters={"status": PUBLIC_SCENARIO_STAGES},
        limit=limit,
        exclude_orgs=set(),
        exclude_ids={scenario_id},
    )


async def look_alike_demands(
    service, title: str, description: str = "", domain: str = "", *, exclude_id: int | None = None, limit: int = 5
) -> Matches:
    """Published demands that read like the same need as this draft, by meaning. A stored demand's
    text has its query vector stored; a draft's text is encoded once (``SearchService.query_vector``).

    A reworded demand is close in absolute terms *and* stands out from every other published demand;
    see ``duplicates.is_duplicate`` for the rule and its measurement.
    """
    text = compose(title, description, [domain] if domain else [])
    if service is None or len(text.strip()) < 4:
        return Matches(degraded=service is None)
    try:
        vector = await StoredVectors(service.embedder).query(text)
        if vector is None:
            vector = await service.query_vector(text)
        backend = await service.backend()
        # every published demand's cosine (up to the backend's maximum): the spread the rule needs
        result = await backend.search(
            SearchQuery(
                text="", vector=vector, kind="demand", filters={"status": list(OPEN_DEMAND_STATUSES)}, limit=CANDIDATES
            )
        )
    except Exception as exc:  # noqa: BLE001
        log.warning("duplicate check degraded: %s", exc)
        return Matches(degraded=True)
    hits = [h for h in result.hits if h.semantic_score is not None and h.id != str(exclude_id)]
    flags = duplicate_flags(
        [float(h.semantic_score) for h in result.hits if h.semantic_score is not None],
        [float(h.semantic_score) for h in hits],
    )
    items = [
        {
            "id": int(h.id),
            "title": h.document.get("title", ""),
            "organisation": (h.document.get("extra") or {}).get("organisation", ""),
            "district": h.document.get("district") or "",
            "similarity": round(float(h.semantic_score), 4),
        }
        for h, duplicate in zip(hits, flags)
        if duplicate
    ]
    return Matches(items[:limit])
