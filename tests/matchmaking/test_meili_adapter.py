"""The parts of the Meilisearch adapter that need no server: filter syntax and quoting, settings
shape and idempotence, and how an unreachable server is reported (a real client, a closed port)."""

from __future__ import annotations

import socket

import pytest

from matchmaking.search import SearchDocument, SearchQuery, SearchUnavailable
from matchmaking.search.meili import MeiliBackend, filter_expression, index_settings, quote, settings_differ


def test_filters_are_quoted_and_escaped():
    query = SearchQuery("", filters={"domain": ['水务"与\\防汛', "消防"], "district": "武侯区", "year": "2024"})
    assert filter_expression(query.filters) == [
        'domains IN ["水务\\"与\\\\防汛", "消防"]',
        'district = "武侯区"',
        "year = 2024",
    ]
    assert quote(2023) == "2023" and quote(True) == '"True"'


def test_settings_name_chinese_locales_and_the_user_provided_embedder():
    wanted = index_settings(384)
    assert wanted["localizedAttributes"] == [{"attributePatterns": ["title", "body", "keywords"], "locales": ["cmn"]}]
    assert wanted["embedders"] == {"default": {"source": "userProvided", "dimensions": 384}}
    assert {"domains", "district", "org_kind", "status", "year", "kind"} <= set(wanted["filterableAttributes"])


def test_settings_already_applied_are_not_sent_again():
    wanted = index_settings(384)
    # what a server answers: lists reordered, defaults filled in
    current = {
        **wanted,
        "filterableAttributes": sorted(wanted["filterableAttributes"]),
        "embedders": {"default": {"source": "userProvided", "dimensions": 384, "distribution": None}},
        "rankingRules": ["words", "typo"],
    }
    assert settings_differ(current, wanted) is False
    assert settings_differ({**current, "embedders": {"default": {"source": "userProvided", "dimensions": 768}}}, wanted)
    assert settings_differ({**current, "searchableAttributes": ["body", "title", "keywords"]}, wanted)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_unreachable_server_is_reported_as_unavailable():
    backend = MeiliBackend(f"http://127.0.0.1:{_closed_port()}", None, 384, timeout=2)
    assert await backend.health() is False
    with pytest.raises(SearchUnavailable):
        await backend.upsert([SearchDocument("1", "demand", "城市内涝监测")])
    with pytest.raises(SearchUnavailable):
        await backend.search(SearchQuery("内涝"))
    await backend.close()
