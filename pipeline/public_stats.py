"""Public statistics datasets of the open-data bundle (``pipeline.open_data``): events and data
requests, counted, never listed.

Events: per event its title, kind and dates with how many organisations registered, how many
one-to-one meetings were arranged and how many ended with a cooperation intent; no organisation,
wish, availability or meeting pair. Data requests: per holding department the requests received,
answered, answered on time and the mean working days to answer (``pipeline.datasharing.reports``);
no requester, purpose or field."""

from __future__ import annotations

from collections import Counter
from typing import Any

from lab.models import Organisation
from pipeline.datasharing import reports
from pipeline.event_presenters import KIND_LABELS
from pipeline.exports import DATE, INTEGER, NUMBER, Column
from pipeline.models import Answer, Event, EventRegistration, Meeting, Outcome
from pipeline.workdays import CHINA

EVENT_COLUMNS = (
    Column("活动编号", "活动在本平台的编号（页面地址 /events/编号）", INTEGER, width=8),
    Column("活动名称", "活动的名称", width=40),
    Column("活动类型", "供需对接会、培训或参观接待", width=12),
    Column("开始日期", "活动开始的日期（北京时间）", DATE, width=12),
    Column("结束日期", "活动结束的日期（北京时间）", DATE, width=12),
    Column("报名单位数", "报名参加该活动的单位数", INTEGER, "家", width=10),
    Column("洽谈场次", "为该活动排定的一对一洽谈场次，不含任一方婉拒的", INTEGER, "场", width=10),
    Column("达成合作意向场次", "洽谈结果记为“达成合作意向”的场次", INTEGER, "场", width=14),
)
DATA_REQUEST_COLUMNS = (
    Column("数据提供部门", "持有数据并答复申请的政府部门", width=30),
    Column("收到申请数", "收到的有条件共享数据申请数（含尚未答复的）", INTEGER, "件", width=10),
    Column("已答复数", "已同意或未同意的申请数", INTEGER, "件", width=10),
    Column("按时答复数", "在答复期限内答复的申请数", INTEGER, "件", width=10),
    Column("平均答复用时（工作日）", "从收到到答复的平均工作日数，保留一位小数；无已答复申请为空", NUMBER, "工作日"),
)


def _local_day(value) -> str:
    return value.astimezone(CHINA).date().isoformat()


async def event_rows() -> list[tuple[Event, list[Any]]]:
    events = await Event.all().order_by("starts_at", "id")
    registered = Counter(await EventRegistration.all().values_list("event_id", flat=True))
    meetings = await Meeting.exclude(department_answer=Answer.DECLINED).exclude(supplier_answer=Answer.DECLINED)
    held = Counter(m.event_id for m in meetings)
    intent = Counter(m.event_id for m in meetings if m.outcome == Outcome.INTENT)
    return [
        (
            e,
            [
                e.id,
                e.title,
                KIND_LABELS.get(e.kind.value, e.kind.value),
                _local_day(e.starts_at),
                _local_day(e.ends_at),
                registered[e.id],
                held[e.id],
                intent[e.id],
            ],
        )
        for e in events
    ]


async def data_request_rows() -> list[tuple[Organisation, list[Any]]]:
    report = await reports.answer_times()
    departments = {o.id: o for o in await Organisation.filter(id__in=[r["department_id"] for r in report])}
    return [
        (
            departments[r["department_id"]],
            [
                r["department"],
                r["answered"] + r["pending"],
                r["answered"],
                r["on_time"],
                r["mean_working_days"],
            ],
        )
        for r in report
    ]
