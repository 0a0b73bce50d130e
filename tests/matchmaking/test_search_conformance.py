"""One contract, two engines: every test runs against the embedded backend, and against Meilisearch
when ``LAB_MEILI_URL`` points at a server."""

from __future__ import annotations

import os
import uuid
from collections import Counter

import numpy as np
import pytest
import pytest_asyncio

from matchmaking.search import InvalidSearch, SearchDocument, SearchQuery
from matchmaking.search.embedded import EmbeddedBackend
from matchmaking.search.meili import MeiliBackend

CORPUS = [
    dict(
        id="c1",
        kind="capability",
        title="中国农业发展银行智慧农业金融服务",
        body="为涉农主体提供信贷风控模型与农村金融数据服务。",
        keywords=["金融", "风控"],
        domains=["农业农村"],
        district="锦江区",
        org_kind="enterprise",
        status="published",
        year=2023,
    ),
    dict(
        id="d1",
        kind="demand",
        title="城市内涝监测",
        body="在易涝点布设水位传感器，汛期实时预警并联动排水调度。",
        keywords=["水位", "预警"],
        domains=["水务与防汛"],
        district="武侯区",
        org_kind="government",
        status="published",
        year=2024,
    ),
    dict(
        id="d2",
        kind="demand",
        title="交通信号灯配时优化",
        body="根据路口车流自适应调整信号配时，减少早晚高峰拥堵。",
        keywords=["信号控制"],
        domains=["智慧交通"],
        district="武侯区",
        org_kind="government",
        status="published",
        year=2023,
    ),
    dict(
        id="c2",
        kind="capability",
        title="社区养老服务平台",
        body="为独居老人提供紧急呼叫、助餐和上门照护的数字化平台。",
        keywords=["养老", "照护"],
        domains=["养老与社区服务"],
        district="成华区",
        org_kind="university",
        status="published",
        year=2024,
    ),
    dict(
        id="c3",
        kind="capability",
        title="<script>alert(1)</script>智慧停车诱导系统",
        body="停车位实时感知与诱导发布。",
        keywords=["停车"],
        domains=["智慧交通", "城市管理"],
        district="武侯区",
        org_kind="enterprise",
        status="draft",
        year=2024,
    ),
    dict(
        id="d3",
        kind="demand",
        title="森林火灾早期识别",
        body="利用高点视频和红外相机识别山林烟火并自动告警。",
        keywords=["烟火识别"],
        domains=["消防", "应急管理与安全生产"],
        district="青羊区",
        org_kind="government",
        status="published",
        year=2024,
    ),
    dict(
        id="s1",
        kind="scenario",
        title="河湖水质在线监测场景",
        body="多参数水质监测浮标与污染溯源分析。",
        keywords=["水质"],
        domains=["生态环境", "水务与防汛"],
        district="武侯区",
        org_kind="institute",
        status="listed",
        year=2023,
    ),
]


def text_of(row: dict) -> str:
    return "\n".join([row["title"], row["body"], " ".join(row["domains"]), " ".join(row["keywords"])])


@pytest.fixture(scope="module")
def corpus_vectors(embedder) -> dict[str, np.ndarray]:
    vectors = embedder.encode_passages([text_of(row) for row in CORPUS])
    return {row["id"]: vec for row, vec in zip(CORPUS, vectors)}


def corpus(vectors: dict[str, np.ndarray] | None = None) -> list[SearchDocument]:
    return [SearchDocument(**row, vector=None if vectors is None else vectors[row["id"]]) for row in CORPUS]


def expected_facets(rows: list[dict], field: str) -> dict[str, int]:
    counts: Counter = Counter()
    for row in rows:
        values = row[field] if isinstance(row[field], list) else [row[field]]
        counts.update(str(v) for v in values if v is not None)
    return dict(counts)


@pytest_asyncio.fixture(params=["embedded", "meilisearch"])
async def backend(request, tmp_path, embedder):
    if request.param == "embedded":
        engine = EmbeddedBackend(tmp_path / "search", embedder.dimension)
    else:
        url = os.environ.get("LAB_MEILI_URL")
        if not url:
            pytest.skip("LAB_MEILI_URL not set: no Meilisearch server on this machine")
        engine = MeiliBackend(
            url, os.environ.get("LAB_MEILI_KEY"), embedder.dimension, prefix=f"test_{uuid.uuid4().hex[:10]}"
        )
    yield engine
    if request.param == "meilisearch":
        client = engine._sync_client()
        for kind in ("demand", "capability", "scenario"):
            client.wait_for_task(client.delete_index(engine.uid(kind)).task_uid)
    await engine.close()


async def test_upsert_count_replace_and_delete(backend):
    await backend.upsert(corpus())
    assert await backend.count() == len(CORPUS)
    assert await backend.count("demand") == 3
    assert await backend.count("scenario") == 1

    replaced = SearchDocument(**{**CORPUS[1], "title": "易涝点积水在线感知"})
    await backend.upsert([replaced])
    assert await backend.count() == len(CORPUS)
    assert [h.id for h in (await backend.search(SearchQuery("积水感知", kind="demand"))).hits][:1] == ["d1"]
    assert (await backend.search(SearchQuery("内涝", kind="demand"))).total == 0

    await backend.delete("demand", ["d1", "does-not-exist"])
    assert await backend.count() == len(CORPUS) - 1
    assert await backend.count("demand") == 2
    await backend.clear("capability")
    assert await backend.count("capability") == 0
    assert await backend.count() == 3
    assert await backend.health() is True


@pytest.mark.parametrize("text, expected", [("农业", "c1"), ("内涝", "d1"), ("烟火", "d3"), ("水质", "s1")])
async def test_chinese_sub_words_are_found(backend, text, expected):
    await backend.upsert(corpus())
    result = await backend.search(SearchQuery(text))
    assert result.hits and result.hits[0].id == expected
    assert result.hits[0].lexical_score == pytest.approx(1.0)


async def test_highlights_escape_markup_before_marking(backend):
    await backend.upsert(corpus())
    result = await backend.search(SearchQuery("停车", kind="capability"))
    title = result.hits[0].highlights["title"]
    assert "<script>" not in title
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in title
    assert "<mark>停车</mark>" in title
    assert result.hits[0].document["title"] == CORPUS[4]["title"]  # the stored text itself is untouched


async def test_filters_and_exact_facet_counts_under_filters(backend):
    await backend.upsert(corpus())
    in_wuhou = [r for r in CORPUS if r["district"] == "武侯区"]
    result = await backend.search(
        SearchQuery("", filters={"district": "武侯区"}, facets=["domain", "org_kind", "year"], limit=2)
    )
    assert result.total == len(in_wuhou)
    assert len(result.hits) == 2  # facets count the whole filtered set, not the page
    assert result.facets["domains"] == expected_facets(in_wuhou, "domains")
    assert result.facets["org_kind"] == expected_facets(in_wuhou, "org_kind")
    assert result.facets["year"] == expected_facets(in_wuhou, "year")

    # a text query: facets over the matches that pass the filters
    result = await backend.search(SearchQuery("监测", filters={"district": "武侯区"}, facets=["domains"]))
    assert {h.id for h in result.hits} == {"d1", "s1"}
    assert result.facets["domains"] == {"水务与防汛": 2, "生态环境": 1}

    # several values of one field are ORed, fields are ANDed
    result = await backend.search(
        SearchQuery("", filters={"domains": ["智慧交通", "消防"], "year": 2024}, facets=["district"])
    )
    assert {h.id for h in result.hits} == {"c3", "d3"}
    assert result.facets["district"] == {"武侯区": 1, "青羊区": 1}

    with pytest.raises(InvalidSearch):
        SearchQuery("", filters={"password": "x"})


async def test_kind_filter_keeps_other_kinds_out(backend):
    await backend.upsert(corpus())
    result = await backend.search(SearchQuery("", kind="capability", limit=50))
    assert {h.kind for h in result.hits} == {"capability"}
    assert result.total == 3
    result = await backend.search(SearchQuery("监测", kind="scenario"))
    assert [h.id for h in result.hits] == ["s1"]


async def test_pagination_is_stable_and_complete(backend):
    await backend.upsert(corpus())
    for text in ("", "智慧"):
        whole = await backend.search(SearchQuery(text, limit=100))
        pages = []
        for offset in range(0, whole.total, 2):
            page = await backend.search(SearchQuery(text, limit=2, offset=offset))
            assert page.total == whole.total
            pages.extend(h.id for h in page.hits)
        assert pages == [h.id for h in whole.hits]
        assert len(set(pages)) == whole.total


async def test_sort_by_year(backend):
    await backend.upsert(corpus())
    result = await backend.search(SearchQuery("", sort=["year:desc"], limit=100))
    years = [h.document["year"] for h in result.hits]
    assert years == sorted(years, reverse=True)


async def test_hybrid_ranks_a_paraphrase_with_no_shared_words_first(backend, embedder, corpus_vectors):
    await backend.upsert(corpus(corpus_vectors))
    text = "暴雨过后街道被淹"  # not one character in common with 城市内涝监测
    lexical_only = await backend.search(SearchQuery(text, kind="demand"))
    assert lexical_only.total == 0

    vector = embedder.encode_queries([text])[0]
    result = await backend.search(SearchQuery(text, vector=vector, semantic_ratio=0.9, kind="demand"))
    assert result.hits[0].id == "d1"
    assert result.hits[0].semantic_score is not None and result.hits[0].semantic_score > 0.5

    # pure vector search over every kind, and the score mix is exposed
    result = await backend.search(SearchQuery("", vector=embedder.encode_queries(["养老院老人照护"])[0]))
    assert result.hits[0].id == "c2"
    assert all(h.semantic_score is not None for h in result.hits)


async def test_hybrid_keeps_lexical_evidence_when_ratio_is_low(backend, embedder, corpus_vectors):
    await backend.upsert(corpus(corpus_vectors))
    text = "信号灯"
    result = await backend.search(SearchQuery(text, vector=embedder.encode_queries([text])[0], semantic_ratio=0.2))
    assert result.hits[0].id == "d2"
    assert result.hits[0].lexical_score is not None


async def test_hits_carry_their_stored_vectors_and_skip_highlights_when_asked(backend, embedder, corpus_vectors):
    await backend.upsert(corpus(corpus_vectors))
    vector = embedder.encode_queries(["城市内涝"])[0]
    plain = await backend.search(SearchQuery("内涝", vector=vector, kind="demand"))
    assert plain.hits and all(h.vector is None for h in plain.hits)
    assert "<mark>内涝</mark>" in plain.hits[0].highlights["title"]

    lean = await backend.search(SearchQuery("内涝", vector=vector, kind="demand", highlight=False, with_vectors=True))
    assert [h.id for h in lean.hits] == [h.id for h in plain.hits]
    for hit in lean.hits:
        assert hit.highlights == {}
        np.testing.assert_allclose(hit.vector, corpus_vectors[hit.id], atol=1e-6)
        # the stored vector is the one the semantic score was computed with
        assert float(hit.vector @ vector) == pytest.approx(hit.semantic_score, abs=1e-5)


# -- embedded only -------------------------------------------------------------------------------


async def test_embedded_index_survives_a_restart(tmp_path, embedder, corpus_vectors):
    path = tmp_path / "search"
    first = EmbeddedBackend(path, embedder.dimension)
    await first.upsert(corpus(corpus_vectors))
    await first.delete("scenario", ["s1"])
    await first.close()

    again = EmbeddedBackend(path, embedder.dimension)
    assert await again.count() == len(CORPUS) - 1
    assert [h.id for h in (await again.search(SearchQuery("内涝"))).hits] == ["d1"]
    vector = embedder.encode_queries(["暴雨过后街道被淹"])[0]
    result = await again.search(SearchQuery("", vector=vector, kind="demand"))
    assert result.hits[0].id == "d1"
    await again.close()


async def test_embedded_sees_writes_from_another_process_handle(tmp_path, embedder, corpus_vectors):
    path = tmp_path / "search"
    reader, writer = EmbeddedBackend(path, embedder.dimension), EmbeddedBackend(path, embedder.dimension)
    vector = embedder.encode_queries(["养老院老人照护"])[0]
    assert (await reader.search(SearchQuery("", vector=vector))).total == 0
    await writer.upsert(corpus(corpus_vectors))
    assert (await reader.search(SearchQuery("", vector=vector))).hits[0].id == "c2"
    await writer.delete("capability", ["c2"])
    assert all(h.id != "c2" for h in (await reader.search(SearchQuery("", vector=vector))).hits)
    await reader.close()
    await writer.close()


async def test_embedded_reader_never_serves_a_document_another_handle_changed(tmp_path):
    path = tmp_path / "search"
    reader, writer = EmbeddedBackend(path, 4), EmbeddedBackend(path, 4)
    await writer.upsert(corpus())
    first = await reader.search(SearchQuery("内涝", kind="demand"))
    assert first.hits[0].document["title"] == "城市内涝监测"
    first.hits[0].document["title"] = "changed by the caller"  # a caller's copy: the index keeps its own
    assert (await reader.search(SearchQuery("内涝", kind="demand"))).hits[0].document["title"] == "城市内涝监测"
    await writer.upsert([SearchDocument(**{**CORPUS[1], "title": "城市内涝监测（二期）"})])
    again = await reader.search(SearchQuery("内涝", kind="demand"))
    assert again.hits[0].document["title"] == "城市内涝监测（二期）"
    await reader.close()
    await writer.close()


async def test_embedded_approximate_index_agrees_with_exact(tmp_path, embedder, corpus_vectors):
    exact = EmbeddedBackend(tmp_path / "exact", embedder.dimension)
    approx = EmbeddedBackend(tmp_path / "approx", embedder.dimension, ann_threshold=2)
    for engine in (exact, approx):
        await engine.upsert(corpus(corpus_vectors))
    await approx.warm()  # the HNSW graph is ready: the next query goes through it
    vector = embedder.encode_queries(["山林起火怎么尽早发现"])[0]
    a = await exact.search(SearchQuery("", vector=vector, limit=3))
    b = await approx.search(SearchQuery("", vector=vector, limit=3))
    assert [h.id for h in a.hits] == [h.id for h in b.hits]
    assert a.hits[0].id == "d3"
    await approx.upsert([SearchDocument(**{**CORPUS[0], "id": "c9"}, vector=corpus_vectors["d3"])])
    d = await approx.search(SearchQuery("", vector=vector, limit=2))
    assert {h.id for h in d.hits} == {"d3", "c9"}  # writes after the build reach the graph
    await approx.delete("capability", ["c9"])
    await approx.close()  # saves the graph
    reopened = EmbeddedBackend(tmp_path / "approx", embedder.dimension, ann_threshold=2)
    c = await reopened.search(SearchQuery("", vector=vector, limit=3))
    assert [h.id for h in c.hits] == [h.id for h in a.hits]
    await exact.close()
    await reopened.close()


async def test_embedded_rejects_vectors_of_the_wrong_size(tmp_path):
    engine = EmbeddedBackend(tmp_path / "s", 4)
    with pytest.raises(InvalidSearch):
        await engine.upsert([SearchDocument("x", "demand", "标题", vector=np.ones(3, dtype=np.float32))])
    await engine.close()
