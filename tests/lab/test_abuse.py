"""Abuse corpus: every class of input that once produced a 500 (or slipped past a check) now gets a
clear answer in the one error shape and changes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

import pytest

from lab.models import CapabilityProfile, Demand, Organisation, Proposal, User
from tests import factories
from tests.pipeline import builders

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def assert_error(response, status, code=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


async def _session(client, user) -> str:
    page = await client.get("/sign-in")
    response = await client.post(
        "/sign-in", data={"email": user.email, "password": factories.PASSWORD, "csrf": CSRF.search(page.text).group(1)}
    )
    assert response.status_code == 303, response.text
    return CSRF.search((await client.get("/workspace", follow_redirects=True)).text).group(1)


# 1. integers beyond what the column holds -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/demands/9223372036854775808",
        "/api/demands/2147483648",
        "/api/demands/99999999999999999999999",
        "/api/capabilities/2147483648",
        "/api/scenarios/9223372036854775807",
        "/api/organisations/2147483648",
        "/api/demands/²",
        "/api/demands/%D9%A3",
        "/api/demands/0",
        "/demands/2147483648",
        "/scenarios/²",
    ],
)
async def test_path_ids_out_of_range_or_not_ascii_digits_are_404(client, path):
    response = await client.get(path)
    assert response.status_code == 404, response.text
    if path.startswith("/api"):
        assert_error(response, 404)


async def test_largest_id_is_a_normal_404(client):
    assert_error(await client.get("/api/demands/2147483647"), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    [
        "organisation_id=9223372036854775808",
        "organisation_id=2147483648",
        "limit=²",
        "offset=%D9%A3",
        "organisation_id=" + "9" * 5000,
    ],
)
async def test_filters_out_of_range_are_422(client, query):
    assert_error(await client.get(f"/api/demands?{query}"), 422, "invalid")


async def test_json_integers_out_of_range_are_422_and_change_nothing(client):
    dept = await factories.actor("department_member")
    demand = await factories.demand(dept.user.organisation, status="draft")
    for version in (9223372036854775807, 2**31, -(2**63) - 1):
        error = assert_error(
            await client.patch(
                f"/api/demands/{demand.id}", json={"version": version, "title": "新"}, headers=dept.headers
            ),
            422,
        )
        assert "version" in error["fields"]
    supplier = await factories.actor("supplier_member")
    error = assert_error(
        await client.post(
            "/api/proposals",
            json={"demand_id": 2**31, "approach": "方案", "cost_wan": 1, "duration_weeks": 2},
            headers=supplier.headers,
        ),
        422,
    )
    assert "demand_id" in error["fields"]
    body = b'{"version": 1, "title": "x", "budget_wan": ' + b"9" * 5000 + b"}"
    assert_error(
        await client.patch(
            f"/api/demands/{demand.id}", content=body, headers={**dept.headers, "content-type": "application/json"}
        ),
        400,
    )
    assert (await Demand.get(id=demand.id)).title == demand.title


# 2. JSON-list filter on SQLite ------------------------------------------------------------------


async def test_capability_domain_filter_works_on_both_databases(client):
    org = await factories.organisation("enterprise")
    wanted = await factories.profile(org, domains=["消防", "应急管理与安全生产"])
    await factories.profile(org, title="河道水位监测", domains=["水务与防汛"])
    response = await client.get("/api/capabilities", params={"domain": "消防"})
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [wanted.id]


# 3. explicit null for a field that cannot be null -----------------------------------------------


async def test_explicit_null_in_a_patch_is_422_and_changes_nothing(client):
    operator = await factories.actor("operator")
    dept = await factories.actor("department_member")
    supplier = await factories.actor("supplier_member")
    demand = await factories.demand(dept.user.organisation, status="published")
    proposal = await Proposal.create(
        demand=demand, organisation=supplier.user.organisation, approach="原方案", cost_wan=10, duration_weeks=4
    )
    ed = await builders.edition()
    cases = [
        (f"/api/users/{dept.user.id}", {"display_name": None}, dept.headers, "display_name"),
        (f"/api/users/{dept.user.id}", {"role": None}, operator.headers, "role"),
        (f"/api/users/{dept.user.id}", {"active": None}, operator.headers, "active"),
        (f"/api/demands/{demand.id}", {"version": 1, "title": None}, dept.headers, "title"),
        (f"/api/demands/{demand.id}", {"version": None}, dept.headers, "version"),
        (f"/api/proposals/{proposal.id}", {"version": 1, "approach": None}, supplier.headers, "approach"),
        (f"/api/reserve-lists/{ed.id}", {"version": 1, "capacity": None}, operator.headers, "capacity"),
        (f"/api/organisations/{dept.user.organisation_id}", {"name": None}, operator.headers, "name"),
    ]
    for path, body, headers, field in cases:
        error = assert_error(await client.patch(path, json=body, headers=headers), 422, "invalid")
        assert field in error["fields"], (path, error)
    assert (await User.get(id=dept.user.id)).display_name == dept.user.display_name
    assert (await Demand.get(id=demand.id)).title == demand.title
    assert (await Proposal.get(id=proposal.id)).approach == "原方案"
    # a column that may be NULL can still be cleared
    cleared = await client.patch(
        f"/api/demands/{demand.id}", json={"version": 1, "budget_wan": None}, headers=dept.headers
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["budget_wan"] is None


# 4. JSON nested deeper than the limit -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/tokens", "/api/demands", "/api/demands/similar"])
async def test_deeply_nested_json_is_400_before_parsing(client, path):
    dept = await factories.actor("department_member")
    body = b"[" * 1000 + b"]" * 1000
    assert_error(
        await client.post(path, content=body, headers={**dept.headers, "content-type": "application/json"}),
        400,
        "json_too_deep",
    )
    nested = b'{"title": "x", "domain": "\xe6\xb6\x88\xe9\x98\xb2", "a": ' + b'{"b": ' * 100 + b"1" + b"}" * 101
    assert_error(
        await client.post(path, content=nested, headers={**dept.headers, "content-type": "application/json"}),
        400,
        "json_too_deep",
    )


async def test_brackets_inside_strings_do_not_count_as_nesting(client):
    dept = await factories.actor("department_member")
    response = await client.post(
        "/api/demands",
        json={"title": '[{"[', "description": "[" * 500 + "{" * 500, "domain": "消防"},
        headers=dept.headers,
    )
    assert response.status_code == 201, response.text


# 5. NUL and other control characters --------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "bell\x07", "esc\x1b[31m", "del\x7f", "lone \ud800 surrogate"])
async def test_control_characters_in_json_text_are_422_and_change_nothing(client, text):
    dept = await factories.actor("department_member")
    for body in ({"title": text, "domain": "消防"}, {"title": "正常标题", "domain": "消防", "description": text}):
        raw = json.dumps(body).encode()  # ASCII with \u escapes, so a lone surrogate can be sent too
        error = assert_error(
            await client.post(
                "/api/demands", content=raw, headers={**dept.headers, "content-type": "application/json"}
            ),
            422,
            "invalid",
        )
        assert "控制字符" in "".join(error["fields"].values()) or "Unicode" in "".join(error["fields"].values())
    assert await Demand.all().count() == 0


async def test_tabs_and_newlines_are_ordinary_text(client):
    dept = await factories.actor("department_member")
    response = await client.post(
        "/api/demands",
        json={"title": "两行\t标题", "domain": "消防", "description": "第一行\r\n第二行"},
        headers=dept.headers,
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("path", ["/api/search?q=%00", "/api/organisations?q=a%00b", "/api/search?q=x&status=%1b"])
async def test_control_characters_in_queries_are_422(client, path):
    assert_error(await client.get(path), 422, "invalid")


async def test_control_characters_in_a_page_form_are_refused(client):
    dept = await factories.user("department_member")
    csrf = await _session(client, dept)
    response = await client.post("/workspace/demands", data={"csrf": csrf, "title": "a\x00b", "domain": "消防"})
    assert response.status_code == 422
    assert "控制字符" in response.text
    assert await Demand.all().count() == 0


# 6. digits Python accepts but the database must not see --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/reserve-list?year=²",
        "/reserve-list?year=%D9%A3",
        "/search?page=²",
        "/reserve-list?page=1_000",
        "/scenarios?edition=²",
    ],
)
async def test_pages_ignore_unicode_digits(client, path):
    response = await client.get(path)
    assert response.status_code in (200, 404), response.text


async def test_form_version_in_unicode_digits_is_refused_not_a_500(client):
    dept = await factories.user("department_member")
    demand = await factories.demand(dept.organisation, status="draft")
    csrf = await _session(client, dept)
    response = await client.post(
        f"/workspace/demands/{demand.id}", data={"csrf": csrf, "title": "改过的标题", "domain": "消防", "version": "²"}
    )
    assert response.status_code in (409, 422), response.text
    response = await client.post(f"/workspace/demands/{demand.id}/publish", data={"csrf": csrf, "version": "²"})
    assert response.status_code < 500, response.text
    assert (await Demand.get(id=demand.id)).title == demand.title


# 7. malformed CSRF tokens ------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["令牌", "\u00e9t\u00e9", "x" * 5000, ""])
async def test_malformed_csrf_token_in_a_form_is_403(client, token):
    dept = await factories.user("department_member")
    await _session(client, dept)
    response = await client.post("/workspace/demands", data={"csrf": token, "title": "标题", "domain": "消防"})
    assert response.status_code == 403, response.text
    assert await Demand.all().count() == 0


async def test_non_ascii_csrf_header_on_the_api_is_403(client):
    dept = await factories.user("department_member")
    await _session(client, dept)
    response = await client.post(
        "/api/demands",
        json={"title": "标题", "domain": "消防"},
        headers={"x-csrf-token": "t\u00e9l\u00e9".encode("latin-1")},
    )
    assert_error(response, 403, "csrf_failed")


# 8. titles must hold something visible ---------------------------------------------------------


@pytest.mark.parametrize("title", ["\u200b\u200b", "\u3000", "\u200d\ufeff", " \u2060 "])
async def test_titles_without_visible_characters_are_422(client, title):
    dept = await factories.actor("department_member")
    error = assert_error(
        await client.post("/api/demands", json={"title": title, "domain": "消防"}, headers=dept.headers), 422
    )
    assert "title" in error["fields"]
    operator = await factories.actor("operator")
    assert_error(
        await client.post("/api/organisations", json={"kind": "department", "name": title}, headers=operator.headers),
        422,
    )
    assert not await Organisation.filter(name=title).exists()


# 9. the JSON API and browser sessions ------------------------------------------------------------


async def test_session_cookie_alone_cannot_write_through_the_api(client):
    dept = await factories.user("department_member")
    csrf = await _session(client, dept)
    body = {"title": "会话写入", "domain": "消防"}
    assert_error(await client.post("/api/demands", json=body), 403, "csrf_failed")
    assert_error(await client.post("/api/demands", json=body, headers={"x-csrf-token": "wrong"}), 403, "csrf_failed")
    assert await Demand.all().count() == 0
    ok = await client.post("/api/demands", json=body, headers={"x-csrf-token": csrf})
    assert ok.status_code == 201, ok.text
    # reads need no token
    assert (await client.get("/api/me")).status_code == 200


async def test_text_plain_and_form_bodies_on_json_routes_are_415(client):
    dept = await factories.actor("department_member")
    body = json.dumps({"title": "简单请求", "domain": "消防"}, ensure_ascii=False).encode()
    for media in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        headers = {**dept.headers, "content-type": media} if media else dept.headers
        assert_error(await client.post("/api/demands", content=body, headers=headers), 415, "unsupported_media_type")
    csrf_user = await factories.user("department_member")
    await _session(client, csrf_user)
    assert_error(await client.post("/api/demands", content=body, headers={"content-type": "text/plain"}), 403)
    assert await Demand.all().count() == 0
    response = await client.post(
        "/api/demands", content=body, headers={**dept.headers, "content-type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 201, response.text


async def test_profile_patch_null_and_range_checks_share_the_same_edge(client):
    supplier = await factories.actor("supplier_member")
    profile = await factories.profile(supplier.user.organisation, status="draft")
    assert_error(
        await client.patch(
            f"/api/capabilities/{profile.id}", json={"version": 1, "title": None}, headers=supplier.headers
        ),
        422,
    )
    assert_error(
        await client.patch(
            f"/api/capabilities/{profile.id}", json={"version": 1, "maturity": 2**40}, headers=supplier.headers
        ),
        422,
    )
    cleared = await client.patch(
        f"/api/capabilities/{profile.id}", json={"version": 1, "maturity": None}, headers=supplier.headers
    )
    assert cleared.status_code == 200, cleared.text
    assert (await CapabilityProfile.get(id=profile.id)).title == profile.title
