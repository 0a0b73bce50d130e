"""Operator read models the pipeline does not offer as such: board cards per stage, counts by
domain and district, and the median time scenarios spend in each stage (from the audit trail)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import median

from tortoise.functions import Count
from tortoise.timezone import now

from lab.models import AuditRecord
from pipeline.models import Origin, Scenario, Stage
from pipeline.stages import FORWARD, LABELS

BOARD_CARDS_PER_STAGE = 12


async def board_cards() -> dict[str, list[dict]]:
    """Lab scenarios in each forward stage, longest waiting first, with days in stage."""
    current = now()
    cards: dict[str, list[dict]] = {}
    for stage in FORWARD:
        rows = await Scenario.filter(origin=Origin.LAB, stage=stage).order_by("entered_stage_at", "id") \
            .limit(BOARD_CARDS_PER_STAGE).values("id", "title", "domain", "district", "entered_stage_at")
        cards[stage.value] = [{**r, "days": _days(current, r["entered_stage_at"])} for r in rows]
    return cards


def _days(current: datetime, since: datetime | None) -> float:
    return round((current - since).total_seconds() / 86400, 1) if since else 0.0


async def counts_by(field_name: str) -> list[tuple[str, int]]:
    rows = await Scenario.filter(origin=Origin.LAB).exclude(stage=Stage.WITHDRAWN) \
        .annotate(n=Count("id")).group_by(field_name).values_list(field_name, "n")
    return sorted(((v or "未填写", n) for v, n in rows), key=lambda r: (-r[1], r[0]))


async def median_days_in_stage() -> list[tuple[str, float]]:
    """Median days per forward stage over every stay recorded in the audit trail (finished stays,
    plus the current stay of scenarios still there)."""
    stays: dict[str, list[float]] = defaultdict(list)
    records = await AuditRecord.filter(object_kind="scenario", action__startswith="scenario.") \
        .order_by("object_id", "id").values("object_id", "before", "after", "at")
    entered: dict[int, tuple[str, datetime]] = {}
    for r in records:
        sid, before, after = r["object_id"], (r["before"] or {}).get("stage"), (r["after"] or {}).get("stage")
        if before and sid in entered and entered[sid][0] == before:
            stays[before].append(_days(r["at"], entered[sid][1]))
        if after:
            entered[sid] = (after, r["at"])
    current = now()
    for stage, since in entered.values():
        stays[stage].append(_days(current, since))
    return [(LABELS[s], round(median(stays[s.value]), 1)) for s in FORWARD if stays.get(s.value)]
