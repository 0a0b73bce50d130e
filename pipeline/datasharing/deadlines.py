"""The answer deadline of conditional requests: a reminder to the owning department when 3 working
days are left, and escalation to the lab's operators once the due day has passed.

``sweep(today)`` is idempotent (each request is reminded once and escalated once, claimed by a
conditional update) and takes the date as an argument, so a scheduler runs it daily through
``scenario-lab data-requests sweep`` and tests run it with a fixed clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from lab.models import Role
from lab import audit
from pipeline.datasharing.requests import organisation_users
from pipeline.models import DataRequest, DataRequestStatus
from pipeline.notifications import notify, operator_users
from pipeline.workdays import working_days_left

REMIND_AT_WORKING_DAYS_LEFT = 3


@dataclass(frozen=True)
class SweepResult:
    reminded: list[int]
    escalated: list[int]


async def sweep(today: date) -> SweepResult:
    reminded: list[int] = []
    escalated: list[int] = []
    pending = (
        await DataRequest.filter(status=DataRequestStatus.PENDING, due_on__not_isnull=True)
        .prefetch_related("resource", "resource__department", "scenario")
        .order_by("due_on", "id")
    )
    for request in pending:
        left = working_days_left(today, request.due_on)
        if today > request.due_on:
            if request.escalated_at is None and await _escalate(request, today):
                escalated.append(request.id)
        elif left <= REMIND_AT_WORKING_DAYS_LEFT and request.reminded_at is None and await _remind(request, left):
            reminded.append(request.id)
    return SweepResult(reminded, escalated)


async def _remind(request: DataRequest, left: int) -> bool:
    async with in_transaction() as conn:
        claimed = (
            await DataRequest.filter(id=request.id, status=DataRequestStatus.PENDING, reminded_at=None)
            .using_db(conn)
            .update(reminded_at=now())
        )
        if not claimed:
            return False
        await audit.record(
            None,
            "data_request.remind",
            "data_request",
            request.id,
            after={"working_days_left": left, "due_on": request.due_on.isoformat()},
            conn=conn,
        )
        await notify(
            await organisation_users(request.resource.department_id, conn, (Role.DEPARTMENT_MEMBER,)),
            "data_request_due",
            f"数据共享申请 #{request.id}「{request.resource.name}」还剩 {left} 个工作日到期"
            f"（{request.due_on.isoformat()}），请及时答复。",
            request.scenario,
            conn=conn,
        )
    return True


async def _escalate(request: DataRequest, today: date) -> bool:
    async with in_transaction() as conn:
        claimed = (
            await DataRequest.filter(id=request.id, status=DataRequestStatus.PENDING, escalated_at=None)
            .using_db(conn)
            .update(escalated_at=now())
        )
        if not claimed:
            return False
        await audit.record(
            None,
            "data_request.escalate",
            "data_request",
            request.id,
            after={"due_on": request.due_on.isoformat(), "escalated_on": today.isoformat()},
            conn=conn,
        )
        department = request.resource.department.name
        await notify(
            await operator_users(conn),
            "data_request_overdue",
            f"数据共享申请 #{request.id}「{request.resource.name}」已逾期：{department} 应于 "
            f"{request.due_on.isoformat()} 前答复，至今未答复，请督办。",
            request.scenario,
            conn=conn,
        )
        await notify(
            await organisation_users(request.resource.department_id, conn, (Role.DEPARTMENT_MEMBER,)),
            "data_request_overdue",
            f"数据共享申请 #{request.id}「{request.resource.name}」已超过答复期限（{request.due_on.isoformat()}），"
            "已提交实验室运营督办。",
            request.scenario,
            conn=conn,
        )
    return True
