"""Reviewers see what they judge (the accepted proposal and the attachments beside the rubric), and
operators are offered only reviewers who may be assigned."""

from __future__ import annotations

import re

import httpx

from lab.models import Organisation
from pipeline.models import ReviewAssignment, Stage
from tests import factories
from tests.pipeline import builders
from tests.showcase.conftest import sign_in


async def test_the_rubric_page_shows_the_accepted_proposal_and_attachments(app, client, db, signed_in):
    p = await builders.parties()
    scenario = await builders.scenario(Stage.EVALUATION, p)
    await builders.design_plan(scenario)
    await builders.test_report(scenario)
    reviewer = await factories.user("reviewer")
    await ReviewAssignment.create(scenario=scenario, reviewer=reviewer)
    await signed_in(reviewer)
    page = (await client.get(f"/workspace/reviews/{scenario.id}")).text
    materials = page.split('class="review-materials"')[1].split('class="review-work"')[0]
    assert "采纳的揭榜方案" in materials and "视觉识别+联动阻车" in materials and "80 万元" in materials
    assert p.partner.name in materials
    assert "plan.pdf" in materials and "测试报告" in materials and "通过" in materials
    assert 'id="score-0"' in page.split('class="review-work"')[1]

    outsider = await factories.user("reviewer")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        await sign_in(other, outsider)
        response = await other.get(f"/workspace/reviews/{scenario.id}", follow_redirects=True)
    assert response.status_code == 404 and "视觉识别+联动阻车" not in response.text  # not assigned: nothing


async def test_assignment_offers_only_eligible_reviewers(client, db, signed_in):
    p = await builders.parties()
    scenario = await builders.scenario(Stage.TESTING, p)
    free = await factories.user("reviewer")
    assigned = await factories.user("reviewer")
    recused = await factories.user("reviewer")
    from_lead = await factories.user("reviewer", org=await factories.organisation("department"))
    await Organisation.filter(id=from_lead.organisation_id).update(name="牵头部门的专家单位")
    await from_lead.fetch_related("organisation")
    await ReviewAssignment.create(scenario=scenario, reviewer=assigned)
    await ReviewAssignment.create(scenario=scenario, reviewer=recused, status="recused", recusal_reason="亲属")
    lead_member = await factories.user("reviewer", org=p.lead)
    partner_member = await factories.user("reviewer", org=await Organisation.get(id=p.partner.id))
    inactive = await factories.user("reviewer")
    inactive.active = False
    await inactive.save()
    await signed_in(await factories.user("operator"))
    page = (await client.get(f"/workspace/scenarios/{scenario.id}")).text
    select = re.search(r'<select id="f-reviewer_id".*?</select>', page, re.S).group(0)
    offered = {int(v) for v in re.findall(r'<option value="(\d+)"', select)}
    assert free.id in offered and from_lead.id in offered
    assert not offered & {assigned.id, recused.id, lead_member.id, partner_member.id, inactive.id}
