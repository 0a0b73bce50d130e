"""Optimistic, versioned writes shared by every command that edits a record."""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from lab.errors import IllegalTransition, VersionConflict

M = TypeVar("M", bound=Model)


async def versioned_update(obj: M, changes: dict[str, Any], version: int | None,
                           conn: BaseDBAsyncClient, *, from_status: tuple | None = None) -> M:
    """Apply ``changes`` if the row still has ``version`` (and one of ``from_status``); bump the
    version. Raises VersionConflict / IllegalTransition and changes nothing otherwise."""
    model = type(obj)
    expected = obj.version if version is None else version
    filters: dict[str, Any] = {"id": obj.pk, "version": expected}
    if from_status is not None:
        filters["status__in"] = list(from_status)
    updated = await model.filter(**filters).using_db(conn).update(**changes, version=expected + 1)
    if not updated:
        fresh = await model.get(id=obj.pk).using_db(conn)
        if fresh.version != expected:
            raise VersionConflict(fields={"version": f"当前版本为 {fresh.version}"})
        raise IllegalTransition(f"当前状态为「{fresh.status}」，不能执行此操作")
    return await model.get(id=obj.pk).using_db(conn)
