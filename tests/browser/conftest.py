"""Browser tests: Playwright (sync API) drives Debian's Chromium headless against a real
``scenario-lab serve`` on a free 127.0.0.1 port, over a demo-seeded temporary data directory
(seeded once per session). Screenshots of key pages go to ``test-artifacts/`` (not committed).

Every screenshot is also an accessibility check: axe-core (the npm package pinned in
package.json, installed with ``npm ci`` when missing) runs in the page and the test fails on any
serious or critical WCAG 2.1 A/AA violation."""

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
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
MODEL_DIR = Path(os.environ.get("LAB_TEST_MODEL_DIR", REPO / ".cache" / "models"))
PASSWORD = "lab-demo-2023"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
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
            return db.execute(
                f"SELECT count(*) FROM outbox_event WHERE processed_at IS NULL AND kind IN ({marks})", kinds
            ).fetchone()[0]

    def wait_for_index(self, kinds: tuple[str, ...] = ("capability", "demand")) -> None:
        """Until the in-process worker has indexed the rows of ``kinds`` (matches need them)."""
        deadline = time.monotonic() + INDEX_WAIT_SECONDS
        while self.pending_index_rows(kinds) and time.monotonic() < deadline:
            time.sleep(1)


def _install_axe() -> None:
    """``npm ci`` from package-lock.json when axe-core is not installed yet (a fresh clone)."""
    if AXE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("axe-core is missing and npm is not installed: run `npm ci` in the checkout")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=REPO, check=True, capture_output=True, timeout=300)
    if not AXE.exists():
        raise RuntimeError(f"`npm ci` did not install {AXE}")


@pytest.fixture(scope="package")
def server(tmp_path_factory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package to run browser tests")
    _install_axe()
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = {**os.environ, "LAB_DATA_DIR": str(data_dir), "LAB_MODEL_DIR": str(MODEL_DIR), "LAB_MODE": "development"}
    env.pop("LAB_DATABASE_URL", None)
    subprocess.run([*_cli(), "demo", "--no-serve"], env=env, check=True, capture_output=True, timeout=600)
    port = _free_port()
    log = open(data_dir / "serve.log", "wb")
    process = subprocess.Popen([*_cli(), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # importing torch on a loaded 2-core machine can take a minute
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

    def _open(email: str | None = None, viewport: tuple[int, int] = (1280, 900)):
        context = browser.new_context(
            base_url=server.url, locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]}
        )
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


def shot(page, folder: Path, name: str, *, accessible: bool = True) -> None:
    """A full-page screenshot, then the page's accessibility check."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    if accessible:
        assert_accessible(page, name)


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds in the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))""",
        AXE_TAGS,
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def assert_accessible(page, name: str = "") -> None:
    bad = axe_violations(page)
    assert not bad, f"axe-core on {name or page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'])}" for v in bad
    )


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: nothing scrolls sideways)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
