"""The one assembly: which packages make up the service, and the pieces built once from settings —
database, embedder, search service, the registry of index sources and the policy registry — handed
to the app (``lab.app``), the CLI commands (``lab.cli`` passes it to every command) and the worker.

Only the assemblers (this module, ``lab.app``, ``lab.cli``) import the outer packages, and they do
so with plain imports, so readers and the import-rule test see every edge; no other module imports an
assembler. Building a :class:`Runtime` does no I/O and loads no model: the embedder loads on first
use and the search backend is built on first use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from lab import database, permissions
from lab.settings import Settings

# Model modules of every package, in dependency order (one Tortoise app, one migrations folder).
MODEL_MODULES = ("lab.models", "lab.conversation_models", "matchmaking.models", "pipeline.models")


def model_modules() -> list[str]:
    return list(MODEL_MODULES)


def register_policies() -> None:
    """Put every package's permission rules into the one registry (idempotent)."""
    from pipeline.permissions import RULES as pipeline_rules

    permissions.register(pipeline_rules)


def index_sources():
    """Where the search index reads documents of each kind: demands and profiles (matchmaking's own)
    and scenarios (from the pipeline; imports point inward, so the assembly joins them)."""
    from matchmaking.indexing import DocumentSources
    from pipeline.search import SOURCE_COUNTS as pipeline_counts
    from pipeline.search import SOURCES as pipeline_sources

    return DocumentSources(pipeline_sources, counts=pipeline_counts)


def packages() -> list[Any]:
    """The modules that contribute routes, lifespan hooks and setup to the app, outermost last."""
    from matchmaking import routes as matchmaking_routes
    from pipeline import routes as pipeline_routes
    from showcase import routes as showcase_routes

    return [matchmaking_routes, pipeline_routes, showcase_routes]


@dataclass
class Runtime:
    settings: Settings
    embedder: Any  # matchmaking.embedder.Embedder (loads the model on first use)
    sources: Any  # matchmaking.indexing.DocumentSources
    search: Any  # matchmaking.service.SearchService (builds its backend on first use)

    def worker(self, backend, **options):
        """The outbox worker: indexing, then alerts for what it indexed, and periodically the due
        digests and the mail outbox (``matchmaking.alerts.worker_hooks``)."""
        from matchmaking.alerts import worker_hooks
        from matchmaking.worker import Backoff, OutboxWorker

        defaults = {
            "backoff": Backoff(lease=self.settings.worker_lease),
            "check_every": self.settings.index_check_seconds,
        }
        return OutboxWorker(
            backend,
            self.embedder,
            sources=self.sources,
            **{**defaults, **worker_hooks(self.settings, self.embedder), **options},
        )

    async def close(self) -> None:
        await self.search.close()


def build_runtime(settings: Settings, *, embedder: Any = None) -> Runtime:
    """Everything the app, the CLI and the worker share, built once (no I/O here)."""
    from matchmaking.embedder import Embedder
    from matchmaking.service import SearchService

    register_policies()
    sources = index_sources()
    embedder = embedder or Embedder(settings)
    return Runtime(settings, embedder, sources, SearchService(settings, embedder, sources=sources))


@asynccontextmanager
async def opened(settings: Settings, *, embedder: Any = None) -> AsyncIterator[Runtime]:
    """The runtime with the database open (for commands and the standalone worker)."""
    runtime = build_runtime(settings, embedder=embedder)
    async with database.connected(settings, model_modules()):
        try:
            yield runtime
        finally:
            await runtime.close()


class Assembly:
    """What ``lab.cli`` hands every command (as click's ``obj``): settings from the environment, the
    database alone, or the whole runtime. Commands of other packages use it instead of importing an
    assembler."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ

    def settings(self) -> Settings:
        import os

        import click

        from lab.settings import SettingsError, load_settings

        try:
            return load_settings(os.environ if self._environ is None else self._environ)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None

    def database(self, settings: Settings):
        """``async with assembly.database(settings):`` — the database open, nothing else."""
        return database.connected(settings, model_modules())

    def opened(self, settings: Settings):
        """``async with assembly.opened(settings) as runtime:`` — database, embedder, search, sources."""
        return opened(settings)

    async def migrate(self, settings: Settings, progress=None) -> None:
        """Apply every migration to the database ``settings`` names (creating it if needed)."""
        await database.migrate(settings, model_modules(), progress=progress)
