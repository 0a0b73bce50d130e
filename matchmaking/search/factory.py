"""Pick the search backend named by the settings."""

from __future__ import annotations

from lab.settings import Settings
from matchmaking.search.backend import SearchBackend


def make_backend(settings: Settings, dimension: int) -> SearchBackend:
    """The embedded engine under ``settings.search_path``, or Meilisearch at ``settings.meili_url``."""
    if settings.search_backend == "meilisearch":
        from matchmaking.search.meili import MeiliBackend

        if not settings.meili_url:
            raise ValueError("LAB_SEARCH_BACKEND=meilisearch needs LAB_MEILI_URL")
        return MeiliBackend(settings.meili_url, settings.meili_key, dimension, prefix=settings.meili_index_prefix)
    from matchmaking.search.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.search_path, dimension)
