from tests import factories


async def test_healthz_and_public_demand_list(client):
    org = await factories.organisation("department")
    await factories.demand(org, status="published", title="已发布需求")
    await factories.demand(org, status="draft", title="草稿需求")
    assert (await client.get("/healthz")).json()["database"] == "ok"
    body = (await client.get("/api/demands")).json()
    assert [d["title"] for d in body["items"]] == ["已发布需求"]
