"""When the search engine cannot be reached, list pages still work and say search is degraded."""

from __future__ import annotations

import httpx
import pytest

from lab.app import create_app
from tests import factories
from tests.conftest import make_settings
from tests.showcase import scenes


@pytest.fixture
def settings(tmp_path):
    # a Meilisearch nobody listens on: every search falls back to the database
    return make_settings(tmp_path, LAB_SEARCH_BACKEND="meilisearch", LAB_MEILI_URL="http://127.0.0.1:9")


@pytest.fixture
async def degraded_client(settings, db):
    app = create_app(settings, manage_database=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            yield c


async def test_search_page_answers_from_the_database_with_a_banner(degraded_client):
    org = await factories.organisation("department")
    await factories.demand(org, title="老城区积水点监测")
    response = await degraded_client.get("/search?q=积水")
    assert response.status_code == 200
    assert "搜索服务暂时降级" in response.text
    assert "找到 <strong>1</strong>" in response.text and "<mark>积水</mark>点监测" in response.text


async def test_reserve_list_search_still_filters_when_degraded(degraded_client):
    await scenes.edition_with_scenarios(
        [("电动自行车充电安全治理", "消防", "成华区"), ("中欧班列集卡预约进港", "智慧交通", "青白江区")]
    )
    response = await degraded_client.get("/reserve-list?q=充电")
    assert response.status_code == 200
    assert "搜索服务暂时降级" in response.text
    assert "电动自行车充电安全治理" in response.text and "中欧班列集卡预约进港" not in response.text
    plain = await degraded_client.get("/reserve-list?domain=智慧交通")
    assert plain.status_code == 200 and "中欧班列集卡预约进港" in plain.text
