"""One text composer and one jieba tokenizer for indexing, matching and explanations."""

from __future__ import annotations

from matchmaking import explain
from matchmaking.composer import compose, document_text, stored_text
from matchmaking.search import SearchDocument
from matchmaking.search.segment import query_terms
from matchmaking.tokenizer import jieba_tokenizer


def test_a_stored_document_composes_the_same_text_as_the_indexed_one():
    doc = SearchDocument(
        id="7",
        kind="capability",
        title="城市内涝预警平台",
        body="布设水位传感器。\n汛期联动调度",
        keywords=["水位", "预警"],
        domains=["水务与防汛", "应急管理与安全生产"],
    )
    text = document_text(doc)
    assert text == "城市内涝预警平台\n布设水位传感器。\n汛期联动调度\n水务与防汛 应急管理与安全生产\n水位 预警"
    assert stored_text(doc.fields()) == text


def test_empty_parts_are_left_out():
    assert compose("标题", "", ["智慧交通"], []) == "标题\n智慧交通"
    assert compose("标题") == "标题"


def test_search_and_explanations_cut_with_the_same_tokenizer():
    assert query_terms("城市内涝")  # initialises the tokenizer through the search side
    assert explain.terms("城市内涝监测")
    assert explain._resources()["tokenizer"] is jieba_tokenizer()
