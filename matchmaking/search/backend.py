"""The one search interface both engines implement, and the errors it raises."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from matchmaking.search.documents import SearchDocument, SearchQuery, SearchResult


class SearchUnavailable(RuntimeError):
    """The engine cannot be reached or refused a write/read; the database is still the truth."""


@runtime_checkable
class SearchBackend(Protocol):
    """Async, engine-neutral operations on documents of kinds demand, capability and scenario."""

    name: str

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        """Insert or replace documents (keyed by kind and id); visible to search on return."""

    async def delete(self, kind: str, ids: Iterable[str]) -> None:
        """Remove documents; unknown ids are ignored."""

    async def search(self, query: SearchQuery) -> SearchResult:
        """Rank, filter, facet and page; hits carry lexical, semantic and fused scores."""

    async def count(self, kind: str | None = None) -> int:
        """How many documents are indexed (of one kind, or all)."""

    async def health(self) -> bool:
        """True when the engine answers; never raises."""

    async def clear(self, kind: str | None = None) -> None:
        """Drop every document (of one kind, or all)."""

    async def repair(self) -> None:
        """Bring the engine's derived structures up to date with its documents (the writing process
        only; a no-op where the engine keeps none)."""

    async def close(self) -> None:
        """Release files, threads and connections."""
