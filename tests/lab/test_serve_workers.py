"""``scenario-lab serve --workers 2``: two uvicorn processes answer; exactly one of them owns the
embedded index's writes (its in-process worker indexes a published demand), and both see it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.lab.test_cli import _create_pg_database, cli, cli_env, cli_settings, create_department_member  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def _port() -> int:
    if os.environ.get("LAB_TEST_PORT"):
        return int(os.environ["LAB_TEST_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_worker_processes_answer_and_index(cli_settings):  # noqa: F811 - the fixture above
    _create_pg_database(cli_settings)
    assert cli(cli_settings, "init", "--email", "ops@lab.cn", "--password", "operator-pass-1").returncode == 0
    made = create_department_member(cli_settings)
    assert made.returncode == 0, made.stderr
    port = _port()
    env = cli_env(cli_settings, LAB_INPROCESS_WORKER="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "lab.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "serve --workers 2 did not answer"
            time.sleep(0.5)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2  # uvicorn's supervisor and its two worker processes

        with httpx.Client(base_url=url, timeout=120) as client:
            token = client.post("/api/tokens", json={"email": "li@dept.cn", "password": "department-1"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            created = client.post(
                "/api/demands",
                headers=headers,
                json={
                    "title": "城市内涝监测预警",
                    "description": "在易涝点布设水位传感器，汛期实时预警并联动排水调度。",
                    "domain": "水务与防汛",
                    "district": "武侯区",
                },
            ).json()
            published = client.post(
                f"/api/demands/{created['id']}/publish", headers=headers, json={"version": created["version"]}
            )
            assert published.status_code == 200, published.text
            deadline = time.monotonic() + 240
            seen = set()
            while True:  # new connections land on either process; both must come to see it
                with httpx.Client(base_url=url, timeout=120) as fresh:
                    body = fresh.get("/api/search", params={"q": "内涝", "kind": "demand"}).json()
                    health = fresh.get("/healthz").json()
                if body["total"] and not body["degraded"] and health["search"]["status"] == "ok":
                    seen.add(body["hits"][0]["id"])
                    if len(seen) == 1 and all(
                        httpx.get(url + "/api/search", params={"q": "内涝"}).json()["total"] for _ in range(6)
                    ):
                        break
                assert time.monotonic() < deadline, (body, health)
                time.sleep(1)
        assert seen == {str(created["id"])}
        owner = (cli_settings.data_dir / ".index-writer.lock").read_text().strip()
        assert owner in children  # one worker process holds the index writes
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        server.stderr.close()
