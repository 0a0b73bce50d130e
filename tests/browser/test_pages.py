"""Public pages on a phone (390×844) and a desktop (1366×900): nothing scrolls sideways, chart
labels stay at least 12 px and inside their chart, the reserve list becomes cards on a phone, and
axe-core finds no serious or critical violation."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_accessible, horizontal_overflow, shot

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}
FIXED = [
    "/",
    "/reserve-list",
    "/reserve-list?domain=智慧交通&q=信号",
    "/showcase",
    "/cases",
    "/search?q=积水",
    "/sign-in",
    "/open-data",
    "/register",
]

CHART_TEXT = """() => [...document.querySelectorAll('svg.chart text')].map(t => {
  const box = t.getBoundingClientRect(), svg = t.ownerSVGElement.getBoundingClientRect();
  return {text: t.textContent, px: t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize),
          inside: box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5};
})"""


def _detail_pages(page) -> list[str]:
    """One scenario, one national case, one capability profile and one demand, found by following links."""
    found = []
    for listing, selector in (
        ("/reserve-list", "tbody a"),
        ("/cases", ".card h3 a"),
        ("/search?q=积水&kind=capability", ".results a"),
        ("/search?q=积水&kind=demand", ".results a"),
    ):
        page.goto(listing)
        link = page.locator(selector).first
        if link.count():
            found.append(link.get_attribute("href"))
    return found


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_public_pages_fit_the_screen_and_pass_axe(open_page, server, viewport):
    server.wait_for_index()  # search finds profiles and demands to follow
    page = open_page(viewport=VIEWPORTS[viewport])
    pages = FIXED + _detail_pages(page)
    assert any(p.startswith("/scenarios/") for p in pages) and any(p.startswith("/capabilities/") for p in pages)
    for n, path in enumerate(pages):
        response = page.goto(path)
        assert response.status == 200, path
        assert horizontal_overflow(page) == 0, f"{path} scrolls sideways at {viewport}"
        for label in page.evaluate(CHART_TEXT):
            assert label["px"] >= 12, f"{path}: chart text {label['text']!r} is {label['px']:.1f}px"
            assert label["inside"], f"{path}: chart text {label['text']!r} is clipped"
        name = f"{n:02d}-{viewport}-" + re.sub(r"[^a-z0-9]+", "-", path.split("?")[0]).strip("-")
        shot(page, open_page.shots, name or "home", accessible=False)
        assert_accessible(page, f"{path} at {viewport}")
    if viewport == "phone":
        page.goto("/reserve-list")
        row = page.locator("table.stack tbody tr").first
        assert row.locator("td").first.evaluate("td => getComputedStyle(td).display") == "block"  # a card
        assert page.locator("table.stack thead").evaluate("h => h.getBoundingClientRect().height") <= 1
        assert (
            "领域：" in row.locator("td.domain").evaluate("td => getComputedStyle(td, '::before').content + ''")
            or row.locator("td.domain").get_attribute("data-label") == "领域"
        )
    else:
        page.goto("/reserve-list")
        for cell in page.locator("td.code, td.domain").all()[:40]:  # codes and domains never break mid-word
            lines = cell.evaluate("""td => { const r = document.createRange(); r.selectNodeContents(td);
                return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }""")
            assert lines == 1, f"{cell.inner_text()} wraps onto {lines} lines"
