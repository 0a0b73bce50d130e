"""A broad demand through the real app, worker and model: each listed supplier's coverage per need,
a 联合体 of two organisations for a two-part demand no single supplier covers, and 匹配度 instead of
raw cosines."""

from __future__ import annotations

from matchmaking.calibration import LEVELS
from matchmaking.worker import OutboxWorker
from tests import factories
from tests.matchmaking.writes import post_demand, post_profile
from tests.showcase.conftest import sign_in

OTHER_PROFILES = [
    ("中小学课堂教学质量分析平台", "采集课堂音视频，分析师生互动与提问质量，为教研提供改进建议。", ["教育"]),
    ("社区居家养老呼叫服务", "为独居老人提供一键呼叫、定期电话问候和上门助餐助浴服务。", ["养老与社区服务"]),
    ("农田土壤墒情监测服务", "布设土壤温湿度传感器，按地块给出灌溉和施肥建议。", ["农业农村"]),
    ("政务服务热线知识库", "整理政策问答知识库，辅助热线坐席快速答复市民咨询。", ["政务服务"]),
    ("景区客流统计与预约", "统计景区入口客流，分时预约限流，高峰时发布引导信息。", ["文化旅游"]),
    ("企业碳排放核算服务", "按行业标准核算企业碳排放，出具报告并给出减排建议。", ["能源与双碳"]),
]


async def test_a_two_part_demand_gets_a_team_and_per_need_coverage(app, client, embedder):
    dept = await factories.user("department_member")
    elevator_org = await factories.user("supplier_member")
    flood_org = await factories.user("supplier_member", await factories.organisation("university"))
    others = await factories.user("supplier_member", await factories.organisation("institute"))
    demand = await post_demand(
        dept,
        "老旧小区安全隐患综合治理",
        "小区电梯里经常有居民把电动自行车推上楼充电。希望电梯里能识别电动自行车并阻止它上楼。"
        "同时需要在暴雨时提前预警下穿通道和地下车库的积水，及时通知物业转移车辆。预算150万元。",
        domain="住房与城乡建设",
        district="金牛区",
    )
    elevator = await post_profile(
        elevator_org,
        "电梯电动车智能识别阻车系统",
        "在电梯轿厢安装视觉识别终端，识别电动自行车进入后语音提醒并联动电梯控制器阻止关门。",
        ["消防"],
        ["电梯阻车", "电动自行车"],
    )
    flood = await post_profile(
        flood_org,
        "城市内涝积水监测预警平台",
        "在易涝点、下穿通道和地下车库布设水位传感器，暴雨时提前发布积水预警并通知管理人员。",
        ["水务与防汛"],
        ["内涝预警", "水位监测"],
    )
    for title, summary, domains in OTHER_PROFILES:
        await post_profile(others, title, summary, domains, [])
    await OutboxWorker(await app.state.search.backend(), embedder).drain()

    response = await client.get(
        f"/api/demands/{demand.id}/matches", headers=factories.auth(await factories.token(dept))
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["needs"]) == 2 and "电动自行车" in body["needs"][0] and "积水" in body["needs"][1]
    by_id = {item["id"]: item for item in body["items"]}
    assert {elevator.id, flood.id} <= set(by_id)
    assert by_id[elevator.id]["coverage"][0]["level"] == "covered"
    assert by_id[elevator.id]["coverage"][1]["level"] != "covered"
    assert by_id[flood.id]["coverage"][1]["level"] == "covered"
    assert by_id[flood.id]["coverage"][0]["level"] != "covered"
    team = body["teams"][0]
    assert {m["id"] for m in team["members"]} == {elevator.id, flood.id}
    assert team["covered"] == [0, 1] and team["uncovered"] == []
    for item in body["items"]:
        assert 0.0 <= item["strength"] <= 1.0 and item["strength_level"] in LEVELS
        assert item["explanation"]["text"].startswith("匹配度 ") and "语义相似度" not in item["explanation"]["text"]
    strengths = [item["strength"] for item in body["items"]]
    assert strengths == sorted(strengths, reverse=True)  # monotone in the ranking score

    await sign_in(client, dept)
    page = await client.get(f"/workspace/demands/{demand.id}")
    assert page.status_code == 200
    assert "各项需求的覆盖情况" in page.text and "联合体建议" in page.text and "匹配度" in page.text
    assert "语义相似度" not in page.text
