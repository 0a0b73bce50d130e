"""Shared fixtures: a fresh real database per test (SQLite by default, PostgreSQL when
LAB_TEST_DATABASE_URL points at one), settings built from a dict, and an app with an HTTP client."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise.context import tortoise_test_context

from lab.app import create_app, model_modules
from lab.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
SHARED_MODEL_DIR = Path(os.environ.get("LAB_TEST_MODEL_DIR", REPO / ".cache" / "models"))


def test_database_url(tmp_path: Path) -> str:
    base = os.environ.get("LAB_TEST_DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        root = base.rsplit("/", 1)[0]
        return f"{root}/lab_test_{uuid.uuid4().hex[:12]}"
    return f"sqlite://{tmp_path / 'lab.sqlite3'}"


def using_postgres() -> bool:
    return os.environ.get("LAB_TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def make_settings(tmp_path: Path, **env: str) -> Settings:
    values = {
        "LAB_DATA_DIR": str(tmp_path / "data"),
        "LAB_DATABASE_URL": test_database_url(tmp_path),
        "LAB_MODEL_DIR": str(SHARED_MODEL_DIR),
        "LAB_INPROCESS_WORKER": "0",
        # the session's first request may load the shared model (seconds on a busy machine); tests of
        # the deadline itself set their own
        "LAB_MODEL_DEADLINE": "120",
        "LAB_WARM_UP": "0",  # tests that need the model load it on first use (one shared embedder)
    }
    values.update(env)
    return load_settings(values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[None]:
    """A fresh, real database with the current schema, dropped afterwards."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with tortoise_test_context(model_modules(), db_url=settings.database_url.replace("postgresql://", "postgres://")):
        yield


@pytest.fixture(scope="session")
def shared_embedder(tmp_path_factory):
    """One real embedder for the whole session (loaded on first use), so apps do not reload the model."""
    from matchmaking.embedder import Embedder

    return Embedder(make_settings(tmp_path_factory.mktemp("embedder")))


@pytest.fixture
async def app(settings: Settings, db, shared_embedder):
    application = create_app(settings, manage_database=False)
    application.state.embedder = shared_embedder
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c
