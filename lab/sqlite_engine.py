"""The SQLite engine Tortoise is given here: Tortoise's own client with one fix.

Tortoise 1.1's ``SqliteClient`` takes its connection lock and only then opens the file; when the
open fails (a missing folder, a file it may not read), the lock is never released, so after the
first ``database_unavailable`` every later query would wait forever. This client releases the lock
when opening (or beginning a transaction) fails, so every request answers 503 until the file can be
opened again, and the next request after that reconnects. Named as ``engine`` by
``database.tortoise_config`` for ``sqlite://`` URLs; everything else is Tortoise's.
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import ConnectionWrapper
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections


class _ConnectionWrapper(ConnectionWrapper):
    async def __aenter__(self) -> Any:
        await self._lock.acquire()
        try:
            await self.ensure_connection()
        except BaseException:
            self._lock.release()
            raise
        return self.connection


class _TransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> Any:
        await self._trxlock.acquire()
        token = None
        try:
            await self.ensure_connection()
            token = self.token = get_connections().set(self.connection_name, self.connection)
            await self.connection.begin()
        except BaseException:
            if token is not None:
                get_connections().reset(token)
            self._trxlock.release()
            raise
        return self.connection


class LabSqliteClient(SqliteClient):
    def acquire_connection(self) -> ConnectionWrapper:
        return _ConnectionWrapper(self._lock, self)

    def _in_transaction(self) -> SqliteTransactionContext:
        return _TransactionContext(SqliteTransactionWrapper(self), self._lock)


client_class = LabSqliteClient
