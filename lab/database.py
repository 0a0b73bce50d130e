"""Database configuration, connection lifetime and migrations."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import asynccontextmanager
from collections.abc import AsyncIterator

from tortoise import Tortoise
from tortoise.context import TortoiseContext

from lab.settings import Settings

APP_LABEL = "models"


def normalise_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL."""
    for prefix in ("postgresql://", "postgresql+asyncpg://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgres://" + url[len(prefix) :]
    return url


def connection_config(url: str) -> str | dict:
    """The ``default`` connection: PostgreSQL by URL; SQLite through ``lab.sqlite_engine`` (Tortoise's
    client, fixed so that a file that cannot be opened does not leave the connection lock held)."""
    url = normalise_url(url)
    if not url.startswith("sqlite:"):
        return url
    from tortoise.backends.base.config_generator import expand_db_url

    expanded = expand_db_url(url)
    return {**expanded, "engine": "lab.sqlite_engine"}


def tortoise_config(settings: Settings, modules: Sequence[str]) -> dict:
    return {
        "connections": {"default": connection_config(settings.database_url)},
        "apps": {
            APP_LABEL: {
                "models": list(modules),
                "default_connection": "default",
                "migrations": "lab.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def ensure_data_dir(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)


@asynccontextmanager
async def connected(
    settings: Settings, modules: Sequence[str], *, global_fallback: bool = True
) -> AsyncIterator[TortoiseContext]:
    """Open the database for the lifetime of an app, a worker or a command."""
    ensure_data_dir(settings)
    ctx = await Tortoise.init(config=tortoise_config(settings, modules), _enable_global_fallback=global_fallback)
    try:
        yield ctx
    finally:
        await Tortoise.close_connections()


async def migrate(settings: Settings, modules: Sequence[str], progress=None) -> None:
    """Apply every migration in ``lab/migrations`` (creating the database file if needed)."""
    from tortoise.migrations.api import migrate as migrate_api

    ensure_data_dir(settings)
    try:
        await migrate_api(config=tortoise_config(settings, modules), progress=progress)
    finally:
        await Tortoise.close_connections()


async def ping() -> bool:
    from tortoise import connections

    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
    return True


_SQLITE_UNAVAILABLE = ("unable to open database", "database is locked", "disk i/o error")


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) means the database could not be reached or used at all,
    as opposed to a bad query: connection refused or dropped, server shutting down, the SQLite file
    gone or locked. The HTTP edge answers those with 503 ``database_unavailable``."""
    import socket
    import sqlite3

    from tortoise.exceptions import DBConnectionError

    try:
        import asyncpg

        pg_kinds: tuple[type[BaseException], ...] = (
            asyncpg.exceptions.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.exceptions.CannotConnectNowError,
            asyncpg.exceptions.OperatorInterventionError,
            asyncpg.exceptions.TooManyConnectionsError,
        )
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        pg_kinds = ()
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (DBConnectionError, ConnectionError, TimeoutError, socket.gaierror, *pg_kinds)):
            return True
        if isinstance(current, sqlite3.OperationalError) and any(
            text in str(current).lower() for text in _SQLITE_UNAVAILABLE
        ):
            return True
        current = current.__cause__ or current.__context__
    return False
