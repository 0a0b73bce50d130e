"""On the embedded default, ``serve`` runs the outbox worker inside the app: a demand published
through the API becomes searchable without any other process."""

from __future__ import annotations

import anyio
import pytest

from tests import factories
from tests.conftest import make_settings


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, LAB_INPROCESS_WORKER="1")


async def test_published_demand_becomes_searchable_through_the_in_process_worker(client, app):
    dept = await factories.actor("department_member")
    created = await client.post(
        "/api/demands",
        headers=dept.headers,
        json={
            "title": "城市内涝监测预警",
            "description": "在易涝点布设水位传感器，汛期实时预警并联动排水调度。",
            "domain": "水务与防汛",
            "district": "武侯区",
        },
    )
    assert created.status_code == 201, created.text
    demand = created.json()
    published = await client.post(
        f"/api/demands/{demand['id']}/publish", headers=dept.headers, json={"version": demand["version"]}
    )
    assert published.status_code == 200, published.text

    with anyio.fail_after(120):
        while True:
            body = (await client.get("/api/search", params={"q": "内涝", "kind": "demand"})).json()
            if body["total"] and not body["degraded"]:
                break
            await anyio.sleep(0.5)
    assert body["hits"][0]["id"] == str(demand["id"])
    # the hit is searchable once the batch's upsert returns; the worker settles its outbox rows just
    # after, and /healthz may reuse a status up to STATUS_TTL old: ok follows within seconds
    with anyio.fail_after(10):
        while (health := (await client.get("/healthz")).json())["search"] != {"status": "ok", "pending": 0}:
            await anyio.sleep(0.2)
    assert health["model"] == "ready"
