"""Matches on the workspace pages, ranked and explained by matchmaking over a real index: a
department reads the suppliers recommended for its demand, a supplier the demands recommended for
its profile, and a drafting department is warned about a look-alike published demand."""

from __future__ import annotations

from matchmaking.reindex import reindex
from tests import factories
from tests.showcase.conftest import csrf_of

ELEVATOR = "老旧小区电动自行车进电梯充电安全治理"
ELEVATOR_TEXT = "辖区老旧小区电动自行车进楼入户充电现象突出，希望从源头上阻止电动车进电梯，减少火灾隐患。"


async def _indexed(app) -> None:
    service = app.state.search
    await reindex(await service.backend(), service.embedder, ["demand", "capability"], progress=False)


async def test_department_sees_explained_matches_and_a_duplicate_warning(app, client, signed_in):
    member = await factories.user("department_member")
    demand = await factories.demand(member.organisation, title=ELEVATOR, description=ELEVATOR_TEXT)
    supplier_org = await factories.organisation("enterprise")
    await factories.profile(supplier_org, title="电梯电动车识别阻车系统")
    await factories.profile(
        supplier_org,
        title="农田墒情监测",
        summary="土壤湿度传感器网络与灌溉调度。",
        domains=["农业农村"],
        keywords=["墒情"],
    )
    other_department = await factories.organisation("department")
    await factories.demand(other_department, title="小区电动车进电梯充电治理", description=ELEVATOR_TEXT)
    await _indexed(app)
    token = await signed_in(member)

    page = (await client.get(f"/workspace/demands/{demand.id}")).text
    section = page[page.index("推荐的供给方") :]
    assert "电梯电动车识别阻车系统" in section
    if "农田墒情监测" in section:  # ranked below the relevant profile
        assert section.index("电梯电动车识别阻车系统") < section.index("农田墒情监测")
    assert "共同关键词" in section and "同属领域" in section and "匹配度" in section
    assert "语义相似度" not in section  # raw cosines bunch; people see the calibrated 匹配度 only

    warning = await client.post(
        "/workspace/demands/duplicates",
        data={"csrf": token, "title": "老旧小区电动车进电梯充电治理", "description": ELEVATOR_TEXT, "domain": "消防"},
    )
    assert warning.status_code == 200
    assert "已有相似的需求" in warning.text and "小区电动车进电梯充电治理" in warning.text
    unrelated = await client.post(
        "/workspace/demands/duplicates",
        data={"csrf": token, "title": "中欧班列集卡预约进港", "description": "集卡排队", "domain": "智慧交通"},
    )
    assert "已有相似的需求" not in unrelated.text
    assert (await client.post("/workspace/demands/duplicates", data={"csrf": "forged"})).status_code == 403


async def test_supplier_sees_recommended_demands_with_reasons(app, client, signed_in):
    supplier = await factories.user("supplier_member")
    await factories.profile(supplier.organisation, title="电梯电动车识别阻车系统")
    department = await factories.organisation("department")
    demand = await factories.demand(department, title=ELEVATOR, description=ELEVATOR_TEXT)
    await factories.demand(department, status="draft", title="内部草稿：电梯阻车", description=ELEVATOR_TEXT)
    await _indexed(app)
    await signed_in(supplier)
    page = (await client.get("/workspace/recommended?profile=-1")).text
    assert f'href="/demands/{demand.id}"' in page and "共同关键词" in page
    assert "内部草稿" not in page  # unpublished demands of others never show
    assert csrf_of(page)


async def test_scenario_page_lists_similar_public_scenarios_with_reasons(app, client):
    from tests.showcase import scenes

    _, listed = await scenes.edition_with_scenarios(
        [
            ("老旧小区电动自行车充电安全治理", "消防", "成华区"),
            ("电动自行车集中充电棚与电梯阻车", "消防", "金牛区"),
            ("中欧班列集卡预约进港", "智慧交通", "青白江区"),
        ]
    )
    service = app.state.search
    await reindex(await service.backend(), service.embedder, ["scenario"], progress=False, sources=service.sources)
    page = (await client.get(f"/scenarios/{listed[0].id}")).text
    section = page[page.index('id="similar-title"') :]
    assert "电动自行车集中充电棚与电梯阻车" in section
    assert section.count("老旧小区电动自行车充电安全治理") == 0  # never itself
