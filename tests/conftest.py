"""Shared fixtures: a fresh real database per test (SQLite by default, PostgreSQL when
LAB_TEST_DATABASE_URL points at one), settings built from a dict, and an app with an HTTP client."""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tortoise.context import TortoiseContext
from tortoise.migrations.executor import MigrationExecutor
from tortoise.warnings import TortoiseLoopSwitchWarning

from lab import database
from lab.app import create_app
from lab.runtime import model_modules, register_policies
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


async def _apply_migrations(settings: Settings, *, create: bool) -> None:
    config = database.tortoise_config(settings, model_modules())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=TortoiseLoopSwitchWarning)
        async with TortoiseContext() as ctx:
            await ctx.init(config=config, _create_db=create)
            await MigrationExecutor(ctx.connections.get("default"), config["apps"]).migrate()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """A database built once per session by applying the committed migrations; each test's database
    is a copy of it (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so the
    schema always comes from the migrations and a test pays no migration time."""
    import asyncio

    settings = make_settings(tmp_path_factory.mktemp("template"))
    if using_postgres():
        settings = settings.with_(
            database_url=settings.database_url.rsplit("/", 1)[0] + f"/lab_template_{uuid.uuid4().hex[:12]}"
        )
    asyncio.run(_apply_migrations(settings, create=True))
    return settings.database_url


async def _copy_database(template: str, target: str) -> None:
    if not using_postgres():
        shutil.copyfile(template.removeprefix("sqlite://"), target.removeprefix("sqlite://"))
        return
    import asyncpg

    root, template_name = template.rsplit("/", 1)
    conn = await asyncpg.connect(database.normalise_url(root + "/postgres").replace("postgres://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{target.rsplit("/", 1)[1]}" TEMPLATE "{template_name}"')
    finally:
        await conn.close()


@pytest.fixture
async def db(settings: Settings, migrated_template: str) -> AsyncIterator[None]:
    """A fresh, real database (a new file, or a uniquely named PostgreSQL database) whose schema was
    built by applying the committed migrations, exactly as ``scenario-lab init`` does."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    register_policies()
    await _copy_database(migrated_template, settings.database_url)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=TortoiseLoopSwitchWarning)
        async with TortoiseContext() as ctx:
            await ctx.init(config=database.tortoise_config(settings, model_modules()))
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
