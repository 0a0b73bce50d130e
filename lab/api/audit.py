"""``GET /api/audit``: the audit trail of any object (``object=demand:3``, ``user:7``, ``scenario:12``),
for operators."""

from __future__ import annotations

from starlette.requests import Request

from lab import audit
from lab.auth import require_user
from lab.errors import Invalid
from lab.http import ok
from lab.models import AuditRecord
from lab.openapi import Doc, api_route
from lab.permissions import require
from lab.presenters import page
from lab.schemas import AuditQuery
from lab.validation import query


async def list_audit(request: Request):
    user = await require_user(request)
    require(user, "audit.list", message="只有实验室运营人员可以查看审计记录")
    params = query(request, AuditQuery)
    qs = AuditRecord.all().select_related("actor")
    if params.object:
        parsed = audit.parse_object(params.object)
        if parsed is None:
            raise Invalid({"object": "格式应为 类型:编号，例如 demand:3、proposal:5、user:7、scenario:12"})
        qs = qs.filter(object_kind=parsed[0], object_id=parsed[1])
    if params.action:
        qs = qs.filter(action=params.action)
    return ok(await page(qs, params.limit, params.offset, audit.present, "-at"))


routes = [
    api_route(
        "/audit",
        list_audit,
        ["GET"],
        Doc(
            "审计记录（仅运营；object=demand:3、proposal:5、user:7、organisation:2、scenario:12）",
            "审计",
            query=AuditQuery,
            errors=(401, 403, 422),
        ),
    ),
]
