"""Read-side queries for the API and the showcase pages (nouns; each returns JSON-ready dicts).

- ``scenario_list(user, params)`` → ``{"items": [scenario], "total", "limit", "offset"}``
- ``scenario_detail(user, id)`` → scenario + ``relations``, ``moves``, ``featured``, ``edition``
- ``history(user, id)`` → ``[{"action", "from", "to", "from_label", "to_label", "at", ("reason", "actor")}]``
- ``featured(edition=None)`` → ``{"edition": edition|None, "items": [{"rank", "highlight", "metrics", "scenario"}]}``
- ``reserve_list(edition=None, domain=, district=, year=, limit=, offset=)`` → ``{"edition", "items",
  "total", "limit", "offset", "facets": {"domain"|"district"|"year": [{"value", "count"}]}}``
- ``pipeline_board()`` → ``{"stages": [{"stage", "label", "count", "avg_days", "max_days"}], "total"}``
- ``funnel()`` → ``[{"stage", "label", "reached"}]`` (lab scenarios that ever reached each stage)
- ``national_cases(domain=None)`` → ``[scenario]`` (external cases, newest year first)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.timezone import now

from lab.errors import NotFound
from lab.models import User
from lab.presenters import page
from pipeline import presenters
from lab.permissions import can
from pipeline.permissions import ScenarioAccess, load_access, visible_scenarios
from pipeline.editions import featured_count, listed_count
from lab.models import AuditRecord
from pipeline.models import Edition, EditionStatus, FeaturedEntry, Origin, Scenario, Stage
from pipeline.stages import FORWARD, LABELS, PUBLIC_STAGES, next_moves, stage_index


def scenario_queryset() -> QuerySet[Scenario]:
    return Scenario.all().select_related("lead_department", "edition").prefetch_related("partners")


async def scenario_list(user: User | None, params) -> dict[str, Any]:
    qs = scenario_queryset().filter(visible_scenarios(user))
    for name in ("stage", "domain", "district", "origin", "year"):
        value = getattr(params, name, None)
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    if getattr(params, "edition", None) is not None:
        qs = qs.filter(edition_id=params.edition, stage__in=list(PUBLIC_STAGES))
    if getattr(params, "q", None):
        qs = qs.filter(title__icontains=params.q)
    return await page(qs, params.limit, params.offset, presenters.scenario, "-updated_at")


async def scenario_detail(
    user: User | None, scenario_id: int, *, access: ScenarioAccess | None = None
) -> dict[str, Any]:
    """``access``: the scenario already loaded and checked for ``user`` (else it is loaded here)."""
    access = access or await load_access(user, scenario_id)
    found = set(access.relations)
    s = await scenario_queryset().get(id=access.scenario.id)
    data = presenters.scenario(s)
    data["relations"] = sorted(found)
    data["moves"] = presenters.moves(next_moves(s.stage, found)) if s.origin == Origin.LAB else []
    entry = await FeaturedEntry.filter(scenario_id=s.id).first()
    data["featured"] = (
        None if entry is None else {"rank": entry.rank, "highlight": entry.highlight, "metrics": dict(entry.metrics)}
    )
    data["edition"] = (
        None if s.edition is None else {"id": s.edition.id, "name": s.edition.name, "year": s.edition.year}
    )
    if can(user, "scenario.party", ScenarioAccess(s, frozenset(found))):
        data["proposal_ids"] = sorted(await s.proposals.all().values_list("id", flat=True))
    return data


async def history(user: User | None, scenario_id: int, *, access: ScenarioAccess | None = None) -> list[dict[str, Any]]:
    access = access or await load_access(user, scenario_id)
    scenario = access.scenario
    full = can(user, "scenario.history", access)
    records = (
        await AuditRecord.filter(object_kind="scenario", object_id=scenario.id, action__startswith="scenario.")
        .select_related("actor")
        .order_by("id")
    )
    return [presenters.history_item(r, full) for r in records]


async def my_scenarios(user: User) -> list[dict[str, Any]]:
    """Scenarios the user's organisation leads or partners, most recently changed first."""
    org = user.organisation_id
    rows = (
        await scenario_queryset()
        .filter(Q(lead_department_id=org) | Q(partners__id=org))
        .distinct()
        .order_by("-updated_at", "-id")
    )
    return [presenters.scenario(s) for s in rows]


async def default_edition() -> Edition | None:
    """The edition visitors see by default: the newest published one, else the open one."""
    for status in (EditionStatus.PUBLISHED, EditionStatus.OPEN, EditionStatus.CLOSED):
        found = await Edition.filter(status=status).order_by("-year", "-id").first()
        if found is not None:
            return found
    return None


async def _edition(edition: Edition | int | None) -> Edition | None:
    if isinstance(edition, Edition):
        return edition
    if edition is None:
        return await default_edition()
    found = await Edition.get_or_none(id=edition)
    if found is None:
        raise NotFound("找不到该储备清单批次")
    return found


async def featured(edition: Edition | int | None = None) -> dict[str, Any]:
    chosen = await _edition(edition)
    if chosen is None:
        return {"edition": None, "items": []}
    entries = (
        await FeaturedEntry.filter(edition_id=chosen.id)
        .order_by("rank")
        .prefetch_related("scenario__lead_department", "scenario__partners")
    )
    return {
        "edition": presenters.edition(chosen, featured=len(entries)),
        "items": [presenters.featured_entry(e) for e in entries],
    }


async def _facet(qs: QuerySet, name: str) -> list[dict[str, Any]]:
    rows = await qs.annotate(n=Count("id")).group_by(name).values(name, "n")
    return sorted(({"value": r[name], "count": r["n"]} for r in rows), key=lambda r: (-r["count"], str(r["value"])))


async def reserve_list(
    edition: Edition | int | None = None,
    *,
    domain: str | None = None,
    district: str | None = None,
    year: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    chosen = await _edition(edition)
    if chosen is None:
        return {
            "edition": None,
            "items": [],
            "total": 0,
            "limit": limit,
            "offset": offset,
            "facets": {"domain": [], "district": [], "year": []},
        }
    base = Scenario.filter(edition_id=chosen.id, stage__in=list(PUBLIC_STAGES))
    facets = {name: await _facet(base, name) for name in ("domain", "district", "year")}
    qs = scenario_queryset().filter(edition_id=chosen.id, stage__in=list(PUBLIC_STAGES))
    for name, value in (("domain", domain), ("district", district), ("year", year)):
        if value is not None:
            qs = qs.filter(**{name: value})
    result = await page(qs, limit, offset, presenters.scenario, "code")
    listed = await listed_count(chosen.id)
    result.update(
        edition=presenters.edition(chosen, listed=listed, featured=await featured_count(chosen.id)), facets=facets
    )
    return result


async def pipeline_board() -> dict[str, Any]:
    """Lab scenarios per stage with how long they have been there (days)."""
    rows = await Scenario.filter(origin=Origin.LAB).values_list("stage", "entered_stage_at")
    current = now()
    days: dict[str, list[float]] = defaultdict(list)
    for stage, entered in rows:
        days[str(stage)].append((current - entered).total_seconds() / 86400 if entered else 0.0)
    stages = []
    for stage in (*FORWARD, Stage.REJECTED, Stage.WITHDRAWN):
        values = days.get(stage.value, [])
        stages.append(
            {
                "stage": stage.value,
                "label": LABELS[stage],
                "count": len(values),
                "avg_days": round(sum(values) / len(values), 1) if values else None,
                "max_days": round(max(values), 1) if values else None,
            }
        )
    return {"stages": stages, "total": len(rows)}


async def funnel() -> list[dict[str, Any]]:
    rows = await Scenario.filter(origin=Origin.LAB).values_list("furthest_stage", flat=True)
    reached = [stage_index(Stage(r)) for r in rows]
    return [
        {"stage": stage.value, "label": LABELS[stage], "reached": sum(1 for r in reached if r >= i)}
        for i, stage in enumerate(FORWARD)
    ]


async def national_cases(domain: str | None = None) -> list[dict[str, Any]]:
    qs = scenario_queryset().filter(origin=Origin.EXTERNAL).exclude(stage=Stage.WITHDRAWN)
    if domain is not None:
        qs = qs.filter(domain=domain)
    return [presenters.scenario(s) for s in await qs.order_by("-year", "id")]
