"""One search interface (``SearchBackend``) over an embedded SQLite/tantivy/NumPy engine and Meilisearch."""

from matchmaking.search.backend import SearchBackend, SearchUnavailable
from matchmaking.search.documents import Hit, InvalidSearch, SearchDocument, SearchQuery, SearchResult
from matchmaking.search.factory import make_backend

__all__ = [
    "Hit",
    "InvalidSearch",
    "SearchBackend",
    "SearchDocument",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
    "make_backend",
]
