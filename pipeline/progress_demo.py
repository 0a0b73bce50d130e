"""Demo progress reports (idempotent): quarterly reports for every listed lab scenario (featured
ones first), most recent and every fourth one stopped more than 90 days ago, so the scenario pages
draw indicator trends and the operator board has real flags."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

from lab.models import AuditRecord
from pipeline.models import FeaturedEntry, Origin, ProgressUpdate, Scenario
from pipeline.stages import PUBLIC_STAGES
from pipeline.workdays import CHINA, china_today

INDICATORS = (("覆盖点位", "个"), ("服务人次", "万人次"), ("事件处置时长", "分钟"), ("问题发现数", "件"))
MILESTONES = (
    "完成首批点位部署并接入平台",
    "扩大试点范围至全区",
    "与市级平台完成数据对接",
    "形成常态化运行机制",
    "开展成效评估并优化算法",
    "在兄弟区（市）县复制推广",
)


def _seed_number(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:6], 16)


def _quarters_before(today: date, count: int, gap: int) -> list[tuple[str, date]]:
    """``count`` quarters ending ``gap`` quarters before the current one, oldest first."""
    index = today.year * 4 + (today.month - 1) // 3 - gap
    out = []
    for i in range(index - count + 1, index + 1):
        year, q = divmod(i, 4)
        out.append((f"{year}-Q{q + 1}", date(year, q * 3 + 1, 1)))
    return out


async def seed_progress(conn) -> int:
    if await ProgressUpdate.filter(source="demo").using_db(conn).exists():
        return 0
    featured = await FeaturedEntry.all().using_db(conn).order_by("rank").values_list("scenario_id", flat=True)
    listed = (
        await Scenario.filter(origin=Origin.LAB, stage__in=list(PUBLIC_STAGES))
        .using_db(conn)
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen = list(dict.fromkeys([*featured, *listed]))
    today = china_today()
    rows = []
    for n, scenario_id in enumerate(chosen):
        gap = 2 if n % 4 == 3 else 0  # every fourth one stopped reporting half a year ago: flagged as stale
        quarters = _quarters_before(today, 3 + n % 3, gap)
        picks = [INDICATORS[(n + k) % len(INDICATORS)] for k in range(2)]
        for i, (period, start) in enumerate(quarters):
            indicators = {}
            for name, unit in picks:
                base = 10 + _seed_number(scenario_id, name) % 90
                value = base * (1 + 0.25 * i) if name != "事件处置时长" else max(5, base - 6 * i)
                indicators[name] = {"value": round(float(value), 1), "unit": unit}
            reported = datetime.combine(start + timedelta(days=100), time(16, 0), CHINA)
            reported = min(reported, datetime.combine(today - timedelta(days=1), time(16, 0), CHINA))
            rows.append(
                ProgressUpdate(
                    scenario_id=scenario_id,
                    period=period,
                    period_start=start,
                    milestone=MILESTONES[(n + i) % len(MILESTONES)],
                    indicators=indicators,
                    source="demo",
                    created_at=reported,
                )
            )
    await ProgressUpdate.bulk_create(rows, batch_size=500, using_db=conn)
    saved = (
        await ProgressUpdate.filter(source="demo").using_db(conn).values("id", "scenario_id", "period", "created_at")
    )
    await AuditRecord.bulk_create(
        [
            AuditRecord(
                action="progress.create",
                object_kind="progress_update",
                object_id=u["id"],
                after={"scenario_id": u["scenario_id"], "period": u["period"], "source": "demo"},
                at=u["created_at"],
            )
            for u in saved
        ],
        batch_size=500,
        using_db=conn,
    )
    return len(saved)
