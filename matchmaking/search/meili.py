"""The Meilisearch backend: the official ``meilisearch`` client, every call in a worker thread.

One index per kind (``{prefix}_{kind}``, primary key ``id``). Settings are applied idempotently on
first use (compared with what the server holds, updated only when they differ): searchable,
filterable, sortable attributes, faceting, Chinese localized attributes (``cmn``) and a
user-provided embedder of the model's dimension. Documents carry ``_vectors: {"default": [...]}``;
search is hybrid (``hybrid: {embedder, semanticRatio}`` with ``vector``) when a vector is given.
Every task is awaited; a failed or timed-out task, or a server that cannot be reached, raises
``SearchUnavailable``. Highlights are computed here with the same escape-then-mark function as the
embedded engine (Meilisearch's own ``_formatted`` does not escape HTML). Totals are exhaustive
(``page``/``hitsPerPage``); searching all kinds queries each index and merges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import anyio
import numpy as np

from matchmaking.search.backend import SearchUnavailable
from matchmaking.search.documents import (
    FACET_FIELDS,
    KINDS,
    SORT_FIELDS,
    Hit,
    SearchDocument,
    SearchQuery,
    SearchResult,
)
from matchmaking.search.highlight import highlights
from matchmaking.search.segment import query_terms

EMBEDDER = "default"
TASK_TIMEOUT_MS = 120_000


def index_settings(dimension: int) -> dict[str, Any]:
    return {
        "searchableAttributes": ["title", "keywords", "body"],
        "filterableAttributes": list(FACET_FIELDS),
        "sortableAttributes": list(SORT_FIELDS),
        "faceting": {"maxValuesPerFacet": 1000, "sortFacetValuesBy": {"*": "count"}},
        "localizedAttributes": [{"attributePatterns": ["title", "body", "keywords"], "locales": ["cmn"]}],
        "embedders": {EMBEDDER: {"source": "userProvided", "dimensions": dimension}},
        "pagination": {"maxTotalHits": 100_000},
    }


UNORDERED = ("filterableAttributes", "sortableAttributes")


def settings_differ(current: Any, wanted: Any, key: str = "") -> bool:
    """True when the server lacks part of ``wanted`` (extra server-side defaults are ignored;
    filterable/sortable lists, which Meilisearch returns reordered, compare as sets)."""
    if isinstance(wanted, dict):
        return not isinstance(current, dict) or any(settings_differ(current.get(k), v, k) for k, v in wanted.items())
    if key in UNORDERED:
        return not isinstance(current, list) or sorted(map(str, current)) != sorted(wanted)
    return current != wanted


def quote(value: Any) -> str:
    """A filter literal: numbers bare, everything else double-quoted with ``\\`` and ``"`` escaped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def filter_expression(filters: dict[str, list[Any]]) -> list[str]:
    """Meilisearch filter clauses (ANDed as an array) for canonical field -> values."""
    clauses = []
    for name, values in filters.items():
        if name == "year":
            values = [int(v) for v in values]
        if len(values) == 1:
            clauses.append(f"{name} = {quote(values[0])}")
        else:
            clauses.append(f"{name} IN [{', '.join(quote(v) for v in values)}]")
    return clauses


def _scores(hit: dict) -> tuple[float | None, float | None]:
    """(lexical, semantic) from ``_rankingScoreDetails``: the vector rule gives the similarity."""
    details = hit.get("_rankingScoreDetails") or {}
    for name, rule in details.items():
        if name.startswith("vectorSort") and isinstance(rule, dict):
            return None, rule.get("similarity")
    return hit.get("_rankingScore"), None


class MeiliBackend:
    name = "meilisearch"

    def __init__(self, url: str, api_key: str | None, dimension: int, prefix: str = "lab", timeout: int = 10):
        self.url = url
        self.api_key = api_key
        self.dimension = dimension
        self.prefix = prefix
        self.timeout = timeout
        self._client = None
        self._ready: set[str] = set()
        self._lock = anyio.Lock()

    def uid(self, kind: str) -> str:
        return f"{self.prefix}_{kind}"

    async def _call(self, fn, *args, **kwargs):
        from meilisearch.errors import MeilisearchError
        from requests import RequestException

        def call():
            return fn(*args, **kwargs)

        try:
            return await anyio.to_thread.run_sync(call)
        except (MeilisearchError, RequestException) as exc:
            raise SearchUnavailable(f"Meilisearch at {self.url}: {exc}") from exc

    def _sync_client(self):
        if self._client is None:
            import meilisearch

            self._client = meilisearch.Client(self.url, self.api_key, timeout=self.timeout)
        return self._client

    def _wait(self, task_info) -> None:
        task = self._sync_client().wait_for_task(task_info.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
        if task.status != "succeeded":
            from meilisearch.errors import MeilisearchError

            error = task.error or {}
            raise MeilisearchError(
                f"task {task.uid} ({task.type}) {task.status}: {error.get('code')} {error.get('message')}"
            )

    async def _run_task(self, fn, *args, **kwargs) -> None:
        await self._call(lambda: self._wait(fn(*args, **kwargs)))

    async def _index(self, kind: str):
        """The index of ``kind``, created and configured on first use (idempotent)."""
        client = self._sync_client()
        uid = self.uid(kind)
        if uid in self._ready:
            return client.index(uid)
        async with self._lock:
            if uid not in self._ready:
                await self._call(self._ensure_index, uid)
                self._ready.add(uid)
        return client.index(uid)

    def _ensure_index(self, uid: str) -> None:
        from meilisearch.errors import MeilisearchApiError

        client = self._sync_client()
        try:
            client.get_index(uid)
        except MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise
            self._wait(client.create_index(uid, {"primaryKey": "id"}))
        index = client.index(uid)
        wanted = index_settings(self.dimension)
        current = index.get_settings()
        if settings_differ(current, wanted):
            self._wait(index.update_settings(wanted))

    # -- writes --------------------------------------------------------------------------------
    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        by_kind: dict[str, list[dict]] = {}
        for doc in docs:
            body = doc.fields()
            body["_vectors"] = {EMBEDDER: None if doc.vector is None else doc.vector.astype(float).tolist()}
            by_kind.setdefault(doc.kind, []).append(body)
        for kind, bodies in by_kind.items():
            index = await self._index(kind)
            await self._run_task(index.add_documents, bodies, primary_key="id")

    async def delete(self, kind: str, ids: Iterable[str]) -> None:
        ids = [str(i) for i in ids]
        if ids:
            index = await self._index(kind)
            await self._run_task(index.delete_documents, ids)

    async def clear(self, kind: str | None = None) -> None:
        for k in [kind] if kind else KINDS:
            index = await self._index(k)
            await self._run_task(index.delete_all_documents)

    async def repair(self) -> None:
        """Nothing to do: Meilisearch keeps its indexes itself."""

    # -- reads ---------------------------------------------------------------------------------
    async def count(self, kind: str | None = None) -> int:
        total = 0
        for k in [kind] if kind else KINDS:
            index = await self._index(k)
            stats = await self._call(index.get_stats)
            total += stats.number_of_documents
        return total

    async def health(self) -> bool:
        try:
            return bool(await self._call(self._sync_client().is_healthy))
        except Exception:
            return False

    async def close(self) -> None:
        client, self._client = self._client, None
        session = getattr(getattr(client, "http", None), "session", None)
        if session is not None and hasattr(session, "close"):
            session.close()

    async def search(self, query: SearchQuery) -> SearchResult:
        filters = dict(query.filters)
        kinds = filters.pop("kind", None) or ([query.kind] if query.kind else list(KINDS))
        if query.kind:
            kinds = [k for k in kinds if k == query.kind]
        need = query.offset + query.limit
        params: dict[str, Any] = {
            "page": 1,
            "hitsPerPage": need,
            "showRankingScore": True,
            "showRankingScoreDetails": True,
            "locales": ["cmn"],
        }
        clauses = filter_expression(filters)
        if clauses:
            params["filter"] = clauses
        if query.facets:
            params["facets"] = [f for f in query.facets if f != "kind"]
        if query.sort:
            params["sort"] = list(query.sort)
        ratio = query.effective_ratio
        if query.vector is not None:
            params["vector"] = query.vector.astype(float).tolist()
            params["hybrid"] = {"embedder": EMBEDDER, "semanticRatio": ratio}
        if query.with_vectors:
            params["retrieveVectors"] = True
        hits: list[tuple[str, dict]] = []
        total, facets = 0, {f: {} for f in query.facets}
        for kind in kinds:
            index = await self._index(kind)
            answer = await self._call(index.search, query.text, params)
            found = answer.get("totalHits", answer.get("estimatedTotalHits", 0))
            total += found
            hits.extend((kind, h) for h in answer.get("hits", []))
            for name, counts in (answer.get("facetDistribution") or {}).items():
                for value, n in counts.items():
                    facets[name][value] = facets[name].get(value, 0) + n
            if "kind" in facets and found:
                facets["kind"][kind] = found
        if len(kinds) > 1:
            hits = _merge(hits, query.sort)
        terms = await anyio.to_thread.run_sync(query_terms, query.text)
        page = []
        for kind, raw in hits[query.offset : need]:
            doc = {k: v for k, v in raw.items() if not k.startswith("_")}
            doc["kind"] = kind
            lexical, semantic = _scores(raw)
            page.append(
                Hit(
                    id=str(doc["id"]),
                    kind=kind,
                    score=float(raw.get("_rankingScore") or 0.0),
                    lexical_score=lexical if query.text else None,
                    semantic_score=semantic,
                    highlights=highlights(doc, terms) if query.highlight else {},
                    document=doc,
                    vector=_stored_vector(raw) if query.with_vectors else None,
                )
            )
        facets = {f: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for f, c in facets.items()}
        return SearchResult(hits=page, total=total, facets=facets)


def _stored_vector(raw: dict) -> np.ndarray | None:
    """The document's own vector from ``retrieveVectors`` (``_vectors.<embedder>.embeddings[0]``)."""
    entry = (raw.get("_vectors") or {}).get(EMBEDDER)
    embeddings = entry.get("embeddings") if isinstance(entry, dict) else entry
    if not embeddings:
        return None
    first = embeddings[0] if isinstance(embeddings[0], list) else embeddings
    return np.asarray(first, dtype=np.float32)


def _merge(hits: list[tuple[str, dict]], sort: list[str]) -> list[tuple[str, dict]]:
    """Order hits gathered from several indexes: by the sort fields if any, else by ranking score."""
    hits = sorted(hits, key=lambda kh: (-(kh[1].get("_rankingScore") or 0.0), kh[0], str(kh[1].get("id"))))
    for spec in reversed(sort or []):
        name, _, direction = spec.partition(":")
        present = [h for h in hits if h[1].get(name) is not None]
        missing = [h for h in hits if h[1].get(name) is None]
        present.sort(key=lambda kh: kh[1][name], reverse=direction == "desc")
        hits = present + missing
    return hits
