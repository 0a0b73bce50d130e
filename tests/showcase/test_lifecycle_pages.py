"""A scenario taken through every stage on the workspace pages: created from an accepted proposal,
moved by its department and the operator (guard reasons shown first), reviewed by three experts on
the rubric form, listed in an open edition and featured on the showcase; the inbox hears of it."""

from __future__ import annotations

import httpx
import pytest

from lab.models import Proposal, ProposalStatus
from pipeline.models import Scenario, Stage
from tests import factories
from tests.showcase.conftest import csrf_of, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
async def new_client(app):
    clients: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.aclose()


async def _advance(client, scenario_id: int, to: str, reason: str = "") -> httpx.Response:
    page = await client.get(f"/workspace/scenarios/{scenario_id}")
    scenario = await Scenario.get(id=scenario_id)
    return await client.post(
        f"/workspace/scenarios/{scenario_id}/transition",
        data={"csrf": csrf_of(page.text), "to": to, "version": str(scenario.version), "reason": reason},
    )


async def test_operator_takes_a_scenario_through_every_stage_to_the_showcase(app, db, new_client):
    department, operator_c = new_client(), new_client()
    member = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    operator = await factories.user("operator")
    experts = [await factories.user("reviewer") for _ in range(3)]
    demand = await factories.demand(member.organisation, title="老旧小区电动自行车充电治理")
    proposal = await Proposal.create(
        demand=demand, organisation=supplier.organisation, approach="集中充电棚", cost_wan=50, duration_weeks=8
    )

    token = await sign_in(department, member)
    assert (
        await department.post(f"/workspace/proposals/{proposal.id}/accept", data={"csrf": token, "version": "1"})
    ).status_code == 303
    assert (await Proposal.get(id=proposal.id)).status == ProposalStatus.ACCEPTED
    created = await department.post(f"/workspace/demands/{demand.id}/scenario", data={"csrf": token})
    assert created.status_code == 303
    scenario = await Scenario.get(demand_id=demand.id)
    assert created.headers["location"] == f"/workspace/scenarios/{scenario.id}"

    await sign_in(operator_c, operator)
    assert (await _advance(operator_c, scenario.id, "design")).status_code == 303
    desk = (await operator_c.get(f"/workspace/scenarios/{scenario.id}")).text
    assert "尚未上传设计方案" in desk and "disabled" in desk
    refused = await _advance(operator_c, scenario.id, "testing")
    assert refused.status_code == 422 and "尚未上传设计方案" in refused.text

    upload = await operator_c.post(
        f"/workspace/scenarios/{scenario.id}/attachments",
        data={"csrf": csrf_of(desk), "kind": "design_plan"},
        files={"file": ("设计方案.png", PNG, "image/png")},
    )
    assert upload.status_code == 303, upload.text
    assert (await _advance(operator_c, scenario.id, "testing")).status_code == 303
    desk = (await operator_c.get(f"/workspace/scenarios/{scenario.id}")).text
    upload = await operator_c.post(
        f"/workspace/scenarios/{scenario.id}/attachments",
        data={"csrf": csrf_of(desk), "kind": "test_report", "verdict": "passed"},
        files={"file": ("测试报告.png", PNG, "image/png")},
    )
    assert upload.status_code == 303
    for expert in experts:
        assigned = await operator_c.post(
            f"/workspace/scenarios/{scenario.id}/reviewers", data={"csrf": csrf_of(desk), "reviewer_id": str(expert.id)}
        )
        assert assigned.status_code == 303
    assert (await _advance(operator_c, scenario.id, "evaluation")).status_code == 303

    for i, expert in enumerate(experts):
        reviewer_c = new_client()
        await sign_in(reviewer_c, expert)
        form = await reviewer_c.get(f"/workspace/reviews/{scenario.id}")
        assert 'data-weight="20"' in form.text and "/static/rubric.js" in form.text
        if i == 0:  # a refused form keeps the typed scores and says why, in Chinese
            bad = await reviewer_c.post(
                f"/workspace/reviews/{scenario.id}",
                data={"csrf": csrf_of(form.text), "score-0": "80", "score-1": "150", "comment": ""},
            )
            assert bad.status_code == 422
            assert 'value="80"' in bad.text and "此项为必填" in bad.text
        sent = await reviewer_c.post(
            f"/workspace/reviews/{scenario.id}",
            data={
                "csrf": csrf_of(form.text),
                "score-0": "80",
                "score-1": "85",
                "score-2": "90",
                "score-3": "75",
                "score-4": "88",
                "comment": f"专家{i}：方案可行，建议推广",
            },
        )
        assert sent.status_code == 303, sent.text

    desk = (await operator_c.get(f"/workspace/scenarios/{scenario.id}")).text
    assert "没有开放中的场景储备清单批次" in desk
    edition = await operator_c.post(
        "/workspace/editions",
        data={
            "csrf": csrf_of(desk),
            "name": "2026年场景储备清单",
            "year": "2026",
            "capacity": "249",
            "featured_capacity": "18",
            "min_reviews": "3",
            "pass_threshold": "70",
        },
    )
    assert edition.status_code == 303
    assert (await _advance(operator_c, scenario.id, "listing")).status_code == 303
    assert (await _advance(operator_c, scenario.id, "promotion")).status_code == 303
    assert (await Scenario.get(id=scenario.id)).stage == Stage.PROMOTION

    public = new_client()
    assert "老旧小区电动自行车充电治理" in (await public.get("/showcase")).text
    page = (await public.get(f"/scenarios/{scenario.id}")).text
    # the page follows the same rule as the reviews API: no scores, comments or identities for visitors
    assert "专家评审结果" not in page and "83.55" not in page and "专家0" not in page
    assert (await public.get(f"/api/scenarios/{scenario.id}/reviews")).status_code == 401
    party = (await department.get(f"/scenarios/{scenario.id}")).text
    assert "专家评审结果" in party and "83.55" in party
    assert "场景" in (await department.get("/notifications")).text
    inbox = (await department.get("/notifications")).text
    assert "宣传推广" in inbox


async def test_reviewer_declares_a_conflict_and_the_form_closes(app, db, new_client):
    operator = await factories.user("operator")
    expert = await factories.user("reviewer")
    scenario = await Scenario.create(title="待评审场景", domain="消防", stage=Stage.TESTING)
    from pipeline.reviews import assign_reviewer

    await assign_reviewer(operator, scenario.id, expert.id)
    c = new_client()
    await sign_in(c, expert)
    form = await c.get(f"/workspace/reviews/{scenario.id}")
    assert "尚未进入评估论证阶段" in form.text
    empty = await c.post(
        f"/workspace/reviews/{scenario.id}/recusal", data={"csrf": csrf_of(form.text), "recusal_reason": ""}
    )
    assert empty.status_code == 422 and "不能为空" in empty.text
    done = await c.post(
        f"/workspace/reviews/{scenario.id}/recusal",
        data={"csrf": csrf_of(form.text), "recusal_reason": "本人曾参与方案咨询"},
    )
    assert done.status_code == 303
    assert "已回避" in (await c.get("/workspace/reviews")).text


async def test_operator_pages_render_charts_and_refuse_other_roles(app, db, new_client):
    operator = await factories.user("operator")
    member = await factories.user("department_member")
    op, dep = new_client(), new_client()
    await sign_in(op, operator)
    await sign_in(dep, member)
    for path in (
        "/workspace/board",
        "/workspace/dashboard",
        "/workspace/editions",
        "/workspace/board?page=-1&sort=<script>",
    ):
        response = await op.get(path)
        assert response.status_code == 200, path
    assert "<svg" in (await op.get("/workspace/dashboard")).text
    assert (await dep.get("/workspace/board")).status_code == 403
