"""The embedded engine's lexical side at scale: candidates are the best BM25 matches (top-k, not
every matching row), a long query keeps its rarest terms, totals still count every match, and
sub-word recall holds (农业 finds 中国农业发展银行)."""

from __future__ import annotations

from matchmaking.search import SearchDocument, SearchQuery
from matchmaking.search.embedded import LEXICAL_CANDIDATES, LEXICAL_TERMS, EmbeddedBackend
from matchmaking.search.segment import query_terms

MANY = LEXICAL_CANDIDATES + 60


async def _engine(tmp_path):
    engine = EmbeddedBackend(tmp_path / "search", 4)
    docs = [
        SearchDocument(
            id=str(i),
            kind="capability",
            title=f"智慧农业平台第{i}期",
            body="农田墒情监测与灌溉调度。",
            domains=["农业农村"],
            status="published",
        )
        for i in range(MANY)
    ]
    docs.append(
        SearchDocument(
            id="bank",
            kind="capability",
            title="中国农业发展银行普惠金融服务",
            body="为涉农主体提供信贷风控模型与农村金融数据服务。",
            domains=["农业农村"],
            status="published",
        )
    )
    docs.append(
        SearchDocument(
            id="flood",
            kind="demand",
            title="城市内涝监测预警",
            status="published",
            body="在易涝点布设水位传感器，汛期实时预警并联动排水调度。",
            domains=["水务与防汛"],
        )
    )
    await engine.upsert(docs)
    return engine


async def test_totals_count_every_match_while_candidates_are_the_best_k(tmp_path):
    engine = await _engine(tmp_path)
    result = await engine.search(SearchQuery("农业", limit=10, facets=["kind"]))
    assert result.total == MANY + 1  # every match is counted ...
    assert len(result.hits) == 10
    assert sum(result.facets["kind"].values()) == LEXICAL_CANDIDATES  # ... facets are over the best k
    deep = await engine.search(SearchQuery("农业", limit=20, offset=MANY - 19))
    assert len(deep.hits) == 20  # a page past the candidate count still fills: k grows with offset + limit
    await engine.close()


async def test_sub_word_recall_is_kept(tmp_path):
    engine = await _engine(tmp_path)
    bank = await engine.search(SearchQuery("农业发展银行", limit=5))
    assert bank.hits[0].id == "bank"
    alone = await engine.search(SearchQuery("农业", kind="capability", filters={"organisation_id": ["x"]}))
    assert alone.total == 0
    await engine.upsert(
        [
            SearchDocument(
                id="bank2", kind="capability", title="中国农业发展银行四川分行", organisation_id="x", status="published"
            )
        ]
    )
    alone = await engine.search(SearchQuery("农业", kind="capability", filters={"organisation_id": ["x"]}))
    assert [h.id for h in alone.hits] == ["bank2"]  # filters apply before the top-k cut
    await engine.close()


async def test_a_long_query_keeps_its_rarest_terms_and_still_finds_the_rare_match(tmp_path):
    engine = await _engine(tmp_path)
    text = (
        "智慧农业平台农田墒情监测灌溉调度智慧农业平台农田墒情监测灌溉调度，"
        "希望在易涝点布设水位传感器实现城市内涝监测预警"
    )
    assert len(query_terms(text)) > LEXICAL_TERMS
    result = await engine.search(SearchQuery(text, kind="demand", limit=5))
    assert [h.id for h in result.hits] == ["flood"]
    await engine.close()
