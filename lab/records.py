"""The one way a command changes a record: a conditional update (on the row's ``version`` and,
when given, its current status or stage) plus an audit record plus an outbox row, in one transaction.
Demands, profiles, proposals, accounts, editions and the scenario lifecycle all write through
:func:`apply_change`; nothing is written when the condition fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import IllegalTransition, LabError, VersionConflict
from lab.models import User
from lab.outbox import append_outbox

M = TypeVar("M", bound=Model)


def _stale(fresh: Model) -> LabError:
    state = getattr(fresh, "status", None) or getattr(fresh, "stage", None)
    return IllegalTransition(f"当前状态为「{getattr(state, 'value', state)}」，不能执行此操作")


async def apply_change(
    obj: M,
    changes: dict[str, Any],
    *,
    actor: User | None,
    action: str | None,
    kind: str,
    conn: BaseDBAsyncClient | None = None,
    version: int | None = None,
    where: dict[str, Any] | None = None,
    reason: str = "",
    audited: tuple[str, ...] = (),
    outbox: str | None = None,
    versioned: bool = True,
    stale: Callable[[M], LabError] = _stale,
) -> M:
    """Apply ``changes`` to ``obj``'s row if it still has ``version`` (default: the version ``obj``
    was read with) and matches ``where``; bump the version; append the audit record ``action`` on
    ``kind:id`` (before/after of the fields named in ``audited``, by default the changed ones) and,
    when ``outbox`` names a search kind, an outbox row for it. Raises VersionConflict, or
    ``stale(fresh)`` (IllegalTransition by default) when the row moved on, and writes nothing then.
    Runs in ``conn``'s transaction, or its own."""
    if conn is None:
        async with in_transaction() as own:
            return await apply_change(
                obj,
                changes,
                actor=actor,
                action=action,
                kind=kind,
                conn=own,
                version=version,
                where=where,
                reason=reason,
                audited=audited,
                outbox=outbox,
                versioned=versioned,
                stale=stale,
            )
    model = type(obj)
    filters: dict[str, Any] = {"id": obj.pk, **(where or {})}
    values = dict(changes)
    if versioned:
        expected = obj.version if version is None else version
        filters["version"] = expected
        values["version"] = expected + 1
    updated = (
        await model.filter(**filters).using_db(conn).update(**values)
        if values
        else int(await model.filter(**filters).using_db(conn).exists())
    )
    if not updated:
        fresh = await model.get(id=obj.pk).using_db(conn)
        if versioned and fresh.version != expected:
            raise VersionConflict(fields={"version": f"当前版本为 {fresh.version}"})
        raise stale(fresh)
    after = await model.get(id=obj.pk).using_db(conn)
    if action is not None:
        names = audited or tuple(k for k in changes if k != "password_hash")
        if versioned and "version" not in names:
            names += ("version",)
        await audit.record(
            actor,
            action,
            kind,
            obj.pk,
            before=audit.snapshot(obj, names),
            after=audit.snapshot(after, names),
            reason=reason,
            conn=conn,
        )
    if outbox is not None:
        await append_outbox(outbox, obj.pk, using_db=conn)
    return after


async def versioned_update(
    obj: M, changes: dict[str, Any], version: int | None, conn: BaseDBAsyncClient, *, from_status: tuple | None = None
) -> M:
    """The conditional update alone (no audit, no outbox): kept for callers that write those themselves."""
    where = {"status__in": list(from_status)} if from_status is not None else None
    return await apply_change(obj, changes, actor=None, action=None, kind="", conn=conn, version=version, where=where)
