"""Sentence embeddings for demands, profiles and scenarios.

One :class:`Embedder` per process, built from the settings and loaded once (in the lifespan or the
worker); ``encode_*`` are synchronous and CPU-bound, ``aencode_*`` run them in a worker thread.
Vectors are float32 and L2-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

import anyio.to_thread
import numpy as np

from matchmaking.modelpack import (
    DEFAULT_MODEL_NAME,
    Progress,
    default_model_id,
    ensure_model,
    is_converted,
    model_source,
)

BATCH_SIZE = 32


def content_hash(model_id: str, text: str) -> str:
    """Cache key of a vector: sha256 over the model id and the exact text embedded."""
    digest = hashlib.sha256()
    digest.update(model_id.encode("utf-8"))
    digest.update(b"\0")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def prepare_files(settings) -> None:
    """Make the configured model's files — the converted folder and, for the ONNX backend, its int8
    export — without loading the model. Both steps are idempotent and locked across processes, so a
    process started with this beside other work (``scenario-lab demo`` seeds meanwhile) leaves an
    ``Embedder.load`` elsewhere only the loading to do, or waiting on the lock for the rest."""
    source = ensure_model(settings)
    if getattr(settings, "embedding_backend", "torch") == "onnx" and Path(str(source)).is_dir():
        from matchmaking.onnx_model import build

        build(Path(str(source)))


class Embedder:
    """A sentence-transformers model with e5-style ``query``/``passage`` prompts."""

    def __init__(self, settings, progress: Progress | None = None) -> None:
        self._settings = settings
        self._progress = progress
        self._model = None
        self._lock = threading.Lock()
        self.calls = 0  # encode calls made (reads of stored items must make none)
        self.texts_encoded = 0

    @property
    def backend(self) -> str:
        return getattr(self._settings, "embedding_backend", "torch")

    @functools.cached_property
    def model_id(self) -> str:
        """Stable id stored next to every vector; it changes when the vectors would (model or backend).
        Computed once: it reads the installed package's metadata (~2 ms), and every stored-vector key
        of a request (a thousand candidates for one matches answer) is made from it."""
        name = self._settings.embedding_model
        return f"{default_model_id() if name == DEFAULT_MODEL_NAME else name}+{self.backend}"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self):
        """Load (converting the default model first if needed); later calls return the same model."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._build()
        return self._model

    def files_ready(self) -> bool:
        """Whether loading is only loading: the model's folder (for the default, converted) and, for
        the ONNX backend, its int8 export are on disk, so there is nothing to convert, export or wait
        for (about a second here; start-up then loads before the app answers)."""
        folder = Path(str(model_source(self._settings)))
        if not folder.is_dir() or (self._settings.embedding_model == DEFAULT_MODEL_NAME and not is_converted(folder)):
            return False
        if self.backend == "onnx":
            from matchmaking.onnx_model import is_built

            return is_built(folder)
        return True

    async def aload(self) -> None:
        # abandonable: a request past its deadline stops waiting (the load goes on in its thread)
        await anyio.to_thread.run_sync(self.load, abandon_on_cancel=True)

    def _build(self):
        source = ensure_model(self._settings, self._progress)
        local = isinstance(source, Path) or Path(str(source)).is_dir()
        if self.backend == "onnx":
            return self._build_onnx(Path(str(source)) if local else None)
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(source), device="cpu", local_files_only=local)

    def _build_onnx(self, folder: Path | None):
        import json

        from matchmaking.modelpack import ModelPackError
        from matchmaking.onnx_model import OnnxEncoder, build, is_built

        if folder is None:
            raise ModelPackError("LAB_EMBEDDING_BACKEND=onnx needs a local model folder (LAB_EMBEDDING_MODEL)")
        if not is_built(folder) and self._progress:
            self._progress(f"exporting {folder.name} to ONNX int8 (once)")
        built = build(folder)
        config = folder / "config_sentence_transformers.json"
        prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") if config.is_file() else None
        return OnnxEncoder(built, prompts or {"query": "query: ", "passage": "passage: "})

    @property
    def dimension(self) -> int:
        model = self.load()
        if hasattr(model, "session"):
            return int(model.dimension)
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def content_hash(self, text: str) -> str:
        return content_hash(self.model_id, text)

    def _encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        model = self.load()
        texts = list(texts)
        self.calls += 1
        self.texts_encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prompt_name = kind if kind in (model.prompts or {}) else None
        if hasattr(model, "session"):  # the ONNX encoder
            return model.encode(texts, prompt_name=prompt_name, batch_size=BATCH_SIZE)
        vectors = model.encode(
            texts,
            prompt_name=prompt_name,
            batch_size=BATCH_SIZE,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts that search (a demand looking for profiles): shape (n, dimension)."""
        return self._encode(texts, "query")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts that are searched (indexed documents, profile sentences)."""
        return self._encode(texts, "passage")

    async def aencode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        return await anyio.to_thread.run_sync(self.encode_queries, texts, abandon_on_cancel=True)

    async def aencode_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        return await anyio.to_thread.run_sync(self.encode_passages, texts, abandon_on_cancel=True)
