"""The outbox never loses a write: the embedder fails mid-batch, a fresh worker picks the rows up,
and every document ends up indexed exactly once (and embedded exactly once)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import anyio
import pytest
from tortoise.timezone import now

from lab import demands
from lab.models import Demand, OutboxEvent
from lab.outbox import append_outbox
from lab.schemas import DemandUpdate
from matchmaking.composer import document_text, query_text
from matchmaking.indexing import load_documents
from matchmaking.models import EmbeddingCache
from matchmaking.search import SearchQuery
from matchmaking.search.embedded import EmbeddedBackend
from matchmaking.vector_cache import body_sentences
from matchmaking.worker import Backoff, OutboxWorker
from tests import factories
from tests.matchmaking.edges import FlakyEmbedder
from tests.matchmaking.writes import post_demand, post_profile

DOMAINS = ["水务与防汛", "智慧交通", "城市管理", "消防", "生态环境"]


@pytest.fixture
async def backend(settings, embedder, db):
    engine = EmbeddedBackend(settings.search_path, embedder.dimension)
    yield engine
    await engine.close()


async def seed(n_demands: int = 40, n_profiles: int = 30):
    dept = await factories.user("department_member")
    supplier = await factories.user("supplier_member")
    for i in range(n_demands):
        await post_demand(
            dept,
            f"第{i}号需求：易涝点积水监测与预警",
            f"在第{i}个片区布设水位传感器，汛期实时预警并联动排水调度，覆盖下穿隧道。",
            domain=DOMAINS[i % len(DOMAINS)],
        )
    for i in range(n_profiles):
        await post_profile(
            supplier,
            f"第{i}号能力：视频智能分析平台",
            f"基于第{i}代视觉大模型的事件识别平台，支持占道经营、积水、烟火等识别。",
            domains=[DOMAINS[i % len(DOMAINS)]],
            keywords=[f"识别{i}"],
        )
    return dept, supplier


async def indexed_ids(backend, kind: str) -> list[str]:
    result = await backend.search(SearchQuery("", kind=kind, limit=1000))
    return [h.id for h in result.hits]


async def test_embedder_failure_mid_batch_loses_nothing_and_indexes_everything_once(backend, embedder):
    await seed()
    events = await OutboxEvent.all().count()
    assert events == 140  # create + publish for each of 70 records

    flaky = FlakyEmbedder(embedder, fail_on_call=2)  # the 2nd batch of 32 texts fails
    first = OutboxWorker(backend, flaky, batch_size=200, backoff=Backoff(base=30))
    assert await first.drain_once() == 0
    assert await backend.count() == 0
    rows = await OutboxEvent.all()
    assert len(rows) == events  # nothing dropped
    assert all(r.processed_at is None and r.attempts == 1 and "model crashed" in r.last_error for r in rows)
    assert all(r.next_attempt_at > now() for r in rows)
    assert await first.drain_once() == 0  # backing off: nothing is due yet
    assert await EmbeddingCache.all().count() == 32  # the batch that succeeded is kept

    # the worker "restarts": a new process, a healthy model, and the clock past the backoff
    healthy = FlakyEmbedder(embedder)
    second = OutboxWorker(backend, healthy, batch_size=50)
    assert await second.drain(now=now() + timedelta(minutes=5)) == events

    assert await OutboxEvent.filter(processed_at=None).count() == 0
    assert await OutboxEvent.all().count() == events
    demand_ids = await indexed_ids(backend, "demand")
    profile_ids = await indexed_ids(backend, "capability")
    assert len(demand_ids) == len(set(demand_ids)) == 40
    assert len(profile_ids) == len(set(profile_ids)) == 30
    assert await backend.count() == 70

    # each distinct text went through the model exactly once over both workers: every document's
    # passage, the sentences of its body (for explanations) and its query text (for its matches)
    docs = [d for kind in ("demand", "capability") for d in await load_documents(kind)]
    passages = {document_text(d) for d in docs} | {s for d in docs for s in body_sentences(d.body)}
    embedded = Counter(flaky.embedded + healthy.embedded)
    assert set(embedded) == passages
    assert max(embedded.values()) == 1
    queried = Counter(flaky.queried + healthy.queried)
    assert set(queried) == {query_text(d) for d in docs}
    assert max(queried.values()) == 1


async def test_only_changed_text_is_embedded_again_and_deletes_reach_the_index(backend, embedder):
    dept, _ = await seed(n_demands=3, n_profiles=2)
    counting = FlakyEmbedder(embedder)
    worker = OutboxWorker(backend, counting)
    await worker.drain()
    assert len(counting.embedded) == 5 + 5  # each document's text and its one-sentence body
    assert len(counting.queried) == 5

    first = await Demand.all().order_by("id").first()
    await demands.update_demand(dept, first.id, DemandUpdate(version=first.version, title="下穿隧道积水自动封闭"))
    await worker.drain()
    assert len(counting.embedded) == 11  # one record changed, one new passage (its body is unchanged) ...
    assert len(counting.queried) == 6  # ... and one new query vector
    hits = (await backend.search(SearchQuery("隧道封闭", kind="demand"))).hits
    assert hits[0].id == str(first.id)

    # a record that disappears from the database disappears from the index
    gone = await Demand.all().order_by("-id").first()
    from tortoise.transactions import in_transaction

    async with in_transaction() as conn:
        await OutboxEvent.filter(kind="demand", object_id=gone.id).using_db(conn).update(processed_at=now())
        await Demand.filter(id=gone.id).using_db(conn).delete()
        await append_outbox("demand", gone.id, "delete", using_db=conn)
    await worker.drain()
    assert str(gone.id) not in await indexed_ids(backend, "demand")
    assert await backend.count("demand") == 2
    assert (len(counting.embedded), len(counting.queried)) == (11, 6)


async def test_withdrawn_items_stay_indexed_with_their_status(backend, embedder):
    dept, _ = await seed(n_demands=1, n_profiles=0)
    worker = OutboxWorker(backend, embedder)
    await worker.drain()
    only = await Demand.first()
    await demands.change_demand_status(dept, only.id, "withdraw", (await Demand.get(id=only.id)).version)
    await worker.drain()
    result = await backend.search(SearchQuery("", kind="demand", facets=["status"]))
    assert result.facets["status"] == {"withdrawn": 1}


async def test_two_workers_side_by_side_never_claim_the_same_row(backend, embedder):
    """On PostgreSQL rows are claimed with FOR UPDATE SKIP LOCKED, so workers can run in parallel."""
    from tests.conftest import using_postgres

    if not using_postgres():
        pytest.skip("SKIP LOCKED needs PostgreSQL (set LAB_TEST_DATABASE_URL); SQLite runs one worker")
    await seed(n_demands=12, n_profiles=8)
    workers = [OutboxWorker(backend, FlakyEmbedder(embedder), batch_size=5) for _ in range(2)]
    claimed: list[list[int]] = [[], []]

    async def run(i: int):
        while rows := await workers[i].claim(now()):
            claimed[i].extend(r.id for r in rows)
            await OutboxEvent.filter(id__in=[r.id for r in rows]).update(processed_at=now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(run, 0)
        tg.start_soon(run, 1)
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == sorted(await OutboxEvent.all().values_list("id", flat=True))


async def test_a_scenario_gets_its_passage_and_query_vectors_but_not_sentence_vectors(db, embedder):
    """Explanations read body sentences only for the candidates of matches (demands and profiles);
    a scenario's similar scenarios are explained without them, so its sentences are not embedded."""
    from matchmaking.search import SearchDocument
    from matchmaking.vector_cache import SENTENCE_KINDS, embed_for_reads

    body = "在易涝点布设水位传感器。结合降雨预报模拟积水范围。提前发布内涝预警并联动排水调度。"
    docs = [
        SearchDocument(id=str(i), kind=kind, title=f"{kind}：城市内涝监测", body=body, status="published")
        for i, kind in enumerate(("scenario", "capability"))
    ]
    assert "scenario" not in SENTENCE_KINDS and "capability" in SENTENCE_KINDS
    counting = FlakyEmbedder(embedder)
    await embed_for_reads(docs, counting)
    sentences = body_sentences(body)
    assert len(sentences) == 3
    assert Counter(counting.embedded) == Counter([document_text(d) for d in docs] + sentences)  # once: the profile's
    assert Counter(counting.queried) == Counter(query_text(d) for d in docs)
    assert all(d.vector is not None for d in docs)
