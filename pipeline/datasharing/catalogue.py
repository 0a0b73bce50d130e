"""The public-data resource catalogue: departments describe what they hold and how it is shared."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from lab.errors import Invalid, NotFound, Unauthorized
from lab.models import Organisation, OrgKind, Role, User
from lab.permissions import is_operator, require
from lab import audit
from pipeline.datasharing.schemas import DataResourceIn, DataResourceQuery
from pipeline.models import DataResource, SharingClass

SHARING_LABELS = {"unconditional": "无条件共享", "conditional": "有条件共享", "not_shared": "不予共享"}


def present_resource(r: DataResource) -> dict[str, Any]:
    department = r.department if isinstance(r.department, Organisation) else None
    return {
        "id": r.id,
        "name": r.name,
        "description": r.description,
        "fields": list(r.data_fields),
        "update_frequency": r.update_frequency,
        "sharing_class": r.sharing_class.value,
        "sharing_label": SHARING_LABELS[r.sharing_class.value],
        "not_shared_reason": r.not_shared_reason if r.sharing_class == SharingClass.NOT_SHARED else None,
        "department_id": r.department_id,
        "department": department.name if department else None,
    }


async def list_resources(params: DataResourceQuery) -> dict[str, Any]:
    qs = DataResource.all()
    if params.department_id:
        qs = qs.filter(department_id=params.department_id)
    if params.sharing_class:
        qs = qs.filter(sharing_class=params.sharing_class)
    if params.q:
        qs = qs.filter(Q(name__icontains=params.q) | Q(description__icontains=params.q))
    total = await qs.count()
    rows = (
        await qs.order_by("department_id", "id")
        .offset(params.offset)
        .limit(params.limit)
        .prefetch_related("department")
    )
    return {"items": [present_resource(r) for r in rows], "total": total}


async def get_resource(resource_id: int) -> DataResource:
    resource = await DataResource.get_or_none(id=resource_id).prefetch_related("department")
    if resource is None:
        raise NotFound("找不到该数据资源")
    return resource


async def create_resource(user: User | None, data: DataResourceIn) -> DataResource:
    if user is None:
        raise Unauthorized()
    department_id = data.department_id
    if department_id is None and user.role == Role.DEPARTMENT_MEMBER:
        department_id = user.organisation_id
    if department_id is None:
        raise Invalid({"department_id": "请指定提供部门"})
    department = await Organisation.get_or_none(id=department_id)
    if department is None or department.kind != OrgKind.DEPARTMENT:
        raise Invalid({"department_id": "提供部门须为已登记的政府部门"})
    probe = DataResource(department_id=department_id)
    require(user, "data_resource.create", probe, message="只能为本部门登记数据资源")
    reason = data.not_shared_reason.strip()
    if data.sharing_class == SharingClass.NOT_SHARED and not reason:
        raise Invalid({"not_shared_reason": "不予共享的数据须说明理由"})
    if await DataResource.exists(department_id=department_id, name=data.name):
        raise Invalid({"name": "本部门已登记同名数据资源"})
    try:
        resource = await _create(user, department_id, data, reason)
    except IntegrityError:  # a concurrent request registered the same name first
        raise Invalid({"name": "本部门已登记同名数据资源"}) from None
    await resource.fetch_related("department")
    return resource


async def _create(user: User, department_id: int, data: DataResourceIn, reason: str) -> DataResource:
    async with in_transaction() as conn:
        resource = await DataResource.create(
            department_id=department_id,
            name=data.name,
            description=data.description,
            data_fields=list(dict.fromkeys(data.fields)),
            update_frequency=data.update_frequency,
            sharing_class=SharingClass(data.sharing_class),
            not_shared_reason=reason if data.sharing_class == SharingClass.NOT_SHARED else "",
            using_db=conn,
        )
        await audit.record(
            user,
            "data_resource.create",
            "data_resource",
            resource.id,
            after={
                "name": resource.name,
                "sharing_class": resource.sharing_class.value,
                "department_id": department_id,
                "operator": is_operator(user),
            },
            reason=reason,
            conn=conn,
        )
    return resource
