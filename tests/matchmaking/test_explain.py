from __future__ import annotations

import numpy as np

from matchmaking.explain import (
    best_sentence,
    best_sentence_by_terms,
    explain,
    explain_with_embedder,
    raw_terms,
    shared_terms,
    split_sentences,
    terms,
)

DEMAND = "暴雨时下穿隧道积水危险。每逢暴雨，下穿隧道和低洼路段积水很深，希望提前知道积水情况并及时预警。"
PROFILE_BODY = (
    "公司成立于2015年，总部位于成都。在下穿隧道、低洼路段布设积水传感器和视频，实时采集积水深度；"
    "暴雨时自动分级预警，联动排水调度。"
)
PROFILE = "城市内涝积水监测预警系统\n" + PROFILE_BODY


def test_terms_keep_content_words_and_edge_subwords():
    words = terms("数据安全合规体检，电动自行车进楼，我们希望能够解决")
    assert {"数据安全", "安全", "合规", "自行车"} <= set(words)
    assert "数据" in raw_terms("数据安全") and "数据" not in words  # in most texts of the corpus: filler
    assert "行车" not in words  # only words of four characters or more are split
    assert not {"我们", "希望", "能够"} & set(words)


def test_shared_terms_are_weighted_and_not_nested():
    shared = shared_terms(DEMAND, PROFILE)
    names = [t for t, _ in shared]
    assert "积水" in names and ("下穿隧道" in names or "隧道" in names)
    assert shared[0][1] == 1.0 and all(0 < w <= 1 for _, w in shared)
    assert all(not (a != b and a in b) for a in names for b in names)
    assert shared_terms("完全无关的文字", "课堂教学评价") == []


def test_split_sentences_on_chinese_punctuation_and_lines():
    assert split_sentences("第一句。第二句！第三句；\n第四行\n\n") == ["第一句。", "第二句！", "第三句；", "第四行"]
    assert split_sentences("") == []


def test_best_sentence_by_vector_and_by_terms():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert best_sentence(np.array([0.2, 0.9], dtype=np.float32), vectors) == (1, np.float32(0.9))
    index, score = best_sentence_by_terms(["无关", "积水预警"], [("积水", 1.0), ("预警", 0.5)])
    assert (index, score) == (1, 1.5)


def test_explanation_names_terms_domains_sentence_and_scores_in_chinese():
    explanation = explain(
        DEMAND,
        PROFILE,
        query_domains=["水务与防汛"],
        document_domains=["水务与防汛", "智慧交通"],
        sentences=split_sentences(PROFILE_BODY),
        scores={"semantic": 0.8712, "lexical": 0.42, "domain": 1.0, "score": None},
    )
    assert explanation.shared_domains == ["水务与防汛"]
    assert "积水" in explanation.best_sentence
    assert explanation.scores == {"semantic": 0.8712, "lexical": 0.42, "domain": 1.0}
    assert "共同关键词" in explanation.text and "同属领域：水务与防汛" in explanation.text
    # numbers reach people only as the calibrated 匹配度 (added by matches.py), never as raw cosines
    assert "0.87" not in explanation.text and "相似度" not in explanation.text
    assert explanation.as_dict()["shared_terms"][0]["weight"] == 1.0


def test_explanation_of_unrelated_texts_says_so():
    explanation = explain("完全无关", "", query_domains=["教育"], document_domains=["消防"])
    assert explanation.shared_terms == [] and explanation.best_sentence is None
    assert explanation.text == "没有找到明显的共同点。"


async def test_best_sentence_by_meaning_with_the_embedder(embedder):
    body = "公司成立于2015年，总部位于成都高新区，员工约200人。为社区独居老人安装跌倒检测雷达，异常时通知网格员上门。"
    explanation = await explain_with_embedder(
        embedder,
        "独居老人在家摔倒多日才被发现，希望及时发现异常",
        "独居老人智能看护服务\n" + body,
        query_domains=["养老与社区服务"],
        document_domains=["养老与社区服务"],
        sentences=split_sentences(body),
    )
    assert "跌倒" in explanation.best_sentence
    assert 0.5 < explanation.best_sentence_score <= 1.0
    assert "相似度" not in explanation.text


def test_explanations_drop_filler_terms():
    demand = "积水信息自动推送给管理人员，形成处置台账，实现闭环管理，城市内涝隐患及时发现"
    profile = "城市内涝监测平台：自动推送告警，形成管理闭环，实现积水信息统一管理与处置台账"
    names = [t for t, _ in shared_terms(demand, profile)]
    assert not {"推送", "自动", "形成", "管理", "实现"} & set(names)
    assert "内涝" in names or "城市内涝" in names
    assert "台账" in names


def test_corpus_idf_ranks_distinctive_terms_above_common_ones():
    from matchmaking.terms import corpus_idf

    assert corpus_idf("内涝", 5.0) > corpus_idf("视频", 5.0) > corpus_idf("平台", 5.0)
