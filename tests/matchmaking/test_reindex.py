"""``reindex`` rebuilds the index from the database, reusing cached vectors."""

from __future__ import annotations

from matchmaking.reindex import reindex
from matchmaking.search import SearchDocument, SearchQuery
from matchmaking.search.embedded import EmbeddedBackend
from tests import factories
from tests.matchmaking.edges import FlakyEmbedder
from tests.matchmaking.writes import post_demand, post_profile


async def test_reindex_rebuilds_from_the_database_and_reuses_vectors(settings, embedder, db):
    dept = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    flood = await post_demand(dept, "城市内涝监测", "在易涝点布设水位传感器，汛期实时预警并联动排水调度。")
    await post_demand(
        dept, "交通信号灯配时优化", "根据路口车流自适应调整信号配时，减少早晚高峰拥堵现象。", domain="智慧交通"
    )
    await post_profile(
        supplier, "水位监测物联网终端", "低功耗水位计与雨量计，适合下穿隧道与易涝点的长期监测预警。", ["水务与防汛"]
    )

    backend = EmbeddedBackend(settings.search_path, embedder.dimension)
    stale = SearchDocument("999", "demand", "早已删除的需求")
    await backend.upsert([stale])
    counting = FlakyEmbedder(embedder)
    done = await reindex(backend, counting, progress=False)
    assert (done["demand"], done["capability"], done.get("scenario", 0)) == (2, 1, 0)
    assert await backend.count() == 3
    assert (await backend.search(SearchQuery("早已删除"))).total == 0
    assert (await backend.search(SearchQuery("内涝", kind="demand"))).hits[0].id == str(flood.id)
    assert len(counting.embedded) == 6  # three documents and their one-sentence bodies
    assert len(counting.queried) == 3  # and what each searches with

    assert await reindex(backend, counting, ["demand"], progress=False) == {"demand": 2}
    assert (len(counting.embedded), len(counting.queried)) == (6, 3)  # unchanged texts come from the cache
    assert await backend.count() == 3
    await backend.close()
