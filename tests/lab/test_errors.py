"""One error shape for every bad input, and a refused request changes nothing."""

import pytest

from lab.models import Demand, Organisation
from tests import factories


def assert_error(response, status, code=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


async def test_malformed_json_is_400_and_changes_nothing(client):
    dept = await factories.actor("department_member")
    response = await client.post(
        "/api/demands", content=b'{"title": "x",', headers={**dept.headers, "content-type": "application/json"}
    )
    assert_error(response, 400, "malformed_json")
    assert await Demand.all().count() == 0


async def test_oversized_body_is_413(client):
    dept = await factories.actor("department_member")
    body = b'{"title": "' + b"a" * (1024 * 1024 + 10) + b'", "domain": "\xe6\xb6\x88\xe9\x98\xb2"}'
    response = await client.post(
        "/api/demands", content=body, headers={**dept.headers, "content-type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
    assert await Demand.all().count() == 0


@pytest.mark.parametrize(
    "payload,field,fragment",
    [
        ({"title": "", "domain": "消防"}, "title", "不能为空"),
        ({"title": "x", "domain": "火星"}, "domain", "取值无效"),
        ({"title": "x", "domain": "消防", "budget_wan": -5}, "budget_wan", "不能小于0"),
        ({"title": "x", "domain": "消防", "budget_wan": "很多"}, "budget_wan", "类型不正确"),
        ({"title": ["x"], "domain": "消防"}, "title", "类型不正确"),
        ({"title": "x", "domain": "消防", "deadline": "明天"}, "deadline", "日期"),
        ({"title": "x", "domain": "消防", "colour": "red"}, "colour", "不支持的字段"),
        ({"domain": "消防"}, "title", "必填"),
    ],
)
async def test_wrong_fields_get_422_with_chinese_field_messages(client, payload, field, fragment):
    dept = await factories.actor("department_member")
    error = assert_error(await client.post("/api/demands", json=payload, headers=dept.headers), 422, "invalid")
    assert fragment in error["fields"][field]
    assert await Demand.all().count() == 0


async def test_json_that_is_not_an_object_is_422(client):
    dept = await factories.actor("department_member")
    error = assert_error(await client.post("/api/demands", json=[1, 2], headers=dept.headers), 422)
    assert "body" in error["fields"]


async def test_bad_credit_code_is_refused(client):
    operator = await factories.actor("operator")
    before = await Organisation.all().count()
    error = assert_error(
        await client.post(
            "/api/organisations",
            json={"kind": "enterprise", "name": "成都错码科技有限公司", "credit_code": "911100001000013530"},
            headers=operator.headers,
        ),
        422,
    )
    assert "校验位" in error["fields"]["credit_code"]
    assert await Organisation.all().count() == before


async def test_unknown_enum_in_query_is_422_not_500(client):
    assert_error(await client.get("/api/demands?status=secret"), 422)
    assert_error(await client.get("/api/demands?limit=-1"), 422)
    assert_error(await client.get("/api/demands?limit=abc&domain=<script>"), 422)


async def test_unknown_route_and_method_use_the_error_shape(client):
    assert_error(await client.get("/api/nothing-here"), 404)
    assert_error(await client.put("/api/demands"), 405)


async def test_bad_bearer_token_is_401(client):
    assert_error(await client.get("/api/me", headers={"Authorization": "Bearer nope"}), 401, "invalid_token")
    assert_error(await client.get("/api/me", headers={"Authorization": "Basic abc"}), 401, "invalid_token")


async def test_script_in_text_is_stored_verbatim_and_returned_as_json_string(client):
    dept = await factories.actor("department_member")
    response = await client.post(
        "/api/demands", json={"title": "<script>alert(1)</script>", "domain": "消防"}, headers=dept.headers
    )
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["title"] == "<script>alert(1)</script>"


async def test_lifecycle_action_with_malformed_body_is_400_and_changes_nothing(client):
    dept = await factories.actor("department_member")
    demand = await factories.demand(dept.user.organisation, status="draft")
    response = await client.post(
        f"/api/demands/{demand.id}/publish",
        content=b'{"version": ',
        headers={**dept.headers, "content-type": "application/json"},
    )
    assert_error(response, 400, "malformed_json")
    assert (await Demand.get(id=demand.id)).status == "draft"
    empty = await client.post(f"/api/demands/{demand.id}/publish", headers=dept.headers)
    assert empty.status_code == 200 and empty.json()["status"] == "published"
