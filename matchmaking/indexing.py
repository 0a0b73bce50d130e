"""From database records to search documents, and from texts to (cached) vectors.

A document's text is composed by ``composer.document_text`` (title, description/summary, domain(s), keywords). Vectors are cached in
``EmbeddingCache`` under a hash of the model id and that exact text, so a record is re-embedded only
when its text or the model changes. Demands and capability profiles are this package's own kinds;
documents of other kinds (scenarios, from the lifecycle package) come from a :class:`DocumentSources`
that the assembly (``lab.runtime``) builds, because imports point inward (pipeline -> matchmaking).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from lab.models import CapabilityProfile, Demand
from matchmaking.composer import document_text  # noqa: F401 - re-exported for callers of the old home
from matchmaking.search import SearchDocument

EMBED_BATCH = 32
INDEXED_KINDS = ("demand", "capability", "scenario")

Source = Callable[[Sequence[int] | None], Awaitable[list[SearchDocument]]]


class DocumentSources:
    """Where documents of each indexed kind come from: demands and profiles built in, other kinds
    supplied by other packages (``source(ids)``; ``ids=None`` means all). Built once by the assembly
    and handed to the search service, the worker and reindex; never changed afterwards."""

    def __init__(
        self,
        extra: Mapping[str, Source] | None = None,
        counts: Mapping[str, Callable[[], Awaitable[int]]] | None = None,
    ) -> None:
        self._extra: dict[str, Source] = dict(extra or {})
        self._counts = dict(counts or {})

    def has(self, kind: str) -> bool:
        return kind in ("demand", "capability") or kind in self._extra

    async def count(self, kind: str) -> int:
        """How many documents of ``kind`` the database holds (for the index's health)."""
        if kind == "demand":
            return await Demand.all().count()
        if kind == "capability":
            return await CapabilityProfile.all().count()
        if kind in self._counts:
            return int(await self._counts[kind]())
        return len(await self.load(kind)) if kind in self._extra else 0

    async def load(self, kind: str, ids: Sequence[int] | None = None) -> list[SearchDocument]:
        """Current documents of ``kind`` (all of them when ``ids`` is None); missing ids are simply absent."""
        if kind == "demand":
            qs = Demand.all() if ids is None else Demand.filter(id__in=list(ids))
            return [demand_document(d) for d in await qs.select_related("organisation").order_by("id")]
        if kind == "capability":
            qs = CapabilityProfile.all() if ids is None else CapabilityProfile.filter(id__in=list(ids))
            return [capability_document(p) for p in await qs.select_related("organisation").order_by("id")]
        source = self._extra.get(kind)
        if source is None:
            return []
        return await source(None if ids is None else list(ids))


BUILT_IN = DocumentSources()


def _year(record) -> int | None:
    when = getattr(record, "published_at", None) or getattr(record, "created_at", None)
    return when.year if when else None


def demand_document(demand: Demand) -> SearchDocument:
    org = demand.organisation
    return SearchDocument(
        id=str(demand.id),
        kind="demand",
        title=demand.title,
        body=demand.description or "",
        keywords=[],
        domains=[demand.domain] if demand.domain else [],
        district=demand.district or org.district or None,
        org_kind=str(org.kind.value),
        status=str(demand.status.value),
        year=_year(demand),
        organisation_id=str(demand.organisation_id),
        extra={"organisation": org.name, "budget_wan": None if demand.budget_wan is None else float(demand.budget_wan)},
    )


def capability_document(profile: CapabilityProfile) -> SearchDocument:
    org = profile.organisation
    body = profile.summary or ""
    cases = [str(c.get("title", "")) if isinstance(c, dict) else str(c) for c in profile.cases or []]
    if any(cases):
        body = body + "\n" + "；".join(c for c in cases if c)
    return SearchDocument(
        id=str(profile.id),
        kind="capability",
        title=profile.title,
        body=body,
        keywords=[str(k) for k in profile.keywords or []],
        domains=[str(d) for d in profile.domains or []],
        district=org.district or None,
        org_kind=str(org.kind.value),
        status=str(profile.status.value),
        year=_year(profile),
        organisation_id=str(profile.organisation_id),
        extra={"organisation": org.name, "region": profile.region, "maturity": profile.maturity},
    )


async def load_documents(
    kind: str, ids: Sequence[int] | None = None, sources: DocumentSources = BUILT_IN
) -> list[SearchDocument]:
    """Current documents of ``kind`` from ``sources`` (by default the built-in kinds only)."""
    return await sources.load(kind, ids)


def has_source(kind: str, sources: DocumentSources = BUILT_IN) -> bool:
    return sources.has(kind)


async def attach_vectors(docs: Iterable[SearchDocument], embedder, batch: int = EMBED_BATCH) -> int:
    """Set ``doc.vector`` and store every other vector reads of these documents need (query and
    sentence vectors, see ``vector_cache``), embedding (in batches) only texts not seen before with
    this model. Each batch is cached as soon as it is computed, so a failure later on loses nothing.
    Returns how many texts were embedded."""
    from matchmaking.vector_cache import embed_for_reads

    return await embed_for_reads(list(docs), embedder, batch)
