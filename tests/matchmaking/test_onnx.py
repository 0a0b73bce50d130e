"""The ONNX Runtime int8 export of the default model: built once beside the converted folder, and
its vectors agree with the fp32 sentence-transformers ones within the cosine bound."""

from __future__ import annotations

import numpy as np
import pytest

from lab.settings import load_settings
from matchmaking.onnx_model import ONNX_FILE, is_built, onnx_folder

TEXTS = [
    "内涝",
    "电动车进电梯",
    "城市内涝监测预警：在易涝点和下穿隧道布设水位传感器，结合降雨预报模拟积水范围，提前发布内涝预警并联动排水调度。",
    "老旧小区居民把电动自行车推进电梯带回家充电，夜间火灾隐患大，希望能在电梯里识别并阻止电动车上楼。" * 3,
]


@pytest.mark.slow
def test_onnx_vectors_match_fp32_within_the_cosine_bound(model_settings, embedder, fp32_embedder):
    assert embedder.backend == "onnx" and embedder.model_id.endswith("+onnx")
    folder = model_settings.models_path / "multilingual-e5-small"
    assert is_built(folder) and (onnx_folder(folder) / ONNX_FILE).is_file()
    assert onnx_folder(folder).parent == folder.parent  # beside the converted folder
    fp32 = fp32_embedder
    assert fp32.model_id != embedder.model_id  # switching backends re-embeds
    for encode in ("encode_queries", "encode_passages"):
        ours, theirs = getattr(embedder, encode)(TEXTS), getattr(fp32, encode)(TEXTS)
        assert ours.shape == theirs.shape == (len(TEXTS), embedder.dimension)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
        assert float(np.min(np.sum(ours * theirs, axis=1))) >= 0.99


def test_an_unknown_backend_is_refused(tmp_path):
    from lab.settings import SettingsError

    with pytest.raises(SettingsError, match="LAB_EMBEDDING_BACKEND"):
        load_settings({"LAB_DATA_DIR": str(tmp_path), "LAB_EMBEDDING_BACKEND": "tpu"})


def test_a_list_spread_over_threads_gets_the_vectors_each_text_gets_alone(embedder):
    model = embedder.load()
    assert model.workers >= 1
    texts = TEXTS * 3
    together = embedder.encode_passages(texts)  # one text per run, the runs spread over threads
    alone = np.vstack([embedder.encode_passages([t]) for t in texts])
    np.testing.assert_array_equal(together, alone)


@pytest.mark.slow
def test_the_word_embeddings_put_in_after_the_stand_in_are_the_quantisers_own(model_settings, embedder):
    """The export traces a stand-in table; the real one is quantised afterwards with the quantiser's own
    ``quantize_data`` (uint8, asymmetric): the built model must hold exactly that, full size, and its
    embedding operator must read it."""
    import onnx
    from onnx import numpy_helper
    from onnxruntime.quantization.quant_utils import quantize_data
    from safetensors.numpy import load_file

    from matchmaking.onnx_model import WORD_EMBEDDINGS

    embedder.load()
    folder = model_settings.models_path / "multilingual-e5-small"
    table = load_file(str(folder / "model.safetensors"))["embeddings.word_embeddings.weight"]
    model = onnx.load(str(onnx_folder(folder) / ONNX_FILE))
    named = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    zero_point, scale, quantised = quantize_data(table.flatten(), onnx.TensorProto.UINT8, False, reduce_range=False)
    held = named[WORD_EMBEDDINGS + "_quantized"]
    assert held.shape == table.shape and held.dtype == np.uint8
    np.testing.assert_array_equal(held, quantised.reshape(table.shape))
    assert float(named[WORD_EMBEDDINGS + "_scale"]) == float(scale)
    assert int(named[WORD_EMBEDDINGS + "_zero_point"]) == int(zero_point)
    (embed,) = [node for node in model.graph.node if node.op_type == "QEmbedLayerNormalization"]
    assert WORD_EMBEDDINGS + "_quantized" in embed.input


def test_the_quantisers_advice_is_kept_out_of_the_output_and_nothing_else_is(caplog):
    import logging

    from matchmaking.onnx_model import _quiet_root_warning

    with caplog.at_level(logging.WARNING), _quiet_root_warning("pre-processing before quantization"):
        logging.warning("Please consider to run pre-processing before quantization. Refer to example: …")
        logging.warning("something else went wrong")
    logging.warning("Please consider to run pre-processing before quantization (outside)")
    assert [r.getMessage() for r in caplog.records] == [
        "something else went wrong",
        "Please consider to run pre-processing before quantization (outside)",
    ]


def test_loading_a_built_export_imports_none_of_the_builders(model_settings, embedder):
    """``build`` of an export already made returns before importing onnx and the quantiser (onnx's
    import alone held the GIL for 0.7 s of every start-up)."""
    import subprocess
    import sys

    folder = model_settings.models_path / "multilingual-e5-small"
    assert is_built(folder)
    code = (
        "import sys; from pathlib import Path; from matchmaking.onnx_model import build; "
        f"build(Path({str(folder)!r})); print('onnx' in sys.modules, 'onnxruntime.quantization' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False", "False"]
