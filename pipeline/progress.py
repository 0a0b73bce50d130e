"""Progress after listing (跟踪问效): scenario parties report a period's milestone and indicator
values; the scenario page draws them over time; listed scenarios without a report for 90 days are
flagged on the operator board."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, field_validator
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from lab.errors import Conflict
from lab.models import User
from lab.permissions import require
from lab.schemas import Input
from lab import audit
from lab.models import AuditRecord
from pipeline.models import Origin, ProgressUpdate, Scenario
from pipeline.notifications import notify, party_users
from pipeline.permissions import ScenarioAccess, get_scenario
from pipeline.stages import PUBLIC_STAGES

STALE_AFTER_DAYS = 90
PERIOD_PATTERN = re.compile(r"^(20\d\d)-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
PERIOD_HINT = "期间格式应为 YYYY-MM（如 2025-09）或 YYYY-Qn（如 2025-Q3）"


def period_start(period: str) -> date | None:
    """``2025-09`` → 2025-09-01, ``2025-Q3`` → 2025-07-01; None when malformed."""
    match = PERIOD_PATTERN.match(period)
    if match is None:
        return None
    year, month, quarter = match.groups()
    return date(int(year), int(month) if month else (int(quarter) - 1) * 3 + 1, 1)


IndicatorName = Annotated[str, Field(min_length=1, max_length=40)]


class Indicator(Input):
    value: Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
    unit: Annotated[str, Field(max_length=20)] = ""


class AttachmentLink(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://\S+$")]


class ProgressIn(Input):
    period: Annotated[str, Field(min_length=7, max_length=7, description="YYYY-MM 或 YYYY-Qn")]
    milestone: Annotated[str, Field(min_length=1, max_length=200)]
    indicators: Annotated[dict[IndicatorName, Indicator], Field(max_length=20)] = Field(
        default_factory=dict, description='指标名 → {value, unit}，例如 {"覆盖小区": {"value": 56, "unit": "个"}}'
    )
    note: Annotated[str, Field(max_length=5000)] = ""
    attachments: Annotated[list[AttachmentLink], Field(max_length=10)] = Field(
        default_factory=list, description="附件链接 [{name, url}]"
    )

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if period_start(value) is None:
            raise ValueError(PERIOD_HINT)
        return value


def is_listed(scenario: Scenario) -> bool:
    return scenario.origin == Origin.LAB and scenario.stage in PUBLIC_STAGES


async def post_progress(user: User | None, scenario_id: int, data: ProgressIn) -> ProgressUpdate:
    scenario, found = await get_scenario(user, scenario_id)
    require(
        user,
        "progress.create",
        ScenarioAccess(scenario, frozenset(found)),
        message="只有场景的牵头部门和合作单位可以报送进展",
    )
    if not is_listed(scenario):
        raise Conflict("场景上架后才能报送进展", code="not_listed")
    async with in_transaction() as conn:
        update = await create_update(user, scenario, data, source="api", conn=conn)
        await notify(
            await party_users(scenario, conn),
            "progress",
            f"「{scenario.title}」报送了 {data.period} 进展：{data.milestone}",
            scenario,
            skip=user,
            conn=conn,
        )
    return update


async def create_update(
    user: User | None, scenario: Scenario, data: ProgressIn, *, source: str, conn
) -> ProgressUpdate:
    """One update and its audit record; call inside the caller's transaction."""
    update = await ProgressUpdate.create(
        scenario_id=scenario.id,
        period=data.period,
        period_start=period_start(data.period),
        milestone=data.milestone,
        indicators={k: v.model_dump() for k, v in data.indicators.items()},
        note=data.note,
        attachments=[a.model_dump() for a in data.attachments],
        source=source,
        created_by_id=user.id if user else None,
        using_db=conn,
    )
    await audit.record(
        user,
        "progress.create",
        "progress_update",
        update.id,
        after={
            "scenario_id": scenario.id,
            "period": data.period,
            "milestone": data.milestone,
            "indicators": update.indicators,
            "source": source,
        },
        conn=conn,
    )
    return update


def present(u: ProgressUpdate) -> dict[str, Any]:
    return {
        "id": u.id,
        "scenario_id": u.scenario_id,
        "period": u.period,
        "period_start": u.period_start.isoformat(),
        "milestone": u.milestone,
        "indicators": u.indicators,
        "note": u.note,
        "attachments": u.attachments,
        "source": u.source,
        "created_at": u.created_at.isoformat(),
    }


async def progress_of(user: User | None, scenario_id: int) -> list[dict[str, Any]]:
    """Updates of a scenario anyone who may read the scenario may see, oldest period first."""
    scenario, _ = await get_scenario(user, scenario_id)
    return await updates(scenario.id)


async def updates(scenario_id: int) -> list[dict[str, Any]]:
    """The updates of a scenario the caller has already loaded and checked (pages), oldest first."""
    rows = await ProgressUpdate.filter(scenario_id=scenario_id).order_by("period_start", "id")
    return [present(u) for u in rows]


def series(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each indicator over time: [{"name", "unit", "points": [(period, value), ...]}], in first-seen
    order; a later report for the same period replaces the earlier value."""
    by_name: dict[str, dict[str, Any]] = {}
    for u in updates:
        for name, item in u["indicators"].items():
            entry = by_name.setdefault(name, {"name": name, "unit": item.get("unit", ""), "points": {}})
            entry["points"][u["period"]] = (u["period_start"], item["value"])
    return [
        {
            "name": e["name"],
            "unit": e["unit"],
            "points": [(period, value) for period, (_, value) in sorted(e["points"].items(), key=lambda p: p[1][0])],
        }
        for e in by_name.values()
    ]


async def stale_scenarios(now: datetime, days: int = STALE_AFTER_DAYS) -> list[dict[str, Any]]:
    """Listed lab scenarios whose latest progress report (or, without one, their listing) is older
    than ``days`` at ``now``, longest silent first."""
    listed = await Scenario.filter(origin=Origin.LAB, stage__in=list(PUBLIC_STAGES)).values(
        "id", "title", "code", "entered_stage_at"
    )
    if not listed:
        return []
    ids = [s["id"] for s in listed]
    last = dict(
        await ProgressUpdate.filter(scenario_id__in=ids)
        .annotate(last=Max("created_at"))
        .group_by("scenario_id")
        .values_list("scenario_id", "last")
    )
    listed_at: dict[int, datetime] = {}
    moves = (
        await AuditRecord.filter(object_kind="scenario", object_id__in=ids, action__startswith="scenario.")
        .order_by("id")
        .values("object_id", "after", "at")
    )
    for m in moves:
        if (m["after"] or {}).get("stage") == "listing":
            listed_at.setdefault(m["object_id"], m["at"])
    cutoff = now - timedelta(days=days)
    out = []
    for s in listed:
        since = last.get(s["id"]) or listed_at.get(s["id"]) or s["entered_stage_at"]
        if since is not None and since < cutoff:
            out.append(
                {
                    "id": s["id"],
                    "title": s["title"],
                    "code": s["code"],
                    "last_update_at": last[s["id"]].isoformat() if s["id"] in last else None,
                    "silent_days": (now - since).days,
                }
            )
    return sorted(out, key=lambda r: (-r["silent_days"], r["id"]))
