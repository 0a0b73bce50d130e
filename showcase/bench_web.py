"""``scenario-lab bench web``: requests/s and p95 latency of the main pages at a fixed concurrency.

Without ``--url`` it prepares the demo data under ``LAB_DATA_DIR`` (seeding is idempotent), drains
the search outbox once so search and similar scenarios answer from a full index, starts
``scenario-lab serve`` on a free port (the in-process worker off, so indexing does not compete with
the load), measures, and stops it. With ``--url`` it measures a running server as it is.

Every address is requested once, one at a time, before measuring (so similar scenarios, memoised per
scenario, are warm as in steady state); the first of those requests per page is reported as
``first_ms``, the cold cost.

Besides the public pages it measures, as the demo accounts: the matches API
(``GET /api/demands/{id}/matches?limit=10``, department token), the department's demand pages
(``/workspace/demands/{id}``) and the supplier's recommended page (``/workspace/recommended``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path

import click
import httpx

from matchmaking.bench.http import CLI, free_port, seed_demo, stop_process

SEARCH_TERMS = ("积水", "电动自行车充电", "交通信号", "养老", "消防", "数字孪生", "社区治理", "空气质量")


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def summary(self) -> dict:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1) if ordered else 0.0

        return {
            "page": self.name,
            "requests": len(self.latencies),
            "errors": self.errors,
            "rps": round(len(self.latencies) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
        }


async def _measure(
    client: httpx.AsyncClient,
    name: str,
    paths: list[str],
    total: int,
    concurrency: int,
    headers: dict[str, str] | None = None,
) -> Result:
    result = Result(name)
    source = cycle(paths)
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            path = next(source)
            start = time.perf_counter()
            try:
                response = await client.get(path, headers=headers)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                result.latencies.append(time.perf_counter() - start)
            else:
                result.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


async def _targets(client: httpx.AsyncClient) -> dict[str, list[str]]:
    response = await client.get("/api/scenarios", params={"stage": "listing", "limit": 50})
    if response.status_code != 200:
        raise click.ClickException(f"无法列出场景（HTTP {response.status_code}）：数据库是否已迁移到最新？")
    ids = [item["id"] for item in response.json().get("items", [])] or [1]
    return {
        "home": ["/"],
        "reserve_list": [
            "/reserve-list",
            "/reserve-list?domain=消防",
            "/reserve-list?page=3",
            "/reserve-list?sort=-investment",
            "/reserve-list?district=锦江区",
        ],
        "scenario": [f"/scenarios/{i}" for i in ids],
        "search": [f"/search?q={term}" for term in SEARCH_TERMS],
    }


DEMO_DEPARTMENT = "department@lab.demo"
DEMO_SUPPLIER = "supplier@lab.demo"
DEMO_PASSWORD = "lab-demo-2023"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _signed_in(url: str, limits, email: str) -> httpx.AsyncClient | None:
    """A client holding a demo account's page session (None when the demo accounts are missing)."""
    client = httpx.AsyncClient(base_url=url, limits=limits, timeout=60)
    page = await client.get("/sign-in")
    token = CSRF.search(page.text)
    response = await client.post(
        "/sign-in", data={"email": email, "password": DEMO_PASSWORD, "csrf": token.group(1) if token else ""}
    )
    if response.status_code != 303:
        await client.aclose()
        return None
    return client


async def _workspace_targets(client: httpx.AsyncClient, url: str, limits) -> dict[str, tuple]:
    """The matches API (as the demo department, bearer token), the department's demand pages and the
    supplier's recommended page (page sessions): name -> (client, paths, headers)."""
    token = await client.post("/api/tokens", json={"email": DEMO_DEPARTMENT, "password": DEMO_PASSWORD})
    if token.status_code != 201:
        return {}
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    me = (await client.get("/api/me", headers=headers)).json()
    mine = await client.get(
        "/api/demands", params={"organisation_id": me["organisation_id"], "limit": 20}, headers=headers
    )
    ids = [item["id"] for item in mine.json().get("items", [])] if mine.status_code == 200 else []
    targets: dict[str, tuple] = {}
    if ids:
        targets["matches_api"] = (client, [f"/api/demands/{i}/matches?limit=10" for i in ids], headers)
        department = await _signed_in(url, limits, DEMO_DEPARTMENT)
        if department is not None:
            targets["department_demand"] = (department, [f"/workspace/demands/{i}" for i in ids], None)
    supplier = await _signed_in(url, limits, DEMO_SUPPLIER)
    if supplier is not None:
        targets["supplier_recommended"] = (supplier, ["/workspace/recommended"], None)
    return targets


async def run_bench(url: str, requests: int, concurrency: int) -> list[dict]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        targets = {name: (client, paths, None) for name, paths in (await _targets(client)).items()}
        targets.update(await _workspace_targets(client, url, limits))
        cold: dict[str, float] = {}
        try:
            for name, (who, paths, headers) in targets.items():  # warm up: every path once (the first is "cold")
                for path in paths:
                    start = time.perf_counter()
                    await who.get(path, headers=headers)
                    cold.setdefault(name, round((time.perf_counter() - start) * 1000, 1))
            rows = []
            for name, (who, paths, headers) in targets.items():
                row = (await _measure(who, name, paths, requests, concurrency, headers)).summary()
                rows.append({**row, "first_ms": cold[name]})
        finally:
            for who, _, _ in targets.values():
                if who is not client:
                    await who.aclose()
        return rows


@contextmanager
def _demo_server(data_dir: Path, port: int = 0, workers: int = 1):
    # one client address sends every request: the per-caller limit on expensive reads (matches,
    # search) is lifted for this server unless the caller sets one, else the load would measure 429s
    env = {"LAB_RATE_LIMIT": "1000000/60", **os.environ, "LAB_DATA_DIR": str(data_dir), "LAB_INPROCESS_WORKER": "0"}
    click.echo("准备演示数据与搜索索引（首次运行需要几分钟向量化）……", err=True)
    seed_demo(env)
    port = port or free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException("服务未能启动")
            time.sleep(0.3)
        yield url
    finally:
        stop_process(process)


@click.command(
    "web", help="页面压测：首页、储备清单、场景页、搜索、匹配接口、部门需求页与供给方推荐页的每秒请求数与 p95 延迟。"
)
@click.option("--url", help="压测已运行的服务（默认：在 LAB_DATA_DIR 的演示数据上启动一个）")
@click.option(
    "--requests",
    "requests_",
    default=640,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="每个页面的请求数",
)
@click.option("--concurrency", default=32, show_default=True, type=click.IntRange(1, 1024))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--port", default=0, type=click.IntRange(0, 65535), help="演示服务端口（0 = 任一空闲端口）")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="演示服务的进程数（serve --workers；一个 Python 进程只用一个核）",
)
def web_command(url: str | None, requests_: int, concurrency: int, as_json: bool, port: int, workers: int) -> None:
    def measure(target: str) -> list[dict]:
        return asyncio.run(run_bench(target.rstrip("/"), requests_, concurrency))

    if url:
        rows = measure(url)
    else:
        data_dir = Path(os.environ.get("LAB_DATA_DIR", "./data")).expanduser().resolve()
        with _demo_server(data_dir, port, workers) as started:
            rows = measure(started)
    if as_json:
        click.echo(json.dumps({"concurrency": concurrency, "workers": workers, "pages": rows}, ensure_ascii=False))
        return
    click.echo(f"并发 {concurrency}，每页 {requests_} 次请求" + ("" if url else f"，服务进程 {workers} 个"))
    click.echo(f"{'页面':<14}{'请求/秒':>10}{'p50 ms':>10}{'p95 ms':>10}{'最大 ms':>10}{'错误':>6}{'首次 ms':>10}")
    for row in rows:
        click.echo(
            f"{row['page']:<14}{row['rps']:>10}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['max_ms']:>10}"
            f"{row['errors']:>6}{row['first_ms']:>10}"
        )
    click.echo("（测量前每个地址先顺序访问一次；“首次”为冷启动时第一次请求的耗时）")
