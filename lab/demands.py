"""Use cases for demands (需求): post, edit, publish, close, withdraw."""

from __future__ import annotations

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import IllegalTransition, Invalid, NotFound
from lab.models import Demand, DemandStatus, Organisation, OrgKind, User
from lab.outbox import append_outbox
from lab.permissions import can, require
from lab.records import apply_change
from lab.schemas import DemandIn, DemandUpdate

MIN_PUBLISH_DESCRIPTION = 20


async def get_demand(user: User | None, demand_id: int) -> Demand:
    demand = await Demand.get_or_none(id=demand_id).select_related("organisation")
    if demand is None:
        raise NotFound("找不到该需求")
    require(user, "demand.read", demand)
    return demand


async def _owning_department(user: User, organisation_id: int | None) -> Organisation:
    if can(user, "demand.act_for_any_department"):
        if organisation_id is None:
            raise Invalid({"organisation_id": "运营人员代发布需求时须指定需求部门"})
        org = await Organisation.get_or_none(id=organisation_id)
        if org is None or org.kind != OrgKind.DEPARTMENT:
            raise Invalid({"organisation_id": "需求部门不存在或不是政府部门"})
        return org
    if organisation_id not in (None, user.organisation_id):
        raise Invalid({"organisation_id": "只能以本单位名义发布需求"})
    return await Organisation.get(id=user.organisation_id)


async def create_demand(user: User, data: DemandIn) -> Demand:
    require(user, "demand.create")
    org = await _owning_department(user, data.organisation_id)
    values = data.model_dump(exclude={"organisation_id"})
    async with in_transaction() as conn:
        demand = await Demand.create(organisation=org, status=DemandStatus.DRAFT, using_db=conn, **values)
        await audit.record(
            user,
            "demand.create",
            "demand",
            demand.id,
            after=audit.snapshot(demand, ("title", "status", "organisation_id")),
            conn=conn,
        )
        await append_outbox("demand", demand.id, using_db=conn)
    return await get_demand(user, demand.id)


async def update_demand(user: User, demand_id: int, data: DemandUpdate) -> Demand:
    demand = await get_demand(user, demand_id)
    require(user, "demand.update", demand)
    if demand.status not in (DemandStatus.DRAFT, DemandStatus.PUBLISHED):
        raise IllegalTransition("已关闭或撤回的需求不能再修改")
    changes = data.model_dump(exclude={"version"}, exclude_unset=True)
    if demand.status == DemandStatus.PUBLISHED:
        _check_publishable({**_values(demand), **changes})
    await apply_change(
        demand, changes, actor=user, action="demand.update", kind="demand", version=data.version, outbox="demand"
    )
    return await get_demand(user, demand.id)


def _values(demand: Demand) -> dict:
    return {"title": demand.title, "description": demand.description, "district": demand.district}


def _check_publishable(values: dict) -> None:
    problems = {}
    if len((values.get("description") or "").strip()) < MIN_PUBLISH_DESCRIPTION:
        problems["description"] = f"发布前请把需求描述写完整（至少{MIN_PUBLISH_DESCRIPTION}个字）"
    if not values.get("district"):
        problems["district"] = "发布前请选择所在区（市）县"
    if problems:
        raise Invalid(problems, "需求还不能发布")


TRANSITIONS = {
    "publish": ((DemandStatus.DRAFT,), DemandStatus.PUBLISHED),
    "close": ((DemandStatus.PUBLISHED,), DemandStatus.CLOSED),
    "withdraw": ((DemandStatus.DRAFT, DemandStatus.PUBLISHED), DemandStatus.WITHDRAWN),
}


async def change_demand_status(user: User, demand_id: int, action: str, version: int | None) -> Demand:
    demand = await get_demand(user, demand_id)
    require(user, f"demand.{action}", demand)
    allowed_from, target = TRANSITIONS[action]
    if demand.status not in allowed_from:
        raise IllegalTransition(f"需求当前为「{demand.status.value}」，不能{ACTION_NAMES[action]}")
    if action == "publish":
        _check_publishable(_values(demand))
    changes: dict = {"status": target}
    if action == "publish":
        changes["published_at"] = now()
    await apply_change(
        demand,
        changes,
        actor=user,
        action=f"demand.{action}",
        kind="demand",
        version=version,
        where={"status__in": list(allowed_from)},
        audited=("status",),
        outbox="demand",
    )
    return await get_demand(user, demand.id)


ACTION_NAMES = {"publish": "发布", "close": "关闭", "withdraw": "撤回"}
