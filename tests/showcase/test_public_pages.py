"""Public pages answer every odd query string without a 500, escape user text, and render in Chinese."""

from __future__ import annotations

import pytest

from tests import factories

ODD_QUERIES = [
    "",
    "?page=-1",
    "?page=abc",
    "?page=99999999999",
    "?domain=<script>alert(1)</script>",
    "?sort=nonsense",
    "?q=<script>",
    "?q=" + "长" * 500,
    "?year=-5&district=%00",
    "?kind=robot",
    "?page=2&page=3&domain=消防&domain=教育",
    "?q=%E4%B8%AD%ZZ",
]
PUBLIC_PATHS = ["/", "/search", "/sign-in", "/reserve-list", "/showcase", "/cases"]


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize("path", PUBLIC_PATHS)
async def test_public_route_answers_odd_query_strings_without_server_error(client, path, query):
    response = await client.get(path + query)
    assert response.status_code < 500
    assert "<script>alert(1)</script>" not in response.text


async def test_home_is_chinese_html_with_landmarks_and_search_box(client, db):
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="zh-CN">' in html
    for landmark in ("<header", "<nav", "<main", "<footer", 'role="search"'):
        assert landmark in html
    assert 'href="/static/site.css"' in html


async def test_static_assets_are_served_by_the_app(client):
    assert (await client.get("/static/site.css")).status_code == 200
    assert (await client.get("/static/icon.svg")).status_code == 200


async def test_script_in_a_demand_title_is_escaped_on_its_page_and_on_home(client, db):
    org = await factories.organisation("department")
    demand = await factories.demand(org, title="<script>alert('x')</script>积水")
    for path in (f"/demands/{demand.id}", "/"):
        html = (await client.get(path)).text
        assert "<script>alert('x')</script>" not in html
        assert "&lt;script&gt;" in html


async def test_a_draft_demand_is_not_found_for_visitors(client, db):
    org = await factories.organisation("department")
    draft = await factories.demand(org, status="draft", title="内部草稿")
    response = await client.get(f"/demands/{draft.id}")
    assert response.status_code == 404
    assert "内部草稿" not in response.text
    assert "页面不存在" in response.text


async def test_unknown_page_renders_a_chinese_error_page_while_the_api_keeps_json(client, db):
    page = await client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.text
    api = await client.get("/api/demands/999999")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


async def test_public_pages_leave_a_visitor_without_a_session_cookie_until_a_form_needs_one(client, db):
    for path in ("/", "/search?q=积水", "/cases"):
        assert "set-cookie" not in (await client.get(path)).headers, path
    assert "lab_session" in (await client.get("/sign-in")).headers.get("set-cookie", "")
