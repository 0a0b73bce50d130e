"""GET /api/scenarios/{id}/similar: publicly listed scenarios most like this one, explained;
unlisted ones never appear."""

from lab.outbox import append_outbox
from pipeline.models import Origin, Scenario, Stage
from tests import factories


async def _scenario(lead, title, summary, domain, stage=Stage.LISTING):
    s = await Scenario.create(
        title=title,
        summary=summary,
        domain=domain,
        district="成华区",
        origin=Origin.LAB,
        year=2023,
        lead_department=lead,
        stage=stage,
    )
    await append_outbox("scenario", s.id)
    return s


async def test_similar_scenarios_are_public_ones_ranked_by_meaning(client, app):
    lead = await factories.organisation("department")
    ebike = await _scenario(
        lead,
        "老旧小区电动自行车集中充电与电梯阻车",
        "在老旧小区建设集中充电棚，并在电梯轿厢加装识别装置，阻止电动自行车进电梯上楼。",
        "消防",
    )
    similar = await _scenario(
        lead,
        "电梯智能识别电瓶车入梯",
        "电梯内摄像头识别电瓶车，语音劝阻并暂停运行，从源头减少楼道和室内充电火灾。",
        "消防",
    )
    unrelated = await _scenario(
        lead, "智慧农业大棚温湿度监测", "在蔬菜大棚布设温湿度和土壤墒情传感器，自动控制卷帘与灌溉。", "农业农村"
    )
    hidden = await _scenario(
        lead, "电梯电动车阻车（测试中）", "仍在测试阶段的电梯阻车方案，不应公开。", "消防", stage=Stage.TESTING
    )
    await app.state.runtime.worker(await app.state.search.backend()).drain()

    response = await client.get(f"/api/scenarios/{ebike.id}/similar")
    assert response.status_code == 200, response.text
    ids = [i["id"] for i in response.json()["items"]]
    assert ids[0] == similar.id
    assert ebike.id not in ids and hidden.id not in ids
    assert ids.index(similar.id) < ids.index(unrelated.id)
    assert "消防" in response.json()["items"][0]["explanation"]["shared_domains"]
    assert (await client.get(f"/api/scenarios/{hidden.id}/similar")).status_code == 404
    assert (await client.get(f"/api/scenarios/{ebike.id}/similar", params={"limit": 0})).status_code == 422
