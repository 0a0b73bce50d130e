"""Forms on pages: CSRF-protected, refused input comes back with Chinese messages next to the
fields and everything typed kept, accepted input changes the records through the core commands."""

from __future__ import annotations

from lab.models import Demand, DemandStatus, Proposal, ProposalStatus
from tests import factories
from tests.showcase.conftest import csrf_of


async def test_sign_in_with_a_wrong_password_keeps_the_email_and_says_why(client, db):
    user = await factories.user("department_member")
    token = csrf_of((await client.get("/sign-in")).text)
    response = await client.post("/sign-in", data={"email": user.email, "password": "wrong", "csrf": token})
    assert response.status_code == 401
    assert "邮箱或密码不正确" in response.text
    assert f'value="{user.email}"' in response.text


async def test_sign_in_without_a_csrf_token_is_refused(client, db):
    user = await factories.user("department_member")
    response = await client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 403
    assert "表单已过期" in response.text
    assert (await client.get("/workspace")).status_code == 303  # still signed out: sent to sign in


async def test_workspace_sends_a_visitor_to_sign_in_and_back(client, db):
    response = await client.get("/workspace/demands")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/workspace/demands"


async def test_demand_form_refusal_shows_chinese_messages_and_keeps_what_was_typed(client, db, signed_in):
    user = await factories.user("department_member")
    token = await signed_in(user)
    typed = {
        "csrf": token,
        "title": "",
        "description": "<b>雨季</b>老城区街道经常积水",
        "domain": "",
        "district": "金牛区",
        "budget_wan": "-5",
        "deadline": "明天",
        "data_conditions": "可开放水位数据",
    }
    response = await client.post("/workspace/demands", data=typed)
    assert response.status_code == 422
    html = response.text
    assert "此项为必填" in html  # title / domain
    assert "不能小于0" in html  # budget
    assert "类型不正确，应为日期" in html
    assert "&lt;b&gt;雨季&lt;/b&gt;老城区街道经常积水" in html  # kept, escaped
    assert 'value="明天"' in html and "可开放水位数据" in html
    assert '<option value="金牛区" selected>' in html
    assert await Demand.all().count() == 0


async def test_demand_form_without_csrf_is_refused_but_keeps_the_text(client, db, signed_in):
    user = await factories.user("department_member")
    await signed_in(user)
    response = await client.post(
        "/workspace/demands", data={"csrf": "forged", "title": "城区积水监测", "domain": "水务与防汛"}
    )
    assert response.status_code == 403
    assert "表单已过期" in response.text and 'value="城区积水监测"' in response.text
    assert await Demand.all().count() == 0


async def test_department_drafts_then_publishes_a_demand(client, db, signed_in):
    user = await factories.user("department_member")
    token = await signed_in(user)
    response = await client.post(
        "/workspace/demands",
        data={
            "csrf": token,
            "title": "老城区雨季积水监测预警",
            "domain": "水务与防汛",
            "district": "锦江区",
            "description": "雨季老城区街道经常积水，希望提前预警并联动排水调度，减少车辆涉水熄火。",
            "budget_wan": "80",
            "intent": "draft",
        },
    )
    assert response.status_code == 303
    demand = await Demand.get(title="老城区雨季积水监测预警")
    assert demand.status == DemandStatus.DRAFT
    page = await client.get(response.headers["location"])
    assert "草稿已保存" in page.text
    published = await client.post(
        f"/workspace/demands/{demand.id}/publish", data={"csrf": csrf_of(page.text), "version": str(demand.version)}
    )
    assert published.status_code == 303
    assert (await Demand.get(id=demand.id)).status == DemandStatus.PUBLISHED
    assert "需求已发布" in (await client.get(published.headers["location"])).text


async def test_publishing_an_incomplete_draft_says_what_is_missing(client, db, signed_in):
    user = await factories.user("department_member")
    token = await signed_in(user)
    response = await client.post(
        "/workspace/demands",
        data={"csrf": token, "title": "积水", "domain": "水务与防汛", "description": "太短", "intent": "publish"},
    )
    assert response.status_code == 422
    assert "至少20个字" in response.text and "请选择所在区" in response.text
    assert (await Demand.get(title="积水")).status == DemandStatus.DRAFT


async def test_action_buttons_need_the_csrf_token(client, db, signed_in):
    user = await factories.user("department_member")
    await signed_in(user)
    demand = await factories.demand(user.organisation, status="draft")
    response = await client.post(f"/workspace/demands/{demand.id}/publish", data={"csrf": "nope"})
    assert response.status_code == 403
    assert (await Demand.get(id=demand.id)).status == DemandStatus.DRAFT


async def test_unknown_action_is_a_404_not_a_500(client, db, signed_in):
    user = await factories.user("department_member")
    token = await signed_in(user)
    demand = await factories.demand(user.organisation, status="draft")
    response = await client.post(f"/workspace/demands/{demand.id}/explode", data={"csrf": token})
    assert response.status_code == 404


async def test_supplier_proposal_refusal_keeps_input_then_success_reaches_the_department(client, db, signed_in):
    department = await factories.organisation("department")
    demand = await factories.demand(department)
    supplier = await factories.user("supplier_member")
    token = await signed_in(supplier)
    page = await client.get(f"/demands/{demand.id}")
    assert "揭榜：提交方案" in page.text
    refused = await client.post(
        f"/demands/{demand.id}/proposals",
        data={"csrf": token, "approach": "电梯轿厢部署识别终端", "cost_wan": "abc", "duration_weeks": "0"},
    )
    assert refused.status_code == 422
    assert "类型不正确，应为数字" in refused.text and "不能小于1" in refused.text
    assert "电梯轿厢部署识别终端" in refused.text
    accepted = await client.post(
        f"/demands/{demand.id}/proposals",
        data={"csrf": token, "approach": "电梯轿厢部署识别终端", "cost_wan": "45.5", "duration_weeks": "12"},
    )
    assert accepted.status_code == 303
    proposal = await Proposal.get(demand_id=demand.id)
    assert proposal.status == ProposalStatus.SUBMITTED and float(proposal.cost_wan) == 45.5


async def test_department_shortlists_and_accepts_a_received_proposal(client, db, signed_in):
    member = await factories.user("department_member")
    demand = await factories.demand(member.organisation)
    supplier_org = await factories.organisation("enterprise")
    proposal = await Proposal.create(
        demand=demand, organisation=supplier_org, approach="<i>方案</i>", cost_wan=10, duration_weeks=4
    )
    await signed_in(member)
    page = await client.get(f"/workspace/demands/{demand.id}")
    assert "&lt;i&gt;方案&lt;/i&gt;" in page.text
    token = csrf_of(page.text)
    assert (
        await client.post(f"/workspace/proposals/{proposal.id}/shortlist", data={"csrf": token, "version": "1"})
    ).status_code == 303
    assert (
        await client.post(f"/workspace/proposals/{proposal.id}/accept", data={"csrf": token, "version": "2"})
    ).status_code == 303
    assert (await Proposal.get(id=proposal.id)).status == ProposalStatus.ACCEPTED


async def test_supplier_creates_a_profile_and_a_refusal_keeps_the_chosen_domains(client, db, signed_in):
    from lab.models import CapabilityProfile, ProfileStatus

    supplier = await factories.user("supplier_member")
    token = await signed_in(supplier)
    refused = await client.post(
        "/workspace/profiles",
        data={
            "csrf": token,
            "title": "内涝预警平台",
            "summary": "短",
            "domains": ["水务与防汛", "应急管理与安全生产"],
            "keywords": "内涝、积水",
            "maturity": "12",
            "intent": "publish",
        },
    )
    assert refused.status_code == 422
    assert "不能大于9" in refused.text
    assert 'value="水务与防汛" checked' in refused.text and 'value="内涝、积水"' in refused.text
    created = await client.post(
        "/workspace/profiles",
        data={
            "csrf": token,
            "title": "内涝预警平台",
            "domains": ["水务与防汛"],
            "keywords": "内涝、积水",
            "maturity": "7",
            "summary": "在易涝点部署水位传感器与视频识别，积水超过阈值自动预警并联动排水调度。",
            "intent": "publish",
        },
    )
    assert created.status_code == 303
    profile = await CapabilityProfile.get(title="内涝预警平台")
    assert profile.status == ProfileStatus.PUBLISHED and profile.keywords == ["内涝", "积水"]
