"""Every GET page, for a visitor and for each role, answers odd query strings and unknown ids
without a server error, and never echoes a script unescaped."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Route

from showcase.routes import page_routes
from tests import factories
from tests.showcase import scenes
from tests.showcase.conftest import sign_in

ODD = "?page=-1&domain=<script>alert(1)</script>&sort=__proto__&year=99999&q=%00<script>&edition=abc&profile=-2"
ROLES = [None, "department_member", "supplier_member", "reviewer", "operator"]


def get_paths() -> list[str]:
    return [r.path for r in page_routes if isinstance(r, Route) and "GET" in (r.methods or set())]


def fill(path: str, ids: dict[str, int]) -> list[str]:
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    if not names:
        return [path]
    known = path
    for name in names:
        known = re.sub(r"{%s(?::\w+)?}" % name, str(ids.get(name, 1)), known)
    unknown = re.sub(r"{\w+(?::\w+)?}", "987654", path)
    return [known, unknown]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
async def test_every_page_route_answers_odd_input_without_a_server_error(app, db, role):
    _, listed = await scenes.edition_with_scenarios([("电动自行车充电安全治理", "消防", "成华区")])
    department = await factories.organisation("department")
    demand = await factories.demand(department)
    profile = await factories.profile(await factories.organisation("enterprise"))
    ids = {"scenario_id": listed[0].id, "demand_id": demand.id, "profile_id": profile.id}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        if role:
            await sign_in(client, await factories.user(role))
        for path in get_paths():
            for url in fill(path, ids):
                for query in ("", ODD):
                    response = await client.get(url + query)
                    assert response.status_code < 500, (url + query, response.status_code)
                    assert "<script>alert(1)</script>" not in response.text, url + query
