"""``SearchService``: the one object the app holds for search (engine + model), with a degraded
fallback to a plain database query when the engine fails."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

import anyio
from tortoise.expressions import Q

from lab.models import CapabilityProfile, Demand, DemandStatus, ProfileStatus
from lab.settings import Settings
from matchmaking.indexing import BUILT_IN, INDEXED_KINDS, DocumentSources, capability_document, demand_document
from matchmaking.hubness import PopulationMemo
from matchmaking.relevance import floor_score
from matchmaking.search import InvalidSearch, SearchDocument, SearchQuery, SearchResult, make_backend
from matchmaking.search.documents import Hit
from matchmaking.search.highlight import highlights
from matchmaking.vector_cache import VectorMemo

log = logging.getLogger("matchmaking.search")
DEGRADED_SCAN = 5000  # rows a degraded query looks at, at most
STATUS_TTL = 1.0  # seconds an index status is reused (pages draw the banner from it)
QUERY_CACHE = 2048  # free-text query vectors kept (LRU by text)


class SearchService:
    """Holds the backend and the embedder; both are built lazily (first use loads the model once)."""

    def __init__(self, settings: Settings, embedder, backend=None, *, sources: DocumentSources = BUILT_IN):
        self.settings = settings
        self.embedder = embedder
        self.sources = sources
        self._backend = backend
        self._lock = anyio.Lock()
        self._status = None
        self._status_at = 0.0
        self._queries: OrderedDict[str, asyncio.Future] = OrderedDict()
        self.vectors = VectorMemo()  # stored vectors read lately (matches, recommendations)
        self.populations = PopulationMemo()  # hub-penalty populations of the current index generation

    async def backend(self):
        if self._backend is None:
            async with self._lock:
                if self._backend is None:
                    await self.embedder.aload()
                    self._backend = make_backend(self.settings, self.embedder.dimension)
        return self._backend

    @property
    def model_state(self) -> str:
        """``ready`` once the model is loaded, ``loading`` before (it loads in the background at startup)."""
        return "ready" if self.embedder.loaded else "loading"

    async def index_status(self, *, fresh: bool = False):
        """How far the index is from the database (``health.IndexStatus``), without loading the model;
        reused for ``STATUS_TTL`` seconds unless ``fresh``."""
        from matchmaking.health import index_status

        if fresh or self._status is None or time.monotonic() - self._status_at > STATUS_TTL:
            self._status = await index_status(self._backend, self.sources)
            self._status_at = time.monotonic()
        return self._status

    async def query_vector(self, text: str):
        """The query vector of a free text, encoded at most once: an LRU of the last ``QUERY_CACHE``
        texts, and concurrent requests for the same text share one encode."""
        key = f"{self.embedder.model_id}\0{text}"
        pending = self._queries.get(key)
        if pending is not None:
            self._queries.move_to_end(key)
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._queries[key] = future
        while len(self._queries) > QUERY_CACHE:
            self._queries.popitem(last=False)
        try:
            vector = (await self.embedder.aencode_queries([text]))[0]
        except BaseException as exc:
            self._queries.pop(key, None)
            if isinstance(exc, Exception):
                future.set_exception(exc)
                future.exception()  # retrieved: waiters re-raise it, no "never retrieved" warning
            else:
                future.cancel()
            raise
        future.set_result(vector)
        return vector

    async def healthy(self) -> bool:
        try:
            return await (await self.backend()).health()
        except Exception:  # noqa: BLE001
            return False

    async def close(self) -> None:
        if self._backend is not None:
            await self._backend.close()

    async def search(
        self,
        text: str = "",
        *,
        kind: str | None = None,
        filters: dict | None = None,
        facets: list[str] | None = None,
        limit: int = 20,
        offset: int = 0,
        semantic_ratio: float = 0.5,
        sort: list[str] | None = None,
    ) -> SearchResult:
        """Hybrid search; if the engine (or the model) fails, a LIKE query on the database, marked degraded."""
        query = SearchQuery(
            text,
            kind=kind,
            filters=filters or {},
            facets=facets or [],
            limit=limit,
            offset=offset,
            semantic_ratio=semantic_ratio,
            sort=sort or [],
            min_semantic_z=floor_score(self.settings.relevance_floor),
        )
        try:
            backend = await self.backend()
            if query.text and query.semantic_ratio > 0:
                query.vector = await self.query_vector(query.text)
            return await backend.search(query)
        except InvalidSearch:
            raise
        except Exception as exc:  # noqa: BLE001 - the database is the truth; answer from it
            log.warning("search degraded: %s", exc)
            return await database_search(query, self.sources)


def _matches(doc: SearchDocument, query: SearchQuery) -> bool:
    fields = doc.fields()
    for name, values in query.filters.items():
        have = fields.get(name)
        have = have if isinstance(have, list) else [have]
        if not {str(v) for v in have} & {str(v) for v in values}:
            return False
    return True


async def database_search(query: SearchQuery, sources: DocumentSources = BUILT_IN) -> SearchResult:
    """Every word of the text in the title or description (LIKE), filters and facets in Python over
    at most ``DEGRADED_SCAN`` rows per kind, newest first. Scenarios come from their registered
    source and are matched the same way in Python."""
    words = query.text.split()
    kinds = [query.kind] if query.kind else list(INDEXED_KINDS)
    docs: list[SearchDocument] = []
    for kind in kinds:
        if kind not in ("demand", "capability"):
            found = await sources.load(kind) if sources.has(kind) else []
            docs.extend(
                d
                for d in reversed(found)
                if _matches(d, query) and all(w.lower() in f"{d.title}\n{d.body}".lower() for w in words)
            )
            continue
        if kind == "demand":
            qs, body, valid = Demand.all(), "description", {s.value for s in DemandStatus}
        else:
            qs, body, valid = CapabilityProfile.all(), "summary", {s.value for s in ProfileStatus}
        statuses = query.filters.get("status")
        if statuses:
            # the filter may name statuses of other kinds (a scenario's "listing"): keep this kind's own
            wanted = [str(s) for s in statuses if str(s) in valid]
            if not wanted:
                continue
            qs = qs.filter(status__in=wanted)
        for word in words:
            qs = qs.filter(Q(title__icontains=word) | Q(**{f"{body}__icontains": word}))
        rows = await qs.select_related("organisation").order_by("-id").limit(DEGRADED_SCAN)
        present = demand_document if kind == "demand" else capability_document
        docs.extend(d for d in map(present, rows) if _matches(d, query))
    facets: dict[str, dict[str, int]] = {}
    for name in query.facets:
        counts: dict[str, int] = {}
        for doc in docs:
            value = doc.fields().get(name)
            for v in value if isinstance(value, list) else [value]:
                if v is not None:
                    counts[str(v)] = counts.get(str(v), 0) + 1
        facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    page = docs[query.offset : query.offset + query.limit]
    hits = [
        Hit(
            id=d.id,
            kind=d.kind,
            score=0.0,
            lexical_score=None,
            semantic_score=None,
            highlights=highlights(d.fields(), words),
            document=d.fields(),
        )
        for d in page
    ]
    return SearchResult(hits=hits, total=len(docs), facets=facets, degraded=True)
