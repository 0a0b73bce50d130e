"""The reserve list, the showcase, a scenario page and national cases, from pipeline records."""

from __future__ import annotations

import pytest

from tests import factories
from tests.showcase import scenes

SCENARIOS = [
    ("电动自行车充电安全治理", "消防", "成华区"),
    ("中欧班列集卡预约进港", "智慧交通", "青白江区"),
    ("<script>alert(1)</script>雨季积水预警", "水务与防汛", "锦江区"),
    ("社区养老助餐", "养老与社区服务", "武侯区"),
]
ODD = [
    "?page=-1",
    "?domain=<script>",
    "?sort=drop+table",
    "?year=abc",
    "?district=火星",
    "?page=9999",
    "?q=<script>&sort=relevance",
    "?edition=-3",
    "?domain=消防&domain=消防",
]


@pytest.fixture
async def listed(db):
    return await scenes.edition_with_scenarios(SCENARIOS, featured=2)


@pytest.mark.parametrize("path", ["/reserve-list", "/showcase", "/cases", "/"])
@pytest.mark.parametrize("query", ODD)
async def test_scenario_routes_answer_odd_query_strings(client, listed, path, query):
    response = await client.get(path + query)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


async def test_home_shows_featured_cards_with_metrics_and_a_domain_chart(client, listed):
    html = (await client.get("/")).text
    assert "电动自行车充电安全治理" in html and "覆盖小区" in html and "10个" in html
    assert "<svg" in html and "储备清单各领域场景数" in html


async def test_reserve_list_filters_by_domain_with_facet_counts_and_export_links(client, listed):
    edition, _ = listed
    html = (await client.get("/reserve-list?domain=消防")).text
    assert "电动自行车充电安全治理" in html and "中欧班列集卡预约进港" not in html
    assert "共 1 个场景" in html
    assert f"/api/reserve-lists/{edition.id}/export.xlsx" in html and "export.csv" in html
    assert 'aria-current="true"' in html  # the chosen facet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;雨季积水预警" not in html  # filtered out


async def test_reserve_list_sorts_and_escapes_titles(client, listed):
    html = (await client.get("/reserve-list?sort=-investment")).text
    assert html.index("社区养老助餐") < html.index("电动自行车充电安全治理")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;雨季积水预警" in html


async def test_scenario_page_has_summary_partners_timeline_and_other_cities(client, listed):
    _, scenarios = listed
    operator = await factories.user("operator")
    await scenes.external_case(operator, title="深圳电动车充电治理", domain="消防")
    html = (await client.get(f"/scenarios/{scenarios[0].id}")).text
    assert "电动自行车充电安全治理" in html and "成都测试科技有限公司" in html
    assert 'aria-current="step"' in html and "宣传推广" in html
    assert "其他城市的消防案例" in html and "深圳电动车充电治理" in html


async def test_national_cases_are_grouped_by_city(client, db):
    operator = await factories.user("operator")
    await scenes.external_case(operator, title="深圳攻防演练", city="深圳")
    await scenes.external_case(operator, title="无锡车联网", domain="智慧交通", city="无锡")
    html = (await client.get("/cases")).text
    assert "深圳（1）" in html and "无锡（1）" in html
    only = (await client.get("/cases?domain=智慧交通")).text
    assert "无锡车联网" in only and "深圳攻防演练" not in only


async def test_a_scenario_in_an_early_stage_is_hidden_from_visitors(client, listed):
    from pipeline.models import Scenario, Stage

    hidden = await Scenario.create(title="内部场景", domain="消防", stage=Stage.DESIGN)
    response = await client.get(f"/scenarios/{hidden.id}")
    assert response.status_code == 404 and "内部场景" not in response.text
