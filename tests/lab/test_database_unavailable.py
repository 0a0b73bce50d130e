"""An unreachable database is a 503 ``database_unavailable`` (with Retry-After) on every route, not a
500 — for PostgreSQL (nothing listening) and for SQLite (the file cannot be opened)."""

from __future__ import annotations

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


async def test_unopenable_sqlite_file_is_503(tmp_path):
    # only the first request: after a failed open, Tortoise's SQLite client keeps its connection
    # lock and later requests wait (a known limitation, reported with this change)
    settings = make_settings(tmp_path, LAB_DATABASE_URL="sqlite:///nonexistent-lab-dir/x/lab.sqlite3")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        response = await client.get("/api/demands")
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
