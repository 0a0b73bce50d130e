"""Scenarios as search documents, supplied to the matchmaking index (for search and similar scenarios)."""

from __future__ import annotations

from collections.abc import Sequence


async def scenario_documents(ids: Sequence[int] | None = None) -> list:
    from matchmaking.search import SearchDocument
    from pipeline.models import Scenario

    qs = Scenario.all() if ids is None else Scenario.filter(id__in=list(ids))
    rows = await qs.select_related("lead_department").prefetch_related("partners").order_by("id")
    docs = []
    for s in rows:
        lead = s.lead_department
        docs.append(
            SearchDocument(
                id=str(s.id),
                kind="scenario",
                title=s.title,
                body=s.summary,
                keywords=[str(t) for t in s.tags],
                domains=[s.domain] if s.domain else [],
                district=s.district or None,
                org_kind=lead.kind.value if lead else None,
                status=s.stage.value,
                year=s.year,
                organisation_id=str(s.lead_department_id) if s.lead_department_id else None,
                extra={
                    "code": s.code,
                    "origin": s.origin.value,
                    "city": s.city,
                    "lead_department": lead.name if lead else None,
                    "partners": [o.name for o in s.partners] + list(s.partner_names),
                },
            )
        )
    return docs


# what the pipeline supplies to the search index, by kind (joined in by the assembly, ``lab.runtime``)
SOURCES = {"scenario": scenario_documents}


async def scenario_count() -> int:
    from pipeline.models import Scenario

    return await Scenario.all().count()


# how many documents of each kind the database holds (the index's health compares it with the index)
SOURCE_COUNTS = {"scenario": scenario_count}
