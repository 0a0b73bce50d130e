"""Scenario records for page tests: an edition with listed scenarios (as the demo loads them),
featured entries, and external city cases created through the pipeline's own command."""

from __future__ import annotations

from lab.models import Organisation
from pipeline.lifecycle import create_scenario
from pipeline.models import Edition, EditionStatus, FeaturedEntry, Scenario, Stage
from pipeline.schemas import ScenarioIn
from tests import factories


async def edition_with_scenarios(
    titles: list[tuple[str, str, str]], *, featured: int = 1, status: str = "published"
) -> tuple[Edition, list[Scenario]]:
    """Listed scenarios (title, domain, district) in a published edition, the first ``featured`` of
    them in its showcase, loaded the way the demo loads a finished edition."""
    edition = await Edition.create(name="2023年场景储备清单", year=2023, status=EditionStatus(status))
    lead = await factories.organisation("department")
    partner = await factories.organisation("enterprise")
    scenarios = []
    for i, (title, domain, district) in enumerate(titles, start=1):
        stage = Stage.PROMOTION if i <= featured else Stage.LISTING
        s = await Scenario.create(
            code=f"CD-2023-{i:03d}",
            title=title,
            summary=f"{title}的简介，试点成效明显。",
            domain=domain,
            district=district,
            year=2023,
            lead_department=lead,
            edition=edition,
            stage=stage,
            furthest_stage=stage,
            investment_wan=100 * i,
        )
        await s.partners.add(partner)
        if i <= featured:
            await FeaturedEntry.create(
                edition=edition, scenario=s, rank=i, highlight=f"{title}亮点", metrics={"覆盖小区": f"{10 * i}个"}
            )
        scenarios.append(s)
    return edition, scenarios


async def external_case(
    operator, title: str = "深圳网络安全攻防演练", domain: str = "网络与数据安全", city: str = "深圳"
) -> Scenario:
    return await create_scenario(
        operator, ScenarioIn(origin="external", title=title, domain=domain, city=city, year=2023, summary="以攻促防。")
    )


async def organisation_named(name: str) -> Organisation:
    return await Organisation.get(name=name)
