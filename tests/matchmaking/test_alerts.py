"""Alerts from the worker: saved searches fire once per matching public item (never for drafts or
private items), follows fire on each visible change, capability fits alert suppliers who did not
opt out. Real worker, real embedded backend, real model."""

from __future__ import annotations

import pytest

from lab import demands, subscriptions
from lab.conversation_models import Alert, Notification
from lab.conversation_schemas import SavedSearchIn
from lab.models import User
from lab.schemas import DemandUpdate
from matchmaking.alerts import AlertListener
from matchmaking.search.embedded import EmbeddedBackend
from matchmaking.worker import OutboxWorker
from tests import factories
from tests.matchmaking.writes import post_demand, post_profile

FLOOD = "易涝点积水监测与预警"
FLOOD_TEXT = "在下穿隧道和易涝点布设水位传感器，汛期实时监测积水深度并自动预警，联动排水调度与交通管制。"


@pytest.fixture
async def worker(settings, embedder, db):
    engine = EmbeddedBackend(settings.search_path, embedder.dimension)
    yield OutboxWorker(engine, embedder, listeners=[AlertListener(embedder, settings.fit_alert_threshold)])
    await engine.close()


async def _alerts(user: User, kind: str = "alert") -> list[Notification]:
    return await Notification.filter(user_id=user.id, kind=kind).order_by("id")


async def test_saved_search_fires_once_for_a_matching_new_demand_and_never_for_drafts_or_private_items(worker):
    dept = await factories.user("department_member")
    watcher = await factories.user("supplier_member")
    await subscriptions.save_search(watcher, SavedSearchIn(q="积水", kind="demand"))
    await subscriptions.save_search(watcher, SavedSearchIn(q="积水"))  # any kind: must not reach private profiles
    other_supplier = await factories.user("supplier_member")
    await post_profile(
        other_supplier,
        "积水识别草稿能力",
        "草稿里的积水识别能力，尚未发布，不应被任何人订阅到。",
        domains=["水务与防汛"],
        publish=False,
    )
    await post_demand(dept, "积水草稿需求", "这是一份还没有发布的积水治理需求草稿，不应提醒任何人。", publish=False)
    published = await post_demand(dept, FLOOD, FLOOD_TEXT)
    await post_demand(
        dept, "公园智慧灯杆改造", "对公园路灯进行智慧化改造，集成照明、广播与环境监测功能。", domain="城市管理"
    )
    await worker.drain()

    alerts = await _alerts(watcher)
    assert [(n.object_kind, n.object_id) for n in alerts] == [("demand", published.id)] * 2  # one per saved search
    # the same demand changes and is indexed again: no second alert from either saved search
    await demands.update_demand(dept, published.id, DemandUpdate(version=published.version, budget_wan=200))
    await worker.drain()
    assert len(await _alerts(watcher)) == 2
    assert await Alert.filter(user_id=watcher.id).count() == 2
    assert await Notification.filter(user_id=dept.id, kind="alert").count() == 0  # own item: never alerted


async def test_filters_must_match(worker):
    dept = await factories.user("department_member")
    watcher = await factories.user("supplier_member")
    await subscriptions.save_search(watcher, SavedSearchIn(q="积水", filters={"domain": "智慧交通"}))
    await post_demand(dept, FLOOD, FLOOD_TEXT, domain="水务与防汛")
    await worker.drain()
    assert await _alerts(watcher) == []


async def test_following_a_demand_alerts_each_visible_change_once(worker):
    dept = await factories.user("department_member")
    follower = await factories.user("supplier_member")
    demand = await post_demand(dept, FLOOD, FLOOD_TEXT)
    await worker.drain()
    await subscriptions.follow(follower, f"demand:{demand.id}")
    demand = await demands.update_demand(
        dept, demand.id, DemandUpdate(version=demand.version, title=FLOOD + "（二期）")
    )
    await worker.drain()
    await worker.drain()
    assert len(await _alerts(follower)) == 1
    await demands.change_demand_status(dept, demand.id, "close", demand.version)
    await worker.drain()
    alerts = await _alerts(follower)
    assert len(alerts) == 2 and all(n.object_id == demand.id for n in alerts)


async def test_new_demands_that_fit_a_suppliers_profile_alert_unless_opted_out(worker, settings):
    dept = await factories.user("department_member")
    org = await factories.organisation("enterprise")
    keen = await factories.user("supplier_member", org)
    quiet = await factories.user("supplier_member", org)
    await User.filter(id=quiet.id).update(fit_alerts=False)
    stranger = await factories.user("supplier_member")  # no published profile
    await post_profile(
        keen,
        "城市内涝积水监测预警系统",
        "在易涝点、下穿隧道布设水位传感器，实时监测积水深度，超限自动预警并联动排水调度。",
        domains=["水务与防汛"],
        keywords=["积水监测", "内涝预警"],
    )
    await worker.drain()
    fitting = await post_demand(dept, FLOOD, FLOOD_TEXT, domain="水务与防汛")
    await post_demand(
        dept,
        "中小学课后服务排课系统",
        "为区内中小学提供课后服务的排课、选课和考勤管理，家长可在手机上报名。",
        domain="教育",
    )
    await worker.drain()
    alerts = await _alerts(keen)
    assert [(n.object_kind, n.object_id) for n in alerts] == [("demand", fitting.id)]
    assert "适合本单位能力" in alerts[0].message
    assert await _alerts(quiet) == [] and await _alerts(stranger) == []
