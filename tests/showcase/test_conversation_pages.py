"""The conversation on pages: Q&A on the demand page (anonymous asker), decline with a reason,
保存此搜索 and 我的订阅, the inbox filtered by kind and linking to the object."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from lab.conversation_models import Follow, Notification, Question, SavedSearch
from lab.models import Demand, Proposal, User
from pipeline.models import Stage
from tests import factories
from tests.pipeline import builders
from tests.showcase.conftest import sign_in


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_question_and_answer_on_the_demand_page_keep_the_asker_anonymous(app, client, db):
    dept_org = await factories.organisation("department")
    department = await factories.user("department_member", dept_org)
    demand = await factories.demand(dept_org)
    supplier = await factories.user("supplier_member")
    token = await sign_in(client, supplier)
    page = await client.get(f"/demands/{demand.id}")
    assert "公开答疑" in page.text and f'action="/demands/{demand.id}/questions"' in page.text
    asked = await client.post(
        f"/demands/{demand.id}/questions", data={"csrf": token, "text": "能否接入现有<b>监控</b>？"}
    )
    assert asked.status_code == 303
    async with _client(app) as dept_client:
        dept_token = await sign_in(dept_client, department)
        dept_page = (await dept_client.get(f"/demands/{demand.id}")).text
        assert "能否接入现有&lt;b&gt;监控&lt;/b&gt;？" in dept_page and "待答复" in dept_page
        assert supplier.organisation.name not in dept_page and supplier.display_name not in dept_page
        told = await Notification.get(user_id=department.id, kind="question_asked")
        assert (told.object_kind, told.object_id) == ("demand", demand.id)
        question = await Question.get(demand_id=demand.id)
        empty = await dept_client.post(f"/questions/{question.id}/answer", data={"csrf": dept_token, "answer": " "})
        assert empty.status_code == 303
        assert "请填写答复" in (await dept_client.get(f"/demands/{demand.id}")).text
        done = await dept_client.post(
            f"/questions/{question.id}/answer", data={"csrf": dept_token, "answer": "可以接入。"}
        )
        assert done.status_code == 303
    async with _client(app) as visitor:
        public = (await visitor.get(f"/demands/{demand.id}")).text
        assert "可以接入。" in public and supplier.organisation.name not in public
    own = (await client.get(f"/demands/{demand.id}")).text
    assert "提问方：" + supplier.organisation.name in own


async def test_decline_on_the_page_needs_a_reason_that_the_supplier_then_sees(app, client, db):
    dept_org = await factories.organisation("department")
    department = await factories.user("department_member", dept_org)
    demand = await factories.demand(dept_org)
    supplier = await factories.user("supplier_member")
    proposal = await Proposal.create(
        demand=demand, organisation_id=supplier.organisation_id, approach="方案", cost_wan=10, duration_weeks=4
    )
    token = await sign_in(client, department)
    desk = (await client.get(f"/workspace/demands/{demand.id}")).text
    assert "婉拒理由（必填，供给方可见）" in desk and "确认采纳" in desk
    refused = await client.post(f"/workspace/proposals/{proposal.id}/decline", data={"csrf": token, "reason": ""})
    assert refused.status_code == 303
    assert "请填写婉拒理由" in (await client.get(f"/workspace/demands/{demand.id}")).text
    assert (await Proposal.get(id=proposal.id)).status == "submitted"
    await client.post(
        f"/workspace/proposals/{proposal.id}/decline",
        data={"csrf": token, "reason": "工期过长，无法满足汛期前上线", "version": "1"},
    )
    assert (await Proposal.get(id=proposal.id)).status == "declined"
    async with _client(app) as sup:
        await sign_in(sup, supplier)
        mine = (await sup.get("/workspace/proposals")).text
        assert "工期过长，无法满足汛期前上线" in mine
        assert "工期过长，无法满足汛期前上线" in (await sup.get(f"/demands/{demand.id}")).text
        inbox = (await sup.get("/notifications?kind=proposal")).text
        assert "未被采纳：工期过长" in inbox and f'href="/proposals/{proposal.id}"' in inbox
        assert (await sup.get(f"/proposals/{proposal.id}")).headers["location"] == "/workspace/proposals"
        assert "未被采纳" not in (await sup.get("/notifications?kind=question")).text


async def test_save_this_search_and_my_subscriptions(client, db):
    supplier = await factories.user("supplier_member")
    assert "登录</a>后可保存此搜索" in (await client.get("/search?q=积水")).text
    token = await sign_in(client, supplier)
    page = (await client.get("/search?q=积水&kind=demand")).text
    assert "保存此搜索" in page
    saved = await client.post(
        "/workspace/subscriptions/searches",
        data={"csrf": token, "q": "积水", "kind": "demand", "domain": "水务与防汛", "frequency": "daily"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/workspace/subscriptions"
    row = await SavedSearch.get(user_id=supplier.id)
    assert (row.q, row.kind, row.filters, row.frequency) == ("积水", "demand", {"domain": "水务与防汛"}, "daily")
    bad = await client.post("/workspace/subscriptions/searches", data={"csrf": token, "frequency": "hourly"})
    assert bad.status_code == 303 and await SavedSearch.filter(user_id=supplier.id).count() == 1
    reserve = (await client.get("/reserve-list")).text
    assert "保存此搜索" in reserve or "暂无已发布的储备清单" in reserve
    dept_org = await factories.organisation("department")
    demand = await factories.demand(dept_org)
    await client.post("/workspace/subscriptions/follows", data={"csrf": token, "object": f"demand:{demand.id}"})
    assert await Follow.exists(user_id=supplier.id, object_kind="demand", object_id=demand.id)
    subs = (await client.get("/workspace/subscriptions")).text
    assert "我的订阅" in subs and "积水" in subs and "每日汇总" in subs and demand.title in subs
    await client.post(f"/workspace/subscriptions/searches/{row.id}/delete", data={"csrf": token})
    assert not await SavedSearch.exists(id=row.id)
    await client.post("/workspace/subscriptions/settings", data={"csrf": token})
    assert "有适合本单位已发布能力的新需求时提醒我" in (await client.get("/workspace/subscriptions")).text
    fresh = await User.get(id=supplier.id)
    assert not fresh.fit_alerts and not fresh.digest_mail


async def test_the_department_sets_the_questions_deadline_on_the_demand_form(client, db):
    dept_org = await factories.organisation("department")
    department = await factories.user("department_member", dept_org)
    demand = await factories.demand(dept_org)
    token = await sign_in(client, department)
    form = (await client.get(f"/workspace/demands/{demand.id}")).text
    assert 'name="questions_close_at"' in form
    saved = await client.post(
        f"/workspace/demands/{demand.id}",
        data={
            "csrf": token,
            "title": demand.title,
            "description": demand.description,
            "domain": demand.domain,
            "district": demand.district,
            "budget_wan": "120",
            "deadline": "",
            "data_conditions": "",
            "questions_close_at": "2030-06-30T18:00",
            "version": str(demand.version),
        },
    )
    assert saved.status_code == 303, saved.text
    fresh = await Demand.get(id=demand.id)
    assert fresh.questions_close_at.astimezone(UTC) == datetime(2030, 6, 30, 10, 0, tzinfo=UTC)
    assert 'value="2030-06-30T18:00"' in (await client.get(f"/workspace/demands/{demand.id}")).text


async def test_following_a_listed_scenario_from_its_page(client, db):
    lead = await factories.organisation("department")
    partner = await factories.organisation("enterprise")
    parties = builders.Parties(
        lead,
        partner,
        await factories.actor("department_member", lead),
        await factories.actor("supplier_member", partner),
    )
    listed = await builders.scenario(Stage.LISTING, parties, edition_obj=await builders.edition(), title="可关注的场景")
    visitor_page = (await client.get(f"/scenarios/{listed.id}")).text
    assert 'action="/workspace/subscriptions/follows"' not in visitor_page
    fan = await factories.user("supplier_member")
    token = await sign_in(client, fan)
    assert ">关注</button>" in (await client.get(f"/scenarios/{listed.id}")).text
    done = await client.post(
        "/workspace/subscriptions/follows",
        data={"csrf": token, "object": f"scenario:{listed.id}", "next": f"/scenarios/{listed.id}"},
    )
    assert done.headers["location"] == f"/scenarios/{listed.id}"
    assert await Follow.exists(user_id=fan.id, object_kind="scenario", object_id=listed.id)
    assert "已关注 · 取消" in (await client.get(f"/scenarios/{listed.id}")).text
