"""When the search engine fails, writes still commit, search answers from the database marked
degraded, and once the engine is back the outbox drains and the index converges."""

from __future__ import annotations

from datetime import timedelta

from tortoise.timezone import now

from lab.models import OutboxEvent
from matchmaking.service import SearchService
from matchmaking.worker import OutboxWorker
from tests import factories
from tests.matchmaking.writes import post_demand, post_profile


async def test_engine_down_then_back(settings, embedder, db):
    # the engine's storage is unusable: its directory is taken by a plain file
    settings.search_path.parent.mkdir(parents=True, exist_ok=True)
    settings.search_path.write_text("not a directory")
    service = SearchService(settings, embedder)
    assert await service.healthy() is False

    dept = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    demand = await post_demand(dept, "城市内涝<b>监测</b>", "在易涝点布设水位传感器，汛期实时预警并联动排水调度。")
    await post_demand(
        dept, "交通信号灯配时优化", "根据路口车流自适应调整信号配时，减少早晚高峰拥堵现象。", domain="智慧交通"
    )
    await post_profile(
        supplier, "水位监测物联网终端", "低功耗水位计与雨量计，适合下穿隧道与易涝点的长期监测预警。", ["水务与防汛"]
    )
    await post_demand(dept, "内涝草稿", "还没有写完的内涝需求，不应该被访客看到的草稿内容。", publish=False)

    worker = OutboxWorker(await service.backend(), embedder)
    assert await worker.drain_once() == 0  # the engine refuses the batch ...
    pending = await OutboxEvent.filter(processed_at=None).count()
    assert pending == await OutboxEvent.all().count() > 0  # ... and every row is kept for later

    result = await service.search("内涝", filters={"status": ["published"]}, facets=["domains", "kind"])
    assert result.degraded is True
    assert [h.id for h in result.hits] == [str(demand.id)]
    assert result.hits[0].highlights["title"] == "城市<mark>内涝</mark>&lt;b&gt;监测&lt;/b&gt;"
    assert result.facets == {"domains": {"水务与防汛": 1}, "kind": {"demand": 1}}
    result = await service.search("监测", kind="capability")
    assert result.degraded and result.total == 1

    # the engine comes back: the outbox drains and the index converges
    settings.search_path.unlink()
    assert await service.healthy() is True
    assert await worker.drain(now=now() + timedelta(hours=1)) == pending
    assert await OutboxEvent.filter(processed_at=None).count() == 0
    backend = await service.backend()
    assert await backend.count() == 4
    result = await service.search("内涝", filters={"status": ["published"]})
    assert result.degraded is False
    assert result.hits[0].id == str(demand.id)
    assert result.hits[0].lexical_score is not None and result.hits[0].semantic_score is not None
    await service.close()


async def test_degraded_search_across_kinds_with_statuses_of_every_kind(db):
    """Visitors search every kind at once with the public statuses of all of them (published,
    listing, promotion); the database fallback keeps each table's own statuses and does not fail."""
    from matchmaking.search import SearchQuery
    from matchmaking.service import database_search
    from tests import factories

    dept = await factories.organisation("department")
    supplier = await factories.organisation("enterprise")
    await factories.demand(dept, title="内涝积水预警需求", status="published")
    await factories.demand(dept, title="内涝草稿需求", status="draft")
    await factories.profile(supplier, title="内涝监测平台", status="published")
    result = await database_search(
        SearchQuery("内涝", filters={"status": ["published", "listing", "promotion"]}, facets=["kind"])
    )
    assert result.degraded
    assert {h.document["title"] for h in result.hits} == {"内涝积水预警需求", "内涝监测平台"}
    assert result.facets["kind"] == {"capability": 1, "demand": 1}
    nothing = await database_search(SearchQuery("内涝", kind="demand", filters={"status": ["listing"]}))
    assert nothing.total == 0
