"""Builders for pipeline test records: a scenario at any stage with everything its guards look at."""

from __future__ import annotations

from dataclasses import dataclass

from lab.models import Organisation, Proposal, ProposalStatus, User
from pipeline.models import Attachment, AttachmentKind, Edition, ReviewAssignment, Review, Scenario, Stage, Verdict
from pipeline.rubric import default_rubric, weighted_score
from pipeline.stages import stage_index
from tests import factories


@dataclass
class Parties:
    lead: Organisation
    partner: Organisation
    lead_actor: factories.Actor
    partner_actor: factories.Actor


async def parties() -> Parties:
    lead = await factories.organisation("department")
    partner = await factories.organisation("enterprise")
    return Parties(
        lead,
        partner,
        await factories.actor("department_member", lead),
        await factories.actor("supplier_member", partner),
    )


async def accepted_proposal(lead: Organisation, partner: Organisation) -> Proposal:
    demand = await factories.demand(lead)
    return await Proposal.create(
        demand=demand,
        organisation=partner,
        approach="视觉识别+联动阻车",
        cost_wan=80,
        duration_weeks=12,
        status=ProposalStatus.ACCEPTED,
    )


async def edition(
    capacity: int = 10, featured_capacity: int = 3, status: str = "open", name: str | None = None, year: int = 2024
) -> Edition:
    return await Edition.create(
        name=name or f"{year}年度场景储备清单-{capacity}-{featured_capacity}",
        year=year,
        status=status,
        capacity=capacity,
        featured_capacity=featured_capacity,
        rubric=default_rubric(),
    )


async def scenario(
    stage: Stage | str,
    p: Parties,
    *,
    with_proposal: bool = True,
    edition_obj: Edition | None = None,
    title: str = "老旧小区电动自行车充电安全治理",
) -> Scenario:
    stage = Stage(stage)
    s = await Scenario.create(
        title=title,
        summary="电梯阻车与集中充电",
        domain="消防",
        district="成华区",
        lead_department=p.lead,
        stage=stage,
        furthest_stage=stage if stage_index(stage) >= 0 else Stage.EVALUATION,
        edition=edition_obj if stage in (Stage.LISTING, Stage.PROMOTION) else None,
        code=f"CD-2024-{await Scenario.all().count() + 900}" if stage in (Stage.LISTING, Stage.PROMOTION) else None,
    )
    await s.partners.add(p.partner)
    if with_proposal:
        await s.proposals.add(await accepted_proposal(p.lead, p.partner))
    return s


async def design_plan(s: Scenario, verdict: str | None = None, kind: str = "design_plan") -> Attachment:
    return await Attachment.create(
        scenario=s,
        kind=AttachmentKind(kind),
        verdict=Verdict(verdict) if verdict else None,
        filename="plan.pdf",
        media_type="application/pdf",
        extension="pdf",
        size=10,
        sha256="0" * 64,
        stage=s.stage,
    )


async def test_report(s: Scenario, verdict: str = "passed") -> Attachment:
    return await design_plan(s, verdict, kind="test_report")


async def reviews(s: Scenario, scores: list[int], reviewers: list[User] | None = None) -> list[Review]:
    out = []
    rubric = default_rubric()
    for n, value in enumerate(scores):
        reviewer = reviewers[n] if reviewers else await factories.user("reviewer")
        await ReviewAssignment.create(scenario=s, reviewer=reviewer, status="submitted")
        marks = {c["name"]: value for c in rubric}
        out.append(
            await Review.create(
                scenario=s,
                reviewer=reviewer,
                scores=marks,
                rubric=rubric,
                weighted_score=weighted_score(rubric, marks),
                comment=f"意见{n}",
            )
        )
    return out


async def ready(stage: Stage | str, p: Parties, ed: Edition, reviewers: list[User] | None = None) -> Scenario:
    """A scenario at ``stage`` whose every guard would pass."""
    s = await scenario(stage, p, edition_obj=ed)
    await design_plan(s)
    await test_report(s)
    await reviews(s, [80, 80, 80], reviewers)
    return s
