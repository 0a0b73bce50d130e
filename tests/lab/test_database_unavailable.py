"""An unreachable database is a 503 ``database_unavailable`` (with Retry-After) on every route, not a
500 — for PostgreSQL (nothing listening) and for SQLite (the file cannot be opened)."""

from __future__ import annotations

import anyio
import httpx
from lab.app import create_app
from tests.conftest import make_settings


async def test_unreachable_database_is_503_everywhere(tmp_path):
    settings = make_settings(tmp_path, LAB_DATABASE_URL="postgres://postgres@127.0.0.1:1/lab")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        for method, path, body in [
            ("GET", "/api/demands", None),
            ("GET", "/api/demands/1", None),
            ("GET", "/api/scenarios", None),
            ("GET", "/healthz", None),
            ("POST", "/api/tokens", {"email": "a@example.cn", "password": "x"}),
        ]:
            response = await client.request(method, path, json=body)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["error"]["code"] == "database_unavailable", path
            assert int(response.headers["retry-after"]) > 0
        page = await client.get("/reserve-list")
        assert page.status_code == 503
        assert "数据库暂时不可用" in page.text and int(page.headers["retry-after"]) > 0


async def test_unopenable_sqlite_file_is_503_on_every_request(tmp_path):
    # Tortoise's own SQLite client kept its connection lock after a failed open, so every request
    # after the first waited forever; lab.sqlite_engine releases it
    settings = make_settings(tmp_path, LAB_DATABASE_URL="sqlite:///nonexistent-lab-dir/x/lab.sqlite3")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        for path in ("/api/demands", "/api/demands", "/api/scenarios", "/healthz", "/reserve-list"):
            with anyio.fail_after(10):
                response = await client.get(path)
            assert response.status_code == 503, (path, response.text)
            if path.startswith("/api/"):
                assert response.json()["error"]["code"] == "database_unavailable"
        with anyio.fail_after(10):
            response = await client.post("/api/tokens", json={"email": "a@example.cn", "password": "x"})
        assert response.status_code == 503, response.text


async def test_sqlite_reconnects_once_the_file_can_be_opened(tmp_path):
    from lab.database import migrate
    from lab.runtime import MODEL_MODULES

    ready, folder = tmp_path / "ready", tmp_path / "later"
    ready.mkdir()
    await migrate(make_settings(tmp_path, LAB_DATABASE_URL=f"sqlite://{ready / 'lab.sqlite3'}"), MODEL_MODULES)
    settings = make_settings(tmp_path, LAB_DATABASE_URL=f"sqlite://{folder / 'lab.sqlite3'}")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        with anyio.fail_after(10):
            assert (await client.get("/api/demands")).status_code == 503
        ready.rename(folder)  # the folder with a migrated database appears
        with anyio.fail_after(10):
            response = await client.get("/api/demands")
        assert response.status_code == 200, response.text
