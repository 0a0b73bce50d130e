"""The relevance floor and exact matches, with the real model over a corpus of real profile texts:
nonsense finds nothing (and says 找到 0 条), a sub-word still finds its document, an exact code or
title comes first."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from matchmaking.composer import document_text
from matchmaking.search import SearchDocument
from matchmaking.service import SearchService

NONSENSE = "qwzx萌萌哒zzkk"


def _profiles(n: int) -> list[SearchDocument]:
    rows = resources.files("lab.data.matchbench").joinpath("capabilities.jsonl").read_text(encoding="utf-8")
    docs = []
    for line in rows.splitlines()[:n]:
        row = json.loads(line)
        docs.append(
            SearchDocument(
                id=row["id"],
                kind="capability",
                title=row["title"],
                body=row["summary"],
                keywords=row["keywords"],
                domains=row["domains"],
                status="published",
            )
        )
    return docs


@pytest.fixture
async def service(app, settings, embedder):
    service = SearchService(settings, embedder)
    app.state.search = service
    docs = _profiles(40) + [
        SearchDocument(
            id="flood",
            kind="capability",
            title="城市内涝监测预警平台",
            status="published",
            body="在易涝点和下穿隧道布设水位传感器，暴雨时提前发布积水预警。",
            domains=["水务与防汛"],
        ),
        SearchDocument(
            id="52",
            kind="scenario",
            title="下穿隧道积水智能预警",
            status="listing",
            body="在全市下穿隧道布设积水监测，超过警戒水位自动封闭。",
            domains=["水务与防汛"],
            extra={"code": "CD-2023-052"},
        ),
        SearchDocument(
            id="53",
            kind="scenario",
            title="隧道积水预警二期",
            status="listing",
            body="扩展下穿隧道积水预警，覆盖 CD-2023-052 之外的路段。",
            domains=["水务与防汛"],
            extra={"code": "CD-2023-053"},
        ),
    ]
    vectors = await embedder.aencode_passages([document_text(d) for d in docs])
    for doc, vector in zip(docs, vectors):
        doc.vector = vector
    await (await service.backend()).upsert(docs)
    return service


async def test_the_floor_drops_nonsense_keeps_sub_words_and_is_one_setting(client, settings, service):
    found = await service.search(NONSENSE, facets=["kind", "domains"])
    assert found.total == 0 and found.hits == []
    assert all(not counts for counts in found.facets.values())  # facets agree with the count
    page = await client.get("/search", params={"q": NONSENSE})
    assert page.status_code == 200 and "找到 <strong>0</strong> 条结果" in page.text
    api = await client.get("/api/search", params={"q": NONSENSE})
    assert api.status_code == 200 and api.json()["total"] == 0

    # sub-word hits stay (内涝 inside 城市内涝监测), and not every document is listed
    found = await service.search("内涝", limit=50)
    assert "flood" in [h.id for h in found.hits]
    assert 0 < found.total < 44

    # the floor is one setting: off, the nonsense query lists the nearest documents again
    off = SearchService(settings.with_(relevance_floor=0.0), service.embedder, await service.backend())
    assert (await off.search(NONSENSE)).total > 0


async def test_an_exact_code_or_title_comes_first(client, service):
    found = await service.search("CD-2023-052")
    assert found.hits and found.hits[0].id == "52"
    found = await service.search("cd-2023-053")
    assert found.hits[0].id == "53"
    # the filters still hold for an exact match (it is found by index, then filtered)
    other_kind = await service.search("CD-2023-052", kind="demand")
    assert all(h.kind == "demand" for h in other_kind.hits)
    title = "城市内涝监测预警平台"
    assert (await service.search(title)).hits[0].id == "flood"
    api = (await client.get("/api/search", params={"q": "CD-2023-052"})).json()
    assert api["hits"][0]["id"] == "52"
