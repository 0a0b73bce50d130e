"""Operator read models for the board and the dashboard, over one filtered set of scenarios.

By default they count *live work*: lab scenarios that came out of a demand through the lifecycle,
not the 2023 reserve-list items imported with their history (those have no demand). The scope, a
year or edition, a domain, a district — and on the board a stage, the furthest stage reached and a
minimum waiting time — narrow the set; every chart bar links to the board filtered to what it
counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from statistics import median
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.timezone import now

from lab.domains import DISTRICTS, DOMAINS
from lab.models import AuditRecord
from pipeline.models import Edition, Origin, Scenario, Stage
from pipeline.stages import FORWARD, LABELS
from showcase import params

SCOPES = {"live": "进行中的实验室场景", "imported": "导入的往年清单", "all": "全部实验室场景"}
WAITING = {"30": "30 天以上", "90": "90 天以上", "180": "180 天以上", "365": "一年以上"}
CARDS_PER_STAGE = 12
CARDS_ONE_STAGE = 60
EXITS = (Stage.REJECTED, Stage.WITHDRAWN)


@dataclass(frozen=True)
class Filters:
    scope: str = "live"
    year: int | None = None
    edition: int | None = None
    domain: str | None = None
    district: str | None = None
    stage: str | None = None
    reached: str | None = None
    waiting: str | None = None

    @classmethod
    def from_query(cls, q: QueryParams, editions: list[int]) -> Filters:
        edition = params.positive_int(q.get("edition"))
        stages = [s.value for s in (*FORWARD, *EXITS)]
        return cls(
            scope=params.choice(q, "scope", SCOPES, "live"),
            year=params.year(q),
            edition=edition if edition in editions else None,
            domain=params.choice(q, "domain", DOMAINS),
            district=params.choice(q, "district", DISTRICTS),
            stage=params.choice(q, "stage", stages),
            reached=params.choice(q, "reached", [s.value for s in FORWARD]),
            waiting=params.choice(q, "waiting", WAITING),
        )

    def query(self, **changes: Any) -> str:
        """This filter set (with ``changes``) as a query string; defaults are left out."""
        chosen = replace(self, **changes)
        pairs = [(k, v) for k, v in chosen.__dict__.items() if v is not None and not (k == "scope" and v == "live")]
        return "?" + urlencode(pairs) if pairs else ""

    def condition(self, current: datetime | None = None) -> Q:
        cond = Q(origin=Origin.LAB)
        if self.scope == "live":
            cond &= Q(demand_id__isnull=False)
        elif self.scope == "imported":
            cond &= Q(demand_id__isnull=True)
        for name in ("year", "domain", "district", "stage"):
            value = getattr(self, name)
            if value is not None:
                cond &= Q(**{name: value})
        if self.edition is not None:
            cond &= Q(edition_id=self.edition)
        if self.reached is not None:
            at = [s.value for s in FORWARD].index(self.reached)
            cond &= Q(furthest_stage__in=[s.value for s in FORWARD[at:]])
        if self.waiting is not None:
            cond &= Q(entered_stage_at__lte=(current or now()) - timedelta(days=int(self.waiting)))
        return cond

    @property
    def chosen(self) -> list[str]:
        """Human labels of the narrowing filters, for the page heading."""
        out = []
        if self.year:
            out.append(f"{self.year} 年")
        for value in (self.domain, self.district):
            if value:
                out.append(value)
        if self.stage:
            out.append(f"当前阶段：{LABELS[Stage(self.stage)]}")
        if self.reached:
            out.append(f"曾到达：{LABELS[Stage(self.reached)]}")
        if self.waiting:
            out.append(f"停留{WAITING[self.waiting]}")
        return out


async def filter_options() -> dict[str, Any]:
    editions = await Edition.all().order_by("-year", "-id").values("id", "name", "year")
    years = sorted(
        {
            y
            for y in await Scenario.filter(origin=Origin.LAB).distinct().order_by("year").values_list("year", flat=True)
            if y
        },
        reverse=True,
    )
    return {
        "editions": editions,
        "years": years,
        "scopes": list(SCOPES.items()),
        "waiting": list(WAITING.items()),
        "domains": list(DOMAINS),
        "districts": list(DISTRICTS),
        "stages": [(s.value, LABELS[s]) for s in (*FORWARD, *EXITS)],
        "reached": [(s.value, LABELS[s]) for s in FORWARD],
    }


def _days(current: datetime, since: datetime | None) -> float:
    return round((current - since).total_seconds() / 86400, 1) if since else 0.0


async def board(f: Filters) -> dict[str, Any]:
    """Columns per stage (all six forward ones, or just the chosen stage with more cards), each with
    its count, average and longest wait, and the longest-waiting cards; exits as counts."""
    current = now()
    base = Scenario.filter(f.condition(current))
    rows = await base.values_list("stage", "entered_stage_at")
    waits: dict[str, list[float]] = defaultdict(list)
    for stage, entered in rows:
        waits[str(stage)].append(_days(current, entered))
    shown = [Stage(f.stage)] if f.stage else list(FORWARD)
    limit = CARDS_ONE_STAGE if f.stage else CARDS_PER_STAGE
    columns = []
    for stage in shown:
        values = waits.get(stage.value, [])
        cards = (
            await base.filter(stage=stage)
            .order_by("entered_stage_at", "id")
            .limit(limit)
            .values("id", "title", "domain", "district", "code", "entered_stage_at")
        )
        columns.append(
            {
                "stage": stage.value,
                "label": LABELS[stage],
                "count": len(values),
                "avg_days": round(sum(values) / len(values), 1) if values else None,
                "max_days": round(max(values), 1) if values else None,
                "cards": [{**c, "days": _days(current, c["entered_stage_at"])} for c in cards],
                "more_href": f.query(stage=stage.value),
            }
        )
    exits = (
        [
            {"stage": s.value, "label": LABELS[s], "count": len(waits.get(s.value, [])), "href": f.query(stage=s.value)}
            for s in EXITS
        ]
        if not f.stage
        else []
    )
    return {"columns": columns, "exits": exits, "total": len(rows)}


async def counts_by(f: Filters, field_name: str) -> list[tuple[str, int, str]]:
    rows = (
        await Scenario.filter(f.condition())
        .exclude(stage=Stage.WITHDRAWN)
        .annotate(n=Count("id"))
        .group_by(field_name)
        .values_list(field_name, "n")
    )
    return sorted(((v or "未填写", n, v or "") for v, n in rows), key=lambda r: (-r[1], r[0]))


async def funnel(f: Filters) -> list[tuple[str, int, str]]:
    furthest = await Scenario.filter(f.condition()).values_list("furthest_stage", flat=True)
    order = [s.value for s in FORWARD]
    reached = [order.index(str(r)) if str(r) in order else -1 for r in furthest]
    return [(LABELS[s], sum(1 for r in reached if r >= i), s.value) for i, s in enumerate(FORWARD)]


async def median_days_in_stage(f: Filters) -> list[tuple[str, float, str]]:
    """Median days per forward stage over every stay recorded in the audit trail of the filtered
    scenarios (finished stays, plus the current stay of scenarios still there)."""
    ids = await Scenario.filter(f.condition()).values_list("id", flat=True)
    if not ids:
        return []
    stays: dict[str, list[float]] = defaultdict(list)
    records = (
        await AuditRecord.filter(object_kind="scenario", action__startswith="scenario.", object_id__in=ids)
        .order_by("object_id", "id")
        .values("object_id", "before", "after", "at")
    )
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
    return [(LABELS[s], round(median(stays[s.value]), 1), s.value) for s in FORWARD if stays.get(s.value)]
