"""The ONNX Runtime encoder: the default model exported to ONNX and quantised to int8.

``build(folder)`` makes, once and offline, ``<folder>.onnx-int8/`` beside the converted
sentence-transformers folder: the BERT encoder with mean pooling and L2 normalisation inside the
graph (``torch.onnx.export``), its attention, embedding, layer-norm and GELU subgraphs fused into
ONNX Runtime's BERT operators (``onnxruntime.transformers.optimizer``), then dynamic quantisation of
its weights to int8, per output channel (``onnxruntime.quantization.quantize_dynamic``). Built in a
scratch folder and renamed into place, behind the same kind of file lock as the conversion, so
concurrent processes build it once.

``OnnxEncoder`` runs it: the folder's ``tokenizer.json`` (``tokenizers``), e5 prompts prepended,
one text per run (see ``encode``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ONNX_SUFFIX = ".onnx-int8"
ONNX_FILE = "model.int8.onnx"
ONNX_MARKER = "lab-onnx.json"
ONNX_FORMAT = 2  # 2: BERT operators fused before quantisation (1 was the plain export)
MAX_TOKENS = 512
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
# rows of the word-embedding table while exporting: more than the position table, as the BERT fusion expects
STAND_IN_ROWS = 1024


def onnx_folder(model_folder: Path) -> Path:
    return model_folder.with_name(model_folder.name + ONNX_SUFFIX)


def _marker(model_folder: Path) -> dict:
    source = model_folder / "lab-conversion.json"
    origin = json.loads(source.read_text(encoding="utf-8")) if source.is_file() else {"folder": model_folder.name}
    return {"format": ONNX_FORMAT, "quantisation": "int8 dynamic per-channel, fused BERT operators", "source": origin}


def is_built(model_folder: Path) -> bool:
    try:
        marker = json.loads((onnx_folder(model_folder) / ONNX_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker == _marker(model_folder)


def _export(model_folder: Path, target: Path) -> np.ndarray:
    """Export the pooled encoder with a stand-in word-embedding table of ``STAND_IN_ROWS`` rows; returns
    the real table (see ``_put_word_embeddings``)."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    bert = AutoModel.from_pretrained(str(model_folder), local_files_only=True, attn_implementation="eager")
    table = bert.embeddings.word_embeddings.weight.detach().numpy().copy()
    bert.embeddings.word_embeddings = torch.nn.Embedding.from_pretrained(
        torch.from_numpy(table[:STAND_IN_ROWS].copy()), freeze=True
    )
    model = Pooled(bert).eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    # the TorchScript exporter (stable for BERT, no onnxscript rewrite) warns that it is the legacy path
    # and traces with TracerWarnings; both are expected here and only here
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", module=r"torch\.onnx")
        torch.onnx.export(
            model,
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
        )
    return table


def _put_word_embeddings(path: Path, table: np.ndarray) -> None:
    """Put the real word-embedding table into the quantised model built with the stand-in.

    The table is four fifths of the model's weights, and exporting, fusing and quantising it took
    about 50 of the build's 65 s. The quantiser gives this one table of the embedding operator a
    single (scale, zero point) of its own, computed from nothing but the table (uint8, asymmetric,
    no reduced range); ``quantize_data`` is the function it uses, so the result is the same model, byte
    for byte, as quantising the whole table in place (checked when this was written, and by a test
    against ``quantize_data``). Anything else in the graph raises rather than guessing."""
    import onnx
    from onnx import numpy_helper
    from onnxruntime.quantization.quant_utils import quantize_data

    model = onnx.load(str(path))
    named = {init.name: init for init in model.graph.initializer}
    stand_in = [named.get(WORD_EMBEDDINGS + suffix) for suffix in ("_quantized", "_scale", "_zero_point")]
    if (
        any(init is None for init in stand_in)
        or list(stand_in[0].dims) != [STAND_IN_ROWS, table.shape[1]]
        or stand_in[0].data_type != onnx.TensorProto.UINT8
        or list(stand_in[1].dims) != []
    ):
        raise RuntimeError(f"the quantised model does not hold {WORD_EMBEDDINGS} as expected")
    zero_point, scale, quantised = quantize_data(table.flatten(), onnx.TensorProto.UINT8, False, reduce_range=False)
    stand_in[0].CopyFrom(
        numpy_helper.from_array(np.asarray(quantised, dtype=np.uint8).reshape(table.shape), stand_in[0].name)
    )
    stand_in[1].CopyFrom(
        onnx.helper.make_tensor(stand_in[1].name, stand_in[1].data_type, [], scale.reshape(-1).tolist())
    )
    stand_in[2].CopyFrom(
        onnx.helper.make_tensor(stand_in[2].name, onnx.TensorProto.UINT8, [], zero_point.reshape(-1).tolist())
    )
    onnx.save(model, str(path))


def _fuse(model_folder: Path, source: Path, target: Path) -> None:
    """ONNX Runtime's BERT fusions (Attention, EmbedLayerNormalization, SkipLayerNormalization, BiasGelu)."""
    from onnxruntime.transformers import optimizer

    # its INFO lines ("Model saved to …" in the scratch folder) would land in the demo's progress bar
    logging.getLogger("onnxruntime.transformers").setLevel(logging.WARNING)
    config = json.loads((model_folder / "config.json").read_text(encoding="utf-8"))
    fused = optimizer.optimize_model(
        str(source),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=1,
    )
    fused.save_model_to_file(str(target))


@contextlib.contextmanager
def _quiet_root_warning(text: str):
    """Drop the root logger's records containing ``text`` while inside: ``quantize_dynamic`` logs its
    pre-processing advice there, and it would land in the demo's progress bar."""

    class Quiet(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return text not in record.getMessage()

    quiet = Quiet()
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        yield
    finally:
        root.removeFilter(quiet)


def build(model_folder: Path) -> Path:
    """Export and quantise unless already built; returns the ONNX folder. Safe across processes."""
    target = onnx_folder(model_folder)
    if is_built(model_folder):  # before importing the builders: onnx alone holds the GIL for 0.7 s
        return target
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if is_built(model_folder):
                return target
            scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            try:
                fp32, fused = scratch / "model.fp32.onnx", scratch / "model.fused.onnx"
                table = _export(model_folder, fp32)
                _fuse(model_folder, fp32, fused)
                fp32.unlink()
                with _quiet_root_warning("pre-processing before quantization"):  # advice, not a fault
                    quantize_dynamic(
                        str(fused),
                        str(scratch / ONNX_FILE),
                        per_channel=True,
                        weight_type=QuantType.QInt8,
                        # fused operators carry no shape information the quantiser can infer from
                        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                    )
                fused.unlink()
                _put_word_embeddings(scratch / ONNX_FILE, table)
                for extra in scratch.glob("*.data"):
                    extra.unlink()
                shutil.copy(model_folder / "tokenizer.json", scratch / "tokenizer.json")
                (scratch / ONNX_MARKER).write_text(json.dumps(_marker(model_folder)), encoding="utf-8")
                scratch.chmod(0o755)
                for path in scratch.iterdir():
                    path.chmod(0o644)
                if target.exists():
                    stale = target.with_name(f".{target.name}.stale-{os.getpid()}")
                    os.rename(target, stale)
                    shutil.rmtree(stale, ignore_errors=True)
                os.rename(scratch, target)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


class OnnxEncoder:
    """Sentence vectors from the int8 ONNX model (normalised, float32).

    Each run uses one thread (``threads``), and a list of texts is spread over ``workers`` threads
    running at once (ONNX Runtime releases the GIL and a session may be run concurrently): for one
    short text per run, two single-threaded runs side by side get more done on two cores than one
    run split over both."""

    def __init__(self, folder: Path, prompts: dict[str, str], threads: int = 1, workers: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.prompts = dict(prompts)
        self.dimension = int(self.session.get_outputs()[0].shape[-1] or 384)
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self._pool = None
        self._pool_lock = threading.Lock()

    def _run(self, ids: list[int]) -> np.ndarray:
        array = np.asarray([ids], dtype=np.int64)
        return self.session.run(["embedding"], {"input_ids": array, "attention_mask": np.ones_like(array)})[0][0]

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="onnx-encode")
        return self._pool

    def encode(self, texts: Sequence[str], prompt_name: str | None = None, batch_size: int = 32) -> np.ndarray:
        """One text per run: dynamic quantisation scales activations over the whole input, so in a
        batch a vector would depend on its batch mates (measured: cosine 0.9975 against the text
        alone, even in batches of equal length with no padding, and -0.014 dense nDCG@10 on
        matchbench when the worker's batches of 32 were run together); alone, a text always gets the
        same vector, whichever thread runs it. ``batch_size`` is accepted for the torch signature."""
        prefix = self.prompts.get(prompt_name or "", "")
        encodings = self.tokenizer.encode_batch([prefix + t for t in texts])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if len(encodings) > 1 and self.workers > 1:
            # longest first, so that the list does not end with one long text running alone
            rows = sorted(range(len(encodings)), key=lambda row: -len(encodings[row].ids))
            for row, vector in zip(rows, self._executor().map(self._run, [encodings[row].ids for row in rows])):
                out[row] = vector
        else:
            for row, encoding in enumerate(encodings):
                out[row] = self._run(encoding.ids)
        return out
