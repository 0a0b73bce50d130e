"""The reserve list as a browsable catalogue: the pipeline's edition and facets, plus sorting and
full-text search (ranked by the search service, or a database match when search is degraded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from tortoise.expressions import Q

from pipeline import presenters as pipeline_presenters
from pipeline.models import Scenario
from pipeline import queries as pipeline_queries
from pipeline.stages import PUBLIC_STAGES
from showcase.search_results import public_search

SORTS = {
    "code": ("code", "清单编号"),
    "-year": ("-year", "年份（新→旧）"),
    "title": ("title", "名称"),
    "-investment": ("-investment_wan", "投资额（高→低）"),
}
SEARCH_CAP = 1000
SUMMARY_TTL = 10.0  # seconds the edition's counts and facet counts may lag behind a listing


@dataclass
class Catalogue:
    edition: dict[str, Any] | None
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    degraded: bool = False


def _rows():
    """Scenarios with what a catalogue row shows (lead department, edition); partners are not listed."""
    return Scenario.all().select_related("lead_department", "edition")


def _facets(rows: list[tuple[str, str, int | None]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, dict] = {"domain": {}, "district": {}, "year": {}}
    for domain, district, year in rows:
        for name, value in (("domain", domain), ("district", district), ("year", year)):
            if value not in (None, ""):
                out[name][value] = out[name].get(value, 0) + 1
    return {
        name: [{"value": v, "count": n} for v, n in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))]
        for name, c in out.items()
    }


async def browse(
    request: Request,
    *,
    q: str,
    domain: str | None,
    district: str | None,
    year: int | None,
    sort: str,
    limit: int,
    offset: int,
) -> Catalogue:
    summary = await request.app.state.showcase_memo.get(
        ("reserve-summary",), lambda: pipeline_queries.reserve_list(limit=1), ttl=SUMMARY_TTL
    )
    edition = summary["edition"]
    if edition is None:
        return Catalogue(None)
    base = _rows().filter(edition_id=edition["id"], stage__in=list(PUBLIC_STAGES))
    filters = {k: v for k, v in (("domain", domain), ("district", district), ("year", year)) if v is not None}
    degraded = False
    ranked: list[int] | None = None
    if q:
        found = await public_search(request, q, kind="scenario", limit=SEARCH_CAP, semantic_ratio=0.0)
        degraded = found.degraded
        if degraded:
            words = q.split()
            cond = Q()
            for word in words:
                cond &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(code__icontains=word)
            base = base.filter(cond)
        else:
            ranked = [int(h["id"]) for h in found.hits if h["id"].isdigit()]
            base = base.filter(id__in=ranked)
    facet_rows = await base.values_list("domain", "district", "year")
    facets = _facets(facet_rows) if q else summary["facets"]
    qs = base.filter(**filters)
    total = await qs.count()
    if ranked is not None and sort == "relevance":
        order = {sid: i for i, sid in enumerate(ranked)}
        ids = sorted(await qs.values_list("id", flat=True), key=lambda i: order.get(i, SEARCH_CAP))
        page_ids = ids[offset : offset + limit]
        rows = {s.id: s for s in await _rows().filter(id__in=page_ids)}
        items = [pipeline_presenters.scenario(rows[i]) for i in page_ids if i in rows]
    else:
        field_name = SORTS.get(sort, SORTS["code"])[0]
        rows = await qs.order_by(field_name, "id").offset(offset).limit(limit)
        items = [pipeline_presenters.scenario(s) for s in rows]
    return Catalogue(edition, items, total, facets, degraded)
