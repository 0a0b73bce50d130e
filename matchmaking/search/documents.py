"""The records that cross the search interface: documents in, queries in, hits and results out.

Both backends speak only these types, so the conformance suite can hold them to one contract.
Facet and filter fields are named after the document attributes (``domains`` is multi-valued;
``domain`` is accepted as an alias for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("demand", "capability", "scenario")
FACET_FIELDS = ("kind", "domains", "district", "org_kind", "status", "year", "organisation_id")
SORT_FIELDS = ("year", "title", "id", "status", "district")
FIELD_ALIASES = {"domain": "domains", "organisation": "organisation_id", "org": "org_kind", "stage": "status"}
TEXT_FIELDS = ("title", "body", "keywords")


class InvalidSearch(ValueError):
    """A query names an unknown kind, field or sort, or a value out of range."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def canonical_field(name: str) -> str:
    name = FIELD_ALIASES.get(name, name)
    if name not in FACET_FIELDS:
        raise InvalidSearch(f"unknown filter or facet field {name!r}", field=name)
    return name


@dataclass
class SearchDocument:
    id: str
    kind: str
    title: str
    body: str = ""
    keywords: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    district: str | None = None
    org_kind: str | None = None
    status: str | None = None
    year: int | None = None
    organisation_id: str | None = None
    vector: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidSearch(f"unknown kind {self.kind!r}", field="kind")
        self.id = str(self.id)
        if self.organisation_id is not None:
            self.organisation_id = str(self.organisation_id)
        if self.vector is not None:
            self.vector = np.asarray(self.vector, dtype=np.float32).reshape(-1)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)

    def fields(self) -> dict[str, Any]:
        """Everything but the vector, as plain JSON-able values."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "keywords": list(self.keywords),
            "domains": list(self.domains),
            "district": self.district,
            "org_kind": self.org_kind,
            "status": self.status,
            "year": self.year,
            "organisation_id": self.organisation_id,
            "extra": dict(self.extra),
        }


@dataclass
class SearchQuery:
    text: str = ""
    vector: np.ndarray | None = None
    kind: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    facets: list[str] = field(default_factory=list)
    sort: list[str] = field(default_factory=list)  # "year:desc", "title:asc"
    limit: int = 20
    offset: int = 0
    semantic_ratio: float = 0.5
    # relevance floor (``relevance.py``): a document that matches no query term is listed only when the
    # standardised cosine of its vector clears this (None: no floor)
    min_semantic_z: float | None = None
    # what a hit carries besides its document: highlights (for pages; matching never shows them) and
    # the document's stored vector (matching reranks and feeds back with it instead of searching again)
    highlight: bool = True
    with_vectors: bool = False

    def __post_init__(self) -> None:
        self.text = (self.text or "").strip()
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidSearch(f"unknown kind {self.kind!r}", field="kind")
        if self.vector is not None:
            self.vector = np.asarray(self.vector, dtype=np.float32).reshape(-1)
        if not 0 <= self.limit <= 1000:
            raise InvalidSearch("limit must be between 0 and 1000", field="limit")
        if self.offset < 0:
            raise InvalidSearch("offset must not be negative", field="offset")
        if not 0.0 <= self.semantic_ratio <= 1.0:
            raise InvalidSearch("semantic_ratio must be between 0 and 1", field="semantic_ratio")
        filters: dict[str, list[Any]] = {}
        for name, value in (self.filters or {}).items():
            values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            values = [v for v in values if v is not None and v != ""]
            if values:
                filters[canonical_field(name)] = values
        self.filters = filters
        self.facets = list(dict.fromkeys(canonical_field(f) for f in self.facets or []))
        sort = [self.sort] if isinstance(self.sort, str) else list(self.sort or [])
        for spec in sort:
            name, _, direction = spec.partition(":")
            if name not in SORT_FIELDS or direction not in ("", "asc", "desc"):
                raise InvalidSearch(f"cannot sort by {spec!r}", field="sort")
        self.sort = [s if ":" in s else f"{s}:asc" for s in sort]

    @property
    def effective_ratio(self) -> float:
        """How much the semantic side counts, given which sides this query actually has."""
        if self.vector is None:
            return 0.0
        if not self.text:
            return 1.0
        return self.semantic_ratio


@dataclass
class Hit:
    id: str
    kind: str
    score: float
    lexical_score: float | None
    semantic_score: float | None
    highlights: dict[str, str]
    document: dict[str, Any]
    vector: np.ndarray | None = None  # the stored passage vector, when the query asked ``with_vectors``


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    degraded: bool = False
    # the index state the answer was read from (the embedded index's write counter): values derived
    # from the index may be reused while it stays the same; None when the engine cannot tell
    generation: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "degraded": self.degraded,
            "facets": self.facets,
            "hits": [
                {
                    "id": h.id,
                    "kind": h.kind,
                    "score": h.score,
                    "lexical_score": h.lexical_score,
                    "semantic_score": h.semantic_score,
                    "highlights": h.highlights,
                    **{k: v for k, v in h.document.items() if k not in ("id", "kind")},
                }
                for h in self.hits
            ],
        }
