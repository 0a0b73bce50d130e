"""Expensive reads are bounded: a per-caller rate limit (429 + Retry-After) and a deadline on
waiting for the model (503 + Retry-After, Chinese message)."""

from __future__ import annotations

import time

import httpx
import pytest

from lab.app import create_app
from lab.limits import RateLimiter
from tests import factories
from tests.conftest import make_settings
from tests.pipeline import builders


def test_token_bucket_refills_evenly():
    now = [0.0]
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.spend("search", "a") for _ in range(3)] == [0, 0, 0]
    assert limiter.spend("search", "a") == pytest.approx(20.0)
    assert limiter.spend("search", "b") == 0  # another caller has its own bucket
    assert limiter.spend("matches", "a") == 0  # and so has another kind of read
    now[0] = 20.0
    assert limiter.spend("search", "a") == 0


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, LAB_RATE_LIMIT="3/60")


def _client(app, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://testserver"
    )


async def test_search_is_rate_limited_per_visitor_address(app):
    await app.state.search.backend()  # the model is loaded: only the limit is under test
    async with _client(app, "203.0.113.20") as greedy, _client(app, "198.51.100.21") as other:
        responses = [await greedy.get("/api/search", params={"q": "", "kind": "demand"}) for _ in range(4)]
        statuses = [r.status_code for r in responses]
        assert statuses == [200, 200, 200, 429], [r.text for r in responses]
        assert statuses == [200, 200, 200, 429]
        refused = await greedy.get("/api/search", params={"q": ""})
        assert refused.json()["error"]["code"] == "rate_limited"
        assert "请求过于频繁" in refused.json()["error"]["message"]
        assert int(refused.headers["retry-after"]) >= 1
        assert (await other.get("/api/search", params={"q": ""})).status_code == 200


async def test_the_search_page_shares_the_search_budget_and_says_so_in_chinese(app):
    await app.state.search.backend()
    async with _client(app, "203.0.113.30") as greedy, _client(app, "198.51.100.31") as other:
        assert (await greedy.get("/api/search", params={"q": "积水"})).status_code == 200
        pages = [await greedy.get("/search", params={"q": "积水"}) for _ in range(3)]
        assert [p.status_code for p in pages] == [200, 200, 429]
        assert "请求过于频繁" in pages[-1].text and int(pages[-1].headers["retry-after"]) >= 1
        assert pages[-1].headers["content-type"].startswith("text/html")
        # browsing by domain alone calls no model and is not counted
        assert (await greedy.get("/search", params={"domain": "消防"})).status_code == 200
        assert (await other.get("/search", params={"q": "积水"})).status_code == 200


async def test_matches_similar_and_exports_are_rate_limited_per_user(app, client):
    dept = await factories.actor("department_member")
    other = await factories.actor("department_member")
    demand = await factories.demand(dept.user.organisation)
    statuses = [
        (await client.get(f"/api/demands/{demand.id}/matches", headers=dept.headers)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    p = await builders.parties()
    ed = await builders.edition()
    listed = await builders.scenario("listing", p, edition_obj=ed)
    similar = [
        (await client.get(f"/api/scenarios/{listed.id}/similar", headers=other.headers)).status_code for _ in range(4)
    ]
    assert similar == [200, 200, 200, 429]
    exports = [
        (await client.get(f"/api/reserve-lists/{ed.id}/export.csv", headers=other.headers)).status_code
        for _ in range(4)
    ]
    assert exports == [200, 200, 200, 429]


async def test_a_request_waits_for_the_model_no_longer_than_the_deadline(tmp_path, db):
    # a fresh app whose model is not loaded yet: loading takes seconds, the deadline is half a second
    settings = make_settings(tmp_path, LAB_MODEL_DEADLINE="0.5")
    app = create_app(settings, manage_database=False)
    async with app.router.lifespan_context(app), _client(app, "198.51.100.30") as c:
        started = time.perf_counter()
        response = await c.get("/api/search", params={"q": "电动自行车充电"})
        elapsed = time.perf_counter() - started
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "model_busy"
    assert "稍后重试" in response.json()["error"]["message"]
    assert int(response.headers["retry-after"]) >= 1
    assert elapsed < 3.0, elapsed
