"""The matches API timed through the HTTP app: ``GET /api/demands/{id}/matches?limit=10`` on the demo.

A scratch data directory gets the demo (``scenario-lab demo --no-serve``), its outbox is drained
(``scenario-lab worker --once``: every vector reads need is stored), ``scenario-lab serve`` starts
on ``port`` (the in-process worker off), and each published demo demand's matches are requested by the
demo department account: once to warm up, then ``rounds`` times one at a time, timed on the client.
Subprocesses, not imports: the bench drives the app the way a client does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

DEMO_DEPARTMENT = ("department@lab.demo", "lab-demo-2023")
CLI = [sys.executable, "-c", "from lab.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask a server to stop (SIGTERM: uvicorn finishes its requests and its lifespan), kill it when it
    has not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def seed_demo(env: dict[str, str]) -> None:
    """The demo in ``env``'s data dir, every vector reads need stored (``demo --no-serve``, then
    ``worker --once``): what a bench serves."""
    subprocess.run([*CLI, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*CLI, "worker", "--once"], env=env, check=True, stdout=subprocess.DEVNULL)


@contextmanager
def demo_server(env: dict[str, str], port: int, progress=print, timeout: float = 120.0):
    """Seed the demo into ``env``'s data dir, drain the outbox, serve on ``port``; yields the URL."""
    env = {**os.environ, **env, "LAB_INPROCESS_WORKER": "0"}
    progress("seeding the demo and embedding it (worker --once) …")
    seed_demo(env)
    process = subprocess.Popen(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                body = httpx.get(url + "/healthz", timeout=2).json()
                if body.get("model") == "ready":
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the demo server did not start")
            time.sleep(0.3)
        yield url
    finally:
        stop_process(process)


def time_matches(url: str, rounds: int = 3) -> dict:
    with httpx.Client(base_url=url, timeout=120) as client:
        token = client.post("/api/tokens", json={"email": DEMO_DEPARTMENT[0], "password": DEMO_DEPARTMENT[1]})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        listed = client.get("/api/demands", params={"status": "published", "limit": 100}, headers=headers)
        listed.raise_for_status()
        ids = [item["id"] for item in listed.json()["items"]]
        samples, pending, errors = [], 0, 0
        for path in [f"/api/demands/{i}/matches?limit=10" for i in ids]:
            client.get(path, headers=headers)  # warm: first request per demand
        for _ in range(rounds):
            for demand_id in ids:
                started = time.perf_counter()
                response = client.get(f"/api/demands/{demand_id}/matches?limit=10", headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors += 1
                    continue
                pending += bool(response.json().get("pending"))
                samples.append(elapsed)
    ms = np.asarray(samples) * 1000 if samples else np.zeros(1)
    return {
        "requests": len(samples),
        "demands": len(ids),
        "errors": errors,
        "pending": pending,
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
    }


def matches_api_latency(settings, port: int = 0, rounds: int = 3, progress=print) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-matches-http-") as scratch:
        env = {
            "LAB_DATA_DIR": scratch,
            "LAB_DATABASE_URL": f"sqlite://{Path(scratch) / 'lab.sqlite3'}",
            "LAB_MODEL_DIR": str(settings.models_path),
            "LAB_EMBEDDING_BACKEND": settings.embedding_backend,
            "LAB_SEARCH_BACKEND": "embedded",
            # one client sends every request: lift the per-caller limit, or the bench times 429s
            "LAB_RATE_LIMIT": "1000000/60",
        }
        with demo_server(env, port or free_port(), progress) as url:
            progress("timing GET /api/demands/{id}/matches?limit=10 …")
            return time_matches(url, rounds)
