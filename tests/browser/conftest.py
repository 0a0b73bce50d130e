"""Browser tests: Playwright (sync API) drives Debian's Chromium headless against a real
``scenario-lab serve`` on a free 127.0.0.1 port, over a demo-seeded temporary data directory
(seeded once per session). Screenshots of key pages go to ``test-artifacts/`` (not committed)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path(os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
MODEL_DIR = Path(os.environ.get("LAB_TEST_MODEL_DIR", REPO / ".cache" / "models"))
PASSWORD = "lab-demo-2023"
INDEX_WAIT_SECONDS = 600

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli() -> list[str]:
    return [sys.executable, "-c", "from lab.cli import main; main()"]


@dataclass
class Server:
    url: str
    data_dir: Path

    def pending_index_rows(self, kinds: tuple[str, ...]) -> int:
        with sqlite3.connect(self.data_dir / "lab.sqlite3") as db:
            marks = ",".join("?" * len(kinds))
            return db.execute(f"SELECT count(*) FROM outbox_event WHERE processed_at IS NULL AND kind IN ({marks})",
                              kinds).fetchone()[0]

    def wait_for_index(self, kinds: tuple[str, ...] = ("capability", "demand")) -> None:
        """Until the in-process worker has indexed the rows of ``kinds`` (matches need them)."""
        deadline = time.monotonic() + INDEX_WAIT_SECONDS
        while self.pending_index_rows(kinds) and time.monotonic() < deadline:
            time.sleep(1)


@pytest.fixture(scope="package")
def server(tmp_path_factory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package to run browser tests")
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = {**os.environ, "LAB_DATA_DIR": str(data_dir), "LAB_MODEL_DIR": str(MODEL_DIR), "LAB_MODE": "development"}
    env.pop("LAB_DATABASE_URL", None)
    subprocess.run([*_cli(), "demo", "--no-serve"], env=env, check=True, capture_output=True, timeout=600)
    port = _free_port()
    log = open(data_dir / "serve.log", "wb")
    process = subprocess.Popen([*_cli(), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
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
                raise RuntimeError(f"server did not start: {(data_dir / 'serve.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield Server(url, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="package")  # not session: its event loop must stop before the async tests run
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, server, request):
    """A fresh browser context (its own cookies) per call; screenshots named after the test."""
    contexts = []
    shots = ARTIFACTS / request.node.name
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True, exist_ok=True)

    def _open(email: str | None = None):
        context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        if email:
            sign_in(page, email)
        return page

    _open.shots = shots  # type: ignore[attr-defined]
    yield _open
    for context in contexts:
        context.close()


def sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def shot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
