"""Requests for public data, each serving one demand or one scenario.

- unconditional data is granted at once;
- data that is not shared is refused with the catalogue's stated reason (nothing is stored);
- conditional data waits for the owning department, which must answer by ``due_on``: 10 working
  days counted from the working day after receipt, on the official calendar
  (``pipeline.workdays``).

Every decision writes an audit record in its own transaction and notifies the other side.
"""

from __future__ import annotations

from datetime import date

from tortoise.transactions import in_transaction

from lab.errors import (
    Conflict,
    IllegalTransition,
    Invalid,
    NotFound,
    Unauthorized,
    VersionConflict,
)
from lab.models import Demand, ProposalStatus, Role, User
from lab.permissions import can, require
from lab import audit
from pipeline.datasharing.schemas import AnswerIn, DataRequestIn, RefusalIn
from pipeline.models import (
    DataRequest,
    DataRequestStatus,
    DataResource,
    Scenario,
    SharingClass,
)
from pipeline.notifications import notify, party_users
from pipeline.permissions import Served, partner_ids
from pipeline.workdays import add_working_days, china_today

ANSWER_WORKING_DAYS = 10
MAX_PERIOD_DAYS = 366 * 20


async def organisation_users(organisation_id: int, conn=None, roles: tuple[Role, ...] | None = None) -> list[int]:
    qs = User.filter(organisation_id=organisation_id, active=True)
    if roles:
        qs = qs.filter(role__in=list(roles))
    return list(await qs.using_db(conn).values_list("id", flat=True))


async def served_by(demand_id: int | None, scenario_id: int | None) -> tuple[Served, Scenario | None]:
    """What the request serves and who its parties are (a demand: its department and the suppliers
    whose proposals it accepted; a scenario: its lead department and partners)."""
    if (demand_id is None) == (scenario_id is None):
        raise Invalid(
            {"demand_id": "请在需求与场景中选择且只选择一个", "scenario_id": "请在需求与场景中选择且只选择一个"}
        )
    if demand_id is not None:
        demand = await Demand.get_or_none(id=demand_id)
        if demand is None:
            raise Invalid({"demand_id": "找不到该需求"})
        accepted = await demand.proposals.filter(status=ProposalStatus.ACCEPTED).values_list(
            "organisation_id", flat=True
        )
        return Served("demand", demand.id, demand.title, frozenset({demand.organisation_id, *accepted})), None
    scenario = await Scenario.get_or_none(id=scenario_id)
    if scenario is None:
        raise Invalid({"scenario_id": "找不到该场景"})
    orgs = await partner_ids(scenario)
    if scenario.lead_department_id:
        orgs.add(scenario.lead_department_id)
    return Served("scenario", scenario.id, scenario.title, frozenset(orgs)), scenario


async def request_data(user: User | None, data: DataRequestIn, *, today: date | None = None) -> DataRequest:
    if user is None:
        raise Unauthorized()
    today = today or china_today()
    served, scenario = await served_by(data.demand_id, data.scenario_id)
    require(user, "data.request", served, message="只有该需求或场景的相关方可以申请数据")
    resource = await DataResource.get_or_none(id=data.resource_id).prefetch_related("department")
    if resource is None:
        raise Invalid({"resource_id": "找不到该数据资源"})
    if resource.sharing_class == SharingClass.NOT_SHARED:
        raise Invalid(
            {"resource_id": f"该数据不予共享：{resource.not_shared_reason}"},
            f"「{resource.name}」不予共享：{resource.not_shared_reason}",
            code="not_shared",
        )
    unknown = [f for f in data.fields if f not in resource.data_fields]
    if unknown:
        raise Invalid({"fields": "以下数据项不在该资源目录中：" + "、".join(unknown)})
    if data.period.end < data.period.start:
        raise Invalid({"period": "数据期间的结束日期不能早于开始日期"})
    if (data.period.end - data.period.start).days > MAX_PERIOD_DAYS:
        raise Invalid({"period": "数据期间不能超过20年"})
    granted = resource.sharing_class == SharingClass.UNCONDITIONAL
    due = None if granted else add_working_days(today, ANSWER_WORKING_DAYS)
    async with in_transaction() as conn:
        request = await DataRequest.create(
            resource_id=resource.id,
            requester_id=user.id,
            requester_org_id=user.organisation_id,
            demand_id=data.demand_id,
            scenario_id=data.scenario_id,
            purpose=data.purpose,
            data_fields=list(dict.fromkeys(data.fields)),
            period_from=data.period.start,
            period_to=data.period.end,
            status=DataRequestStatus.GRANTED if granted else DataRequestStatus.PENDING,
            received_on=today,
            due_on=due.date if due else None,
            calendar_provisional=due.calendar_provisional if due else False,
            answered_on=today if granted else None,
            using_db=conn,
        )
        after = {
            "status": request.status.value,
            "resource_id": resource.id,
            "due_on": _iso(request.due_on),
            served.kind + "_id": served.id,
        }
        await audit.record(
            user,
            "data_request.grant" if granted else "data_request.create",
            "data_request",
            request.id,
            after=after,
            reason=data.purpose,
            conn=conn,
        )
        if granted:
            await notify(
                await organisation_users(user.organisation_id, conn),
                "data_request",
                f"数据共享申请已自动通过：「{resource.name}」为无条件共享数据，可直接从共享平台获取。",
                scenario,
                skip=user,
                conn=conn,
            )
        else:
            await notify(
                await organisation_users(resource.department_id, conn, (Role.DEPARTMENT_MEMBER,)),
                "data_request",
                f"收到数据共享申请：{user.display_name} 为「{served.title}」申请「{resource.name}」，"
                f"请于 {request.due_on.isoformat()} 前答复（10个工作日）。",
                scenario,
                conn=conn,
            )
    request.resource = resource
    return request


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


async def get_request(user: User | None, request_id: int) -> DataRequest:
    """The request when ``user`` may see it; otherwise reported missing."""
    if user is None:
        raise Unauthorized()
    request = await DataRequest.get_or_none(id=request_id).prefetch_related(
        "resource", "resource__department", "requester_org", "demand", "scenario"
    )
    if request is None or not can(user, "data_request.read", request):
        raise NotFound("找不到该数据共享申请")
    return request


async def approve(user: User | None, request_id: int, data: AnswerIn, *, today: date | None = None) -> DataRequest:
    return await _answer(user, request_id, DataRequestStatus.GRANTED, data.version, data.note.strip(), today)


async def refuse(user: User | None, request_id: int, data: RefusalIn, *, today: date | None = None) -> DataRequest:
    reason = data.reason.strip()
    if not reason:
        raise Invalid({"reason": "拒绝申请必须说明理由"})
    return await _answer(user, request_id, DataRequestStatus.REFUSED, data.version, reason, today)


async def _answer(
    user: User | None, request_id: int, status: DataRequestStatus, version: int | None, text: str, today: date | None
) -> DataRequest:
    request = await get_request(user, request_id)
    action = "approve" if status == DataRequestStatus.GRANTED else "refuse"
    require(user, f"data_request.{action}", request, message="只有数据提供部门可以答复该申请")
    if request.status != DataRequestStatus.PENDING:
        raise IllegalTransition("该申请已答复，不能再次答复")
    if version is not None and version != request.version:
        raise VersionConflict()
    today = today or china_today()
    changes = {
        "status": status,
        "answered_on": today,
        "answered_by_id": user.id,  # type: ignore[union-attr]
        "refusal_reason": text if status == DataRequestStatus.REFUSED else "",
        "version": request.version + 1,
    }
    async with in_transaction() as conn:
        updated = (
            await DataRequest.filter(id=request.id, status=DataRequestStatus.PENDING, version=request.version)
            .using_db(conn)
            .update(**changes)
        )
        if not updated:
            raise Conflict("该申请已被他人答复，请刷新后查看")
        on_time = request.due_on is None or today <= request.due_on
        await audit.record(
            user,
            f"data_request.{action}",
            "data_request",
            request.id,
            before={"status": DataRequestStatus.PENDING.value},
            after={"status": status.value, "answered_on": today.isoformat(), "on_time": on_time},
            reason=text,
            conn=conn,
        )
        verdict = "已同意" if status == DataRequestStatus.GRANTED else f"未同意，理由：{text}"
        await notify(
            await requester_side(request, conn),
            "data_request",
            f"「{request.resource.name}」数据共享申请{verdict}",
            request.scenario,
            skip=user,
            conn=conn,
        )
    for key, value in changes.items():
        setattr(request, key, value)
    return request


async def requester_side(request: DataRequest, conn=None) -> list[int]:
    """Who hears about an answer: the requesting organisation and the parties of what it serves."""
    users = set(await organisation_users(request.requester_org_id, conn))
    if request.scenario_id is not None:
        users.update(await party_users(await Scenario.get(id=request.scenario_id).using_db(conn), conn))
    if request.demand_id is not None:
        demand = await Demand.get(id=request.demand_id).using_db(conn)
        users.update(await organisation_users(demand.organisation_id, conn))
    return sorted(users)
