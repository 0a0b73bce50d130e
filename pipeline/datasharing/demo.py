"""Demo data for public-data sharing (idempotent; runs after the lab scenarios are seeded): a
catalogue of realistic resources held by Chengdu departments, and requests serving the lab's
scenarios in every state — waiting, reminded, overdue and escalated, granted at once, granted on
time and late, refused with a reason — dated around today so deadlines look real."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from lab.models import Organisation, OrgKind, Role, User
from lab.models import AuditRecord
from pipeline.models import (
    DataRequest,
    DataRequestStatus,
    DataResource,
    Origin,
    Scenario,
    SharingClass,
)
from pipeline.workdays import CHINA, add_working_days, china_today, working_days_left

U, C, N = SharingClass.UNCONDITIONAL, SharingClass.CONDITIONAL, SharingClass.NOT_SHARED
CATALOGUE = (  # department, name, description, fields, frequency, class, reason when not shared
    (
        "成都市公安局交通管理局",
        "主要路口实时车流量",
        "全市信控路口分方向、分车道的车流量与排队长度，5分钟汇总。",
        ["路口编号", "方向", "车道", "时段", "车流量", "排队长度"],
        "实时",
        C,
        "",
    ),
    (
        "成都市公安局交通管理局",
        "交通事故快处快赔统计",
        "按区（市）县、道路等级汇总的轻微事故数量，不含当事人信息。",
        ["区（市）县", "道路等级", "月份", "事故数"],
        "每月",
        U,
        "",
    ),
    (
        "成都市公安局交通管理局",
        "机动车驾驶人违法记录明细",
        "驾驶人身份与违法记录明细。",
        ["驾驶证号", "姓名", "违法时间", "违法行为"],
        "每日",
        N,
        "含公民个人身份和违法信息，依《个人信息保护法》不予共享；可申请脱敏统计数据。",
    ),
    (
        "成都市水务局",
        "城区积水点水位监测",
        "中心城区易涝点、下穿隧道水位传感器读数。",
        ["监测点编号", "位置", "时间", "水位(cm)", "设备状态"],
        "实时",
        C,
        "",
    ),
    (
        "成都市水务局",
        "河湖长制巡河记录",
        "各级河长巡河次数、发现问题及处置情况。",
        ["河湖名称", "巡河日期", "问题类型", "处置状态"],
        "每周",
        U,
        "",
    ),
    (
        "成都市住房和城乡建设局",
        "既有住宅加装电梯项目清单",
        "已备案加装电梯项目的小区、楼栋与进度。",
        ["项目编号", "区（市）县", "小区名称", "楼栋", "进度"],
        "每月",
        U,
        "",
    ),
    (
        "成都市住房和城乡建设局",
        "城镇燃气管网GIS数据",
        "燃气管网走向、管径与阀门位置。",
        ["管段编号", "管径", "材质", "坐标"],
        "每季度",
        N,
        "属于城市生命线关键基础设施地理信息，涉及公共安全，不予共享；场景可通过实验室数据沙箱使用脱敏成果。",
    ),
    (
        "成都市卫生健康委员会",
        "医疗机构床位与门诊量",
        "二级以上医疗机构每日床位使用与门诊人次。",
        ["机构名称", "日期", "开放床位", "在院人数", "门诊人次"],
        "每日",
        C,
        "",
    ),
    (
        "成都市民政局",
        "养老服务机构名录",
        "养老机构、社区养老服务综合体的地址、床位与服务项目。",
        ["机构名称", "地址", "床位数", "服务项目", "联系电话"],
        "每月",
        U,
        "",
    ),
    (
        "成都市民政局",
        "特殊困难老年人探访关爱台账",
        "独居、空巢、失能等特殊困难老年人名单与探访记录。",
        ["姓名", "身份证号", "地址", "探访日期", "探访结果"],
        "每月",
        C,
        "",
    ),
    (
        "成都市网络理政办公室",
        "12345热线诉求工单",
        "市民热线诉求的分类、区域与办理时限，不含来电人信息。",
        ["工单编号", "诉求类型", "区（市）县", "受理时间", "办结时间", "满意度"],
        "每日",
        C,
        "",
    ),
    (
        "成都市消防救援支队",
        "消防安全重点单位名录",
        "消防安全重点单位的名称、地址、类别与最近一次检查结论。",
        ["单位名称", "地址", "单位类别", "检查日期", "检查结论"],
        "每季度",
        C,
        "",
    ),
    (
        "金牛区消防救援大队",
        "辖区电动自行车火灾警情",
        "辖区电动自行车相关火警的时间、地点类型与起火原因。",
        ["警情编号", "时间", "场所类型", "起火原因"],
        "每月",
        C,
        "",
    ),
    (
        "成都市急救指挥中心",
        "院前急救呼叫与出车记录",
        "120 呼叫受理、派车、到达时长统计。",
        ["呼叫时间", "区（市）县", "派车时长(分)", "到达时长(分)"],
        "每日",
        C,
        "",
    ),
    (
        "成都市文化广电旅游局",
        "A级旅游景区客流",
        "A级旅游景区分时段入园人数与承载量。",
        ["景区名称", "日期", "时段", "入园人数", "最大承载量"],
        "实时",
        U,
        "",
    ),
    (
        "成都市疾病预防控制中心",
        "传染病个案报告",
        "法定传染病个案报告信息。",
        ["病例编号", "病种", "报告日期", "现住址", "身份证号"],
        "每日",
        N,
        "依《传染病防治法》，个案信息除法定用途外不予共享；可申请按区县、周次汇总的统计数据。",
    ),
)
PURPOSES = (
    "用于场景测试阶段的效果对比分析",
    "用于算法模型训练与验证（脱敏后在实验室数据沙箱内使用）",
    "用于场景上架后的成效评估",
    "用于方案设计阶段的现状摸底",
)
REFUSAL = "申请的数据项超出场景实际所需，且未说明脱敏措施；请缩小字段范围、补充数据安全承诺后重新申请。"


async def _department(name: str, conn) -> Organisation:
    org = await Organisation.get_or_none(name=name).using_db(conn)
    if org is None:
        org = await Organisation.create(name=name, kind=OrgKind.DEPARTMENT, using_db=conn)
    return org


async def seed_catalogue(conn) -> int:
    created = 0
    for dept, name, description, fields, frequency, sharing, reason in CATALOGUE:
        org = await _department(dept, conn)
        if await DataResource.exists(department_id=org.id, name=name, using_db=conn):
            continue
        await DataResource.create(
            department_id=org.id,
            name=name,
            description=description,
            data_fields=fields,
            update_frequency=frequency,
            sharing_class=sharing,
            not_shared_reason=reason,
            using_db=conn,
        )
        created += 1
    return created


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), CHINA)


def _received_with_left(today: date, left: int) -> date:
    """A receipt date whose due date leaves ``left`` working days from ``today``."""
    day = today
    while working_days_left(today, add_working_days(day, 10).date) > left:
        day -= timedelta(days=1)
    return day


async def seed_requests(conn) -> int:
    if await DataRequest.exists(using_db=conn):
        return 0
    resources = {r.name: r for r in await DataResource.all().using_db(conn)}
    # the demo department's own scenarios first (so its account shows requests in every state), then
    # the other lab scenarios from demands
    demo = await User.get_or_none(email="department@lab.demo").using_db(conn)
    lab = (
        await Scenario.filter(origin=Origin.LAB, lead_department_id__isnull=False, demand_id__isnull=False)
        .exclude(stage__in=["rejected", "withdrawn"])
        .using_db(conn)
        .order_by("id")
    )
    own = [x for x in lab if demo and x.lead_department_id == demo.organisation_id]
    others = [x for x in lab if x not in own]
    if not lab or not resources:
        return 0
    today = china_today()
    # (resource, status, receipt date, answered after N working days or None)
    plan = [
        ("主要路口实时车流量", DataRequestStatus.PENDING, today - timedelta(days=1), None),
        ("12345热线诉求工单", DataRequestStatus.PENDING, _received_with_left(today, 2), None),
        ("医疗机构床位与门诊量", DataRequestStatus.PENDING, today - timedelta(days=30), None),
        ("交通事故快处快赔统计", DataRequestStatus.GRANTED, today - timedelta(days=40), 0),
        ("城区积水点水位监测", DataRequestStatus.GRANTED, today - timedelta(days=60), 6),
        ("消防安全重点单位名录", DataRequestStatus.GRANTED, today - timedelta(days=75), 9),
        ("院前急救呼叫与出车记录", DataRequestStatus.GRANTED, today - timedelta(days=90), 14),
        ("特殊困难老年人探访关爱台账", DataRequestStatus.REFUSED, today - timedelta(days=50), 8),
        ("辖区电动自行车火灾警情", DataRequestStatus.PENDING, today - timedelta(days=3), None),
        ("主要路口实时车流量", DataRequestStatus.GRANTED, today - timedelta(days=120), 4),
        ("12345热线诉求工单", DataRequestStatus.REFUSED, today - timedelta(days=100), 12),
    ]
    created = 0
    for n, (name, status, received, after) in enumerate(plan):
        resource = resources.get(name)
        if resource is None:
            continue
        pool = (own if n % 2 == 0 and own else others) or lab
        s = next(
            (x for x in pool[n % len(pool) :] + pool + lab if x.lead_department_id != resource.department_id), None
        )
        if s is None:
            continue
        requester = (
            await User.filter(organisation_id=s.lead_department_id, role=Role.DEPARTMENT_MEMBER).using_db(conn).first()
        )
        unconditional = resource.sharing_class == SharingClass.UNCONDITIONAL
        due = None if unconditional else add_working_days(received, 10)
        answered = None if after is None else add_working_days(received, after).date
        request = await DataRequest.create(
            resource_id=resource.id,
            requester_id=requester.id if requester else None,
            requester_org_id=s.lead_department_id,
            scenario_id=s.id,
            purpose=PURPOSES[n % len(PURPOSES)],
            data_fields=resource.data_fields[:3],
            period_from=date(today.year - 1, 1, 1),
            period_to=date(today.year - 1, 12, 31),
            status=status,
            received_on=received,
            due_on=due.date if due else None,
            calendar_provisional=due.calendar_provisional if due else False,
            answered_on=answered,
            refusal_reason=REFUSAL if status == DataRequestStatus.REFUSED else "",
            using_db=conn,
        )
        records = [
            AuditRecord(
                actor_id=requester.id if requester else None,
                action="data_request.grant" if unconditional else "data_request.create",
                object_kind="data_request",
                object_id=request.id,
                reason=request.purpose,
                after={"status": "granted" if unconditional else "pending"},
                at=_at(received),
            )
        ]
        if due and status == DataRequestStatus.PENDING:
            left = working_days_left(today, due.date)
            if 0 < left <= 3:
                request.reminded_at = _at(today)
                records.append(
                    AuditRecord(
                        action="data_request.remind",
                        object_kind="data_request",
                        object_id=request.id,
                        after={"working_days_left": left},
                        at=_at(today),
                    )
                )
            if today > due.date:
                request.escalated_at = _at(due.date + timedelta(days=1))
                records.append(
                    AuditRecord(
                        action="data_request.escalate",
                        object_kind="data_request",
                        object_id=request.id,
                        after={"due_on": due.date.isoformat()},
                        at=request.escalated_at,
                    )
                )
            await request.save(using_db=conn, update_fields=["reminded_at", "escalated_at"])
        if answered and not unconditional:
            action = "data_request.approve" if status == DataRequestStatus.GRANTED else "data_request.refuse"
            records.append(
                AuditRecord(
                    action=action,
                    object_kind="data_request",
                    object_id=request.id,
                    actor_id=None,
                    before={"status": "pending"},
                    after={"status": status.value, "on_time": answered <= due.date},
                    reason=request.refusal_reason,
                    at=_at(answered),
                )
            )
        await AuditRecord.bulk_create(records, using_db=conn)
        created += 1
    return created
