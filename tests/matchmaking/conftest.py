"""Shared fixtures for matchmaking tests: one converted model and one loaded embedder per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lab.settings import load_settings
from matchmaking.embedder import Embedder

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """Where converted models are cached across test runs (``LAB_TEST_MODEL_DIR`` or ``.cache/models``)."""
    path = Path(os.environ.get("LAB_TEST_MODEL_DIR") or REPO / ".cache" / "models")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def model_settings(model_dir, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("embedder-data")
    return load_settings({"LAB_DATA_DIR": str(data_dir), "LAB_MODEL_DIR": str(model_dir)})


@pytest.fixture(scope="session")
def embedder(shared_embedder) -> Embedder:
    """The session's one embedder (tests/conftest.py), loaded: apps and direct callers share the model."""
    shared_embedder.load()
    return shared_embedder


@pytest.fixture(scope="session")
def fp32_embedder(model_settings) -> Embedder:
    """The converted model through sentence-transformers in fp32 (``LAB_EMBEDDING_BACKEND=torch``), the
    reference the conversion and the ONNX int8 export are checked against."""
    embedder = Embedder(model_settings.with_(embedding_backend="torch"))
    embedder.load()
    return embedder
