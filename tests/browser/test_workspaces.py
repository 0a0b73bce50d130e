"""Journeys added with the workspaces: an organisation registers and an operator verifies it, the
operator's and reviewer's pages pass axe-core on a phone and a desktop, and keyboard-only journeys
for signing in, searching and submitting a proposal (no mouse: Tab, typing and Enter)."""

from __future__ import annotations

import re
import uuid

import pytest

from lab.demo import demo_credit_code
from tests.browser.conftest import PASSWORD, horizontal_overflow, shot
from tests.browser.test_journeys import post_demand

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus (fails after ``limit``)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never received the focus with Tab")


def keyboard_sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    tab_to(page, "#f-email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-password"
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/sign-in" not in url)


def test_an_organisation_registers_and_an_operator_verifies_it(open_page):
    visitor = open_page(viewport=(390, 844))
    visitor.goto("/")
    visitor.get_by_role("link", name="单位注册").click()
    visitor.wait_for_url("**/register")
    suffix = uuid.uuid4().hex[:6]
    name = f"成都锦城感知科技有限公司{suffix}"
    email = f"zhao{suffix}@jincheng.cn"
    visitor.get_by_label("单位类型").select_option("enterprise")
    visitor.get_by_label("单位名称").fill(name)
    visitor.get_by_label("统一社会信用代码").fill("91510100MA6C")  # too short: refused next to the field
    visitor.get_by_label("联系人姓名").fill("赵工")
    visitor.get_by_label("邮箱").fill(email)
    visitor.locator("#f-password").fill("jincheng-2024")
    visitor.locator("#f-password2").fill("jincheng-2024")
    visitor.get_by_role("button", name="提交注册").click()
    assert "统一社会信用代码应为18位" in visitor.locator("#e-credit_code").inner_text()
    assert visitor.get_by_label("单位名称").input_value() == name
    assert horizontal_overflow(visitor) == 0
    shot(visitor, open_page.shots, "01-register-refused")
    visitor.get_by_label("统一社会信用代码").fill(demo_credit_code(name))
    visitor.locator("#f-password").fill("jincheng-2024")
    visitor.locator("#f-password2").fill("jincheng-2024")
    visitor.get_by_role("button", name="提交注册").click()
    visitor.wait_for_url("**/sign-in")
    assert visitor.get_by_text("审核通过后").is_visible()
    shot(visitor, open_page.shots, "02-registered")

    operator = open_page("operator@lab.demo")
    operator.goto("/workspace/organisations?status=pending")
    card = operator.locator(".card", has_text=name)
    assert card.get_by_text("待审核").is_visible() and card.get_by_text(demo_credit_code(name)).is_visible()
    shot(operator, open_page.shots, "03-pending")
    card.get_by_role("button", name="认证通过").click()
    operator.wait_for_load_state()
    assert operator.get_by_text(f"已认证「{name}」").is_visible()
    operator.goto("/workspace/audit?action=organisation.verify")
    assert operator.locator("tbody tr", has_text="认证单位").count() >= 1
    shot(operator, open_page.shots, "04-audit")

    keyboard_sign_in(visitor, email, "jincheng-2024")
    visitor.goto("/account/password")
    shot(visitor, open_page.shots, "05-own-password")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_operator_and_reviewer_pages_pass_axe(open_page, viewport):
    operator = open_page("operator@lab.demo", viewport=viewport)
    for n, path in enumerate(
        (
            "/workspace/board",
            "/workspace/board?stage=evaluation&waiting=30",
            "/workspace/dashboard",
            "/workspace/dashboard?scope=all&year=2023",
            "/workspace/organisations",
            "/workspace/users",
            "/workspace/audit",
            "/workspace/editions",
        )
    ):
        assert operator.goto(path).status == 200, path
        assert horizontal_overflow(operator) == 0, f"{path} scrolls sideways"
        shot(operator, open_page.shots, f"operator-{n}-{viewport[0]}")
    operator.goto("/workspace/dashboard")
    link = operator.locator("svg.chart a").first  # a funnel stage links to the board behind it
    href = link.get_attribute("href")
    assert href.startswith("/workspace/board?") and "reached=" in href
    operator.goto(href)
    assert operator.get_by_role("heading", level=1).inner_text().startswith("场景看板")

    reviewer = open_page("reviewer@lab.demo", viewport=viewport)
    reviewer.goto("/workspace/reviews")
    shot(reviewer, open_page.shots, f"reviewer-list-{viewport[0]}")
    reviewer.locator("tbody tr", has_text="待评审").first.locator("a[href^='/workspace/reviews/']").click()
    reviewer.wait_for_url(re.compile(r"/workspace/reviews/\d+$"))
    assert reviewer.get_by_role("heading", name="采纳的揭榜方案").is_visible()
    assert reviewer.get_by_role("heading", name="场景附件").is_visible()
    assert reviewer.locator(".rubric-score").first.evaluate("e => e.getBoundingClientRect().width") >= 80
    assert horizontal_overflow(reviewer) == 0
    shot(reviewer, open_page.shots, f"reviewer-form-{viewport[0]}")


def test_keyboard_only_sign_in_and_search(open_page, server):
    server.wait_for_index()
    page = open_page()
    keyboard_sign_in(page, "department@lab.demo")
    page.goto("/")
    tab_to(page, "#home-q")
    page.keyboard.type("积水")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator(".results li").count() >= 1
    tab_to(page, ".results a", limit=150)
    target = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + target)
    shot(page, open_page.shots, "01-search-result-by-keyboard")


def test_keyboard_only_proposal(open_page):
    department = open_page("department@lab.demo")
    demand_id = post_demand(department, f"地下通道积水监测{uuid.uuid4().hex[:4]}")
    page = open_page()
    keyboard_sign_in(page, "supplier@lab.demo")
    page.goto(f"/demands/{demand_id}")
    tab_to(page, "#f-approach")
    page.keyboard.type("在地下通道部署水位传感器，超阈值自动封闭道闸并推送交警。")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-cost_wan"
    page.keyboard.type("60")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-duration_weeks"
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "提交方案"
    page.keyboard.press("Enter")
    page.wait_for_url("**/workspace/proposals")
    assert page.get_by_text("方案已提交").is_visible()
    shot(page, open_page.shots, "01-proposal-by-keyboard")
