"""The embedded engine's tantivy side: pruned top-k keeps the exhaustive BM25 order, filters restrict
lexical candidates exactly as SQL does, and SQLite stays the truth: a lagging lexical side is
re-checked by readers and rebuilt by the writer, a deleted folder heals, another process sees each
commit, and an index file written by the FTS5 version opens and is migrated."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from matchmaking.bench.search import synthetic_docs
from matchmaking.search import SearchDocument, SearchQuery
from matchmaking.search.embedded import EmbeddedBackend
from matchmaking.search.lexical import STAMP
from matchmaking.search.segment import query_terms, segmented
from tests.conftest import REPO

CORPUS = [
    dict(id="a", kind="demand", title="城市内涝监测预警", body="易涝点水位传感器", domains=["水务与防汛"],
         district="武侯区", org_kind="government", status="published", year=2023, organisation_id="1"),
    dict(id="b", kind="demand", title="内涝积水处置", body="排水调度", domains=["水务与防汛", "城市管理"],
         district="锦江区", org_kind="government", status="draft", year=2024, organisation_id="2"),
    dict(id="c", kind="capability", title="内涝风险评估模型", body="降雨与管网耦合模拟", domains=["城市管理"],
         district="武侯区", org_kind="enterprise", status="published", year=2024, organisation_id="3"),
    dict(id="d", kind="scenario", title="智慧排水与内涝治理", body="城市内涝的监测、预警和处置闭环",
         domains=[], district=None, org_kind=None, status="listing", year=None, organisation_id=None),
    dict(id="e", kind="capability", title="社区养老服务平台", body="独居老人紧急呼叫", domains=["养老与社区服务"],
         district="武侯区", org_kind="enterprise", status="published", year=2023, organisation_id="1"),
]  # fmt: skip


def _docs() -> list[SearchDocument]:
    return [SearchDocument(**d) for d in CORPUS]


@pytest.fixture
async def engine(tmp_path):
    backend = EmbeddedBackend(tmp_path / "search", 4)
    await backend.upsert(_docs())
    yield backend
    await backend.close()


async def test_pruned_top_k_returns_the_exhaustive_bm25_order(tmp_path):
    backend = EmbeddedBackend(tmp_path / "search", 4)
    docs = synthetic_docs(600)
    await backend.upsert(docs)
    lexical = backend._lexical
    for text in ("信号灯实时监测", "用无人机自动巡检排水管网", "武侯区充电桩", "如何缩短响应时间"):
        terms = query_terms(text)
        every = lexical.search(terms, [], len(docs))  # k past the number of matches: nothing can be pruned
        best = sorted(every.scores.items(), key=lambda kv: (-kv[1], kv[0]))
        top = lexical.search(terms, [], 10)
        assert len(top.scores) == 10
        assert sorted(top.scores.values(), reverse=True) == pytest.approx([s for _, s in best[:10]])
        assert set(top.scores) <= {r for r, s in best if s >= best[9][1]}  # same documents, up to ties at the cut
    # the one document holding the whole phrase in its title comes first
    await backend.upsert([SearchDocument(id="x", kind="demand", title="排水管网渗漏声纹识别", body="")])
    first = await backend.search(SearchQuery("排水管网渗漏声纹识别", limit=3))
    assert first.hits[0].id == "x"
    await backend.close()


def _passes(doc: dict, kind: str | None, filters: dict) -> bool:
    if kind and doc["kind"] != kind:
        return False
    for name, values in filters.items():
        if name == "domains":
            if not set(doc["domains"]) & set(values):
                return False
        elif doc[name] not in values:
            return False
    return True


@pytest.mark.parametrize(
    "kind, filters",
    [
        ("demand", {}),
        (None, {"kind": ["capability", "scenario"]}),
        (None, {"status": ["published"]}),
        (None, {"district": ["武侯区"]}),
        (None, {"org_kind": ["enterprise"]}),
        (None, {"organisation_id": ["1", "2"]}),
        (None, {"year": [2024]}),
        (None, {"domains": ["城市管理"]}),
        ("demand", {"domains": ["水务与防汛"], "status": ["published"], "year": [2023, 2024]}),
        ("demand", {"kind": ["capability"]}),  # disagreeing kind and kind filter: nothing
    ],
)
async def test_filters_restrict_lexical_candidates_exactly_as_sql_does(engine, kind, filters):
    lexical_only = await engine.search(SearchQuery("内涝", kind=kind, filters=filters, limit=50))
    expected = {d["id"] for d in CORPUS if "内涝" in d["title"] + d["body"] and _passes(d, kind, filters)}
    assert {h.id for h in lexical_only.hits} == expected
    assert lexical_only.total == len(expected)
    browsing = await engine.search(SearchQuery("", kind=kind, filters=filters, limit=50))  # SQL filters
    assert expected <= {h.id for h in browsing.hits}


async def test_filters_apply_before_the_top_k_cut(tmp_path):
    backend = EmbeddedBackend(tmp_path / "search", 4)
    many = [
        SearchDocument(id=str(i), kind="demand", title="内涝监测内涝预警内涝", status="published") for i in range(50)
    ]
    await backend.upsert([*many, SearchDocument(id="rare", kind="demand", title="内涝", status="draft")])
    hits = backend._lexical.search(["内涝"], [("status", ["draft"])], 5)
    assert len(hits.scores) == 1
    found = await backend.search(SearchQuery("内涝", filters={"status": "draft"}, limit=5))
    assert [h.id for h in found.hits] == ["rare"]
    await backend.close()


def _lag_behind(path, doc_id: str, **changes) -> None:
    """What a crash between the SQLite commit and the lexical commit leaves: SQLite holds the new
    version (and a new generation), the lexical folder the old one."""
    conn = sqlite3.connect(path / "search.sqlite3")
    with conn:
        sets = ", ".join(f"{k} = ?" for k in changes)
        conn.execute(f"UPDATE docs SET {sets} WHERE id = ?", [*changes.values(), doc_id])
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    conn.close()


async def test_a_lagging_lexical_side_is_rechecked_by_readers_and_rebuilt_by_the_writer(engine, tmp_path, caplog):
    path = tmp_path / "search"
    _lag_behind(path, "a", title="易涝点积水感知", seg_title=segmented("易涝点积水感知"), status="draft")
    reader = EmbeddedBackend(path, 4)
    try:
        # the lexical side still holds a's old title and status; SQLite says a is a draft now
        published = await reader.search(SearchQuery("内涝", filters={"status": "published"}))
        assert "a" not in {h.id for h in published.hits}
        assert {h.id for h in published.hits} == {"c"}
        assert (reader._lexical.stamp()[1]) < reader._db_generation(reader._db())
        await engine.repair()  # the writer's worker does this on start and with every index check
        assert any("rebuilt from SQLite" in r.getMessage() for r in caplog.records)
        assert reader._lexical.stamp() == (reader._instance, reader._db_generation(reader._db()))
        assert (await reader.search(SearchQuery("积水感知", kind="demand"))).hits[0].id == "a"
        assert "a" not in {h.id for h in (await reader.search(SearchQuery("城市内涝监测"))).hits}
    finally:
        await reader.close()


async def test_the_next_write_rebuilds_a_lagging_lexical_side_first(engine, tmp_path):
    _lag_behind(tmp_path / "search", "e", seg_title=segmented("社区助餐服务"), title="社区助餐服务")
    await engine.upsert([SearchDocument(id="f", kind="demand", title="老旧小区加装电梯")])
    assert [h.id for h in (await engine.search(SearchQuery("助餐"))).hits] == ["e"]
    assert [h.id for h in (await engine.search(SearchQuery("电梯"))).hits] == ["f"]


async def test_a_deleted_lexical_folder_heals(engine, tmp_path):
    shutil.rmtree(tmp_path / "search" / "lexical")
    assert (await engine.search(SearchQuery("内涝"))).total == 0  # nothing to search, and no error
    await engine.repair()
    assert (await engine.search(SearchQuery("内涝"))).total == 4
    shutil.rmtree(tmp_path / "search")  # the whole index: emptiness is seen, the next write starts anew
    assert await engine.count() == 0
    assert (await engine.search(SearchQuery("内涝"))).total == 0
    await engine.upsert(_docs()[:2])
    assert {h.id for h in (await engine.search(SearchQuery("内涝"))).hits} == {"a", "b"}


READER = textwrap.dedent(
    """
    import sys, anyio
    from pathlib import Path
    from matchmaking.search import SearchQuery
    from matchmaking.search.embedded import EmbeddedBackend

    async def main():
        backend = EmbeddedBackend(Path(sys.argv[1]), 4)
        for line in sys.stdin:
            result = await backend.search(SearchQuery(line.strip(), limit=50))
            print(",".join(sorted(h.id for h in result.hits)), flush=True)
        await backend.close()

    anyio.run(main)
    """
)


async def test_another_process_sees_each_lexical_commit_and_never_writes(tmp_path):
    path = tmp_path / "search"
    writer = EmbeddedBackend(path, 4)
    await writer.count()  # the SQLite file exists; no lexical folder yet
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )

    def ask(text: str) -> str:
        reader.stdin.write(text + "\n")
        reader.stdin.flush()
        return reader.stdout.readline().strip()

    try:
        assert ask("内涝") == ""
        assert not (path / "lexical").exists()  # a reader never creates the lexical index
        await writer.upsert(_docs())
        assert ask("内涝") == "a,b,c,d"
        await writer.delete("demand", ["b"])
        await writer.upsert([SearchDocument(id="g", kind="demand", title="内涝点位巡查")])
        assert ask("内涝") == "a,c,d,g"
    finally:
        reader.stdin.close()
        assert reader.wait(timeout=60) == 0
        reader.stdout.close()
        await writer.close()


OLD_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, id TEXT NOT NULL,
    title TEXT NOT NULL, body TEXT NOT NULL, keywords TEXT NOT NULL, domains TEXT NOT NULL,
    district TEXT, org_kind TEXT, status TEXT, year INTEGER, organisation_id TEXT,
    extra TEXT NOT NULL, vector BLOB,
    UNIQUE(kind, id));
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, keywords, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs_fts, 'row');
"""


async def test_an_index_file_of_the_fts5_version_opens_and_is_migrated(tmp_path):
    path = tmp_path / "search"
    path.mkdir()
    conn = sqlite3.connect(path / "search.sqlite3")
    conn.executescript(OLD_SCHEMA)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [("generation", "3"), ("dimension", "4")])
    for i, (title, body) in enumerate([("中国农业发展银行普惠金融", "涉农信贷"), ("城市内涝监测", "水位传感器")]):
        conn.execute(
            "INSERT INTO docs(rowid, kind, id, title, body, keywords, domains, status, extra) "
            "VALUES (?, 'capability', ?, ?, ?, '[]', '[]', 'published', '{}')",
            (i + 1, str(i), title, body),
        )
        conn.execute(
            "INSERT INTO docs_fts(rowid, title, body, keywords) VALUES (?, ?, ?, '')",
            (i + 1, segmented(title), segmented(body)),
        )
    conn.commit()
    conn.close()

    backend = EmbeddedBackend(path, 4)
    try:
        assert await backend.count() == 2
        await backend.repair()  # the writer's first index check
        assert [h.id for h in (await backend.search(SearchQuery("农业"))).hits] == ["0"]
        assert [h.id for h in (await backend.search(SearchQuery("内涝"))).hits] == ["1"]
        conn = sqlite3.connect(path / "search.sqlite3")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert not tables & {"docs_fts", "docs_vocab"}
        assert conn.execute("SELECT seg_title FROM docs WHERE id = '0'").fetchone()[0] == segmented(
            "中国农业发展银行普惠金融"
        )
        conn.close()
        assert json.loads((path / "lexical" / STAMP).read_text())["generation"] == 3
    finally:
        await backend.close()
