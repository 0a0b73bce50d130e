"""STAND-IN for the core audit that the structure work (issue 9) moves here: the same ``record``
signature as ``pipeline/audit.py``, writing the same AuditRecord table. Until that lands the model
still lives in the pipeline, so it is looked up in the registry instead of imported (lab imports no
package). When merging, take the structure branch's version of this file."""

from __future__ import annotations

from tortoise import Tortoise

from lab.models import User


async def record(actor: User | None, action: str, kind: str, object_id: int, *, before: dict | None = None,
                 after: dict | None = None, reason: str = "", conn=None):
    """Append one record; call inside the transaction of the change it describes."""
    model = Tortoise.apps.get_model("models", "AuditRecord")
    return await model.create(actor_id=actor.id if actor else None, action=action, object_kind=kind,
                              object_id=object_id, before=before or {}, after=after or {},
                              reason=reason, using_db=conn)
