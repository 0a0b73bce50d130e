"""Journeys in a real browser: a visitor browsing, a department posting a demand and reading its
matches, a supplier proposing, and an operator taking a scenario through every stage with three
reviewers until it appears on the showcase."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def post_demand(page, title: str) -> int:
    page.goto("/workspace/demands/new")
    page.get_by_label("需求名称").fill(title)
    page.get_by_label("需求描述").fill(
        "雨季老城区街道经常积水，车辆涉水熄火，希望提前预警积水点并联动排水调度和交通疏导。"
    )
    page.get_by_label("所属领域").select_option("水务与防汛")
    page.get_by_label("所在区（市）县").select_option("锦江区")
    page.get_by_label("预算（万元）").fill("120")
    page.get_by_role("button", name="保存并发布").click()
    page.wait_for_url(re.compile(r"/workspace/demands/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def propose(page, demand_id: int) -> None:
    page.goto(f"/demands/{demand_id}")
    page.get_by_label("技术方案").fill(
        "在易涝点部署水位传感器与视频识别，接入排水调度平台，积水超阈值自动预警并推送交警。"
    )
    page.get_by_label("报价（万元）").fill("85")
    page.get_by_label("工期（周）").fill("12")
    page.get_by_role("button", name="提交方案").click()
    page.wait_for_url("**/workspace/proposals")


def test_visitor_browses_home_reserve_list_by_domain_and_a_scenario(open_page, server):
    page = open_page()
    page.goto("/")
    page.keyboard.press("Tab")  # keyboard users land on the skip link first
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.get_by_role("heading", name="智慧蓉城应用场景实验室").is_visible()
    assert page.locator(".cards .card").count() == 18
    assert page.locator("svg.chart").count() >= 1
    shot(page, open_page.shots, "01-home")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="场景储备清单").click()
    page.wait_for_url("**/reserve-list")
    page.get_by_role("complementary", name="筛选").get_by_role("link", name=re.compile("^消防")).click()
    page.wait_for_url(re.compile(r"domain="))
    status = page.get_by_role("heading", name=re.compile(r"共 \d+ 个场景"))
    assert status.is_visible()
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    assert all(cell == "消防" for cell in rows.locator("td:nth-child(3)").all_inner_texts())
    shot(page, open_page.shots, "02-reserve-list-fire")
    title = rows.first.locator("td:nth-child(2) a").inner_text()
    rows.first.locator("td:nth-child(2) a").click()
    page.wait_for_url(re.compile(r"/scenarios/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith(title)
    assert page.get_by_role("heading", name="场景进程").is_visible()
    assert page.get_by_role("heading", name="基本信息").is_visible()
    shot(page, open_page.shots, "03-scenario")
    page.goto("/cases")
    assert page.locator(".cards .card").count() >= 10
    shot(page, open_page.shots, "04-national-cases")


def test_department_posts_a_demand_and_reads_its_matches(open_page, server):
    server.wait_for_index()
    page = open_page("department@lab.demo")
    page.goto("/workspace/demands/new")
    page.get_by_role("button", name="保存并发布").click()  # empty: refused, in Chinese, next to fields
    assert page.locator(".field-error").first.is_visible()
    assert "不能为空" in page.locator("#e-title").inner_text()
    shot(page, open_page.shots, "01-refused-form")
    title = f"老城区雨季积水预警{uuid.uuid4().hex[:4]}"
    demand_id = post_demand(page, title)
    assert page.get_by_text("需求已发布").is_visible()
    matches = page.get_by_role("region", name=re.compile("推荐的供给方"))
    if matches.locator(".card").count() == 0:
        # no model call on a request: until the worker has embedded the new demand, the page says so
        assert page.get_by_text("匹配结果计算中").is_visible()
        server.wait_for_index(("demand",))
        page.reload()
    assert matches.locator(".card").count() >= 1
    assert matches.locator(".explain").first.inner_text().strip()
    shot(page, open_page.shots, "02-demand-with-matches")
    page.goto(f"/demands/{demand_id}")
    shot(page, open_page.shots, "03-public-demand")


def test_supplier_proposes_to_a_published_demand(open_page, server):
    department = open_page("department@lab.demo")
    demand_id = post_demand(department, f"社区积水点监测{uuid.uuid4().hex[:4]}")
    page = open_page("supplier@lab.demo")
    page.goto("/workspace/recommended")
    shot(page, open_page.shots, "01-recommended")
    page.goto(f"/demands/{demand_id}")
    page.get_by_label("报价（万元）").fill("-5")
    page.get_by_label("技术方案").fill("水位传感器+视频识别")
    page.get_by_label("工期（周）").fill("0")
    page.get_by_role("button", name="提交方案").click()
    assert page.get_by_label("技术方案").input_value() == "水位传感器+视频识别"  # kept on refusal
    assert page.locator(".field-error").count() >= 1
    shot(page, open_page.shots, "02-refused-proposal")
    propose(page, demand_id)
    assert page.get_by_role("cell", name=re.compile("社区积水点监测")).is_visible()
    shot(page, open_page.shots, "03-my-proposals")


def test_operator_takes_a_scenario_through_every_stage_to_the_showcase(open_page, server):
    department = open_page("department@lab.demo")
    title = f"易涝点智能预警{uuid.uuid4().hex[:4]}"
    demand_id = post_demand(department, title)
    propose(open_page("supplier@lab.demo"), demand_id)
    department.goto(f"/workspace/demands/{demand_id}")
    department.get_by_text("采纳…").click()  # opens the confirmation with the reason for the others
    department.get_by_role("button", name="确认采纳").click()
    department.get_by_role("button", name="创建场景").click()
    department.wait_for_url(re.compile(r"/workspace/scenarios/\d+$"))
    scenario_id = int(department.url.rsplit("/", 1)[1])

    op = open_page("operator@lab.demo")
    desk = f"/workspace/scenarios/{scenario_id}"
    op.goto(desk)
    shot(op, open_page.shots, "01-requirement")
    op.get_by_role("button", name="推进至「方案设计」").click()
    op.wait_for_load_state()
    blocked = op.get_by_role("button", name="推进至「场景测试」")
    assert blocked.is_disabled()
    assert op.get_by_text("尚未上传设计方案").is_visible()  # the guard's reason, before trying
    shot(op, open_page.shots, "02-design-guard-reason")
    upload(op, "design_plan", None)
    op.get_by_role("button", name="推进至「场景测试」").click()
    op.wait_for_load_state()
    upload(op, "test_report", "passed")
    for name in ("陈教授", "刘研究员", "周高工"):  # three of the demo's reviewer accounts
        option = op.locator("#f-reviewer_id option", has_text=name).first
        op.get_by_label("指派评审专家").select_option(option.get_attribute("value"))
        op.get_by_role("button", name="指派", exact=True).click()
        op.wait_for_load_state()
    assert op.locator("text=待评审").count() == 3
    op.get_by_role("button", name="推进至「评估论证」").click()
    op.wait_for_load_state()
    shot(op, open_page.shots, "03-evaluation")

    for n, email in enumerate(("reviewer@lab.demo", "reviewer2@lab.demo", "reviewer3@lab.demo")):
        reviewer = open_page(email)
        reviewer.goto("/workspace/reviews")
        reviewer.get_by_role("link", name=title).click()
        for label, score in zip(("创新性", "可行性", "应用成效", "推广价值", "安全合规"), (80, 85, 90, 75, 88)):
            reviewer.get_by_label(label).fill(str(score))
        total = reviewer.locator("#rubric-total")
        assert total.inner_text() == "83.55"  # updated by static/rubric.js as the scores are typed
        reviewer.get_by_label("可行性").fill("95")
        assert total.inner_text() == "86.05"
        if n == 0:
            shot(reviewer, open_page.shots, "04-rubric-live-total")
        reviewer.get_by_label("评审意见（必填）").fill("预警准确，联动机制清晰，建议推广。")
        reviewer.get_by_role("button", name="提交评审意见").click()
        reviewer.wait_for_url("**/workspace/reviews")
        assert reviewer.get_by_text("已提交").first.is_visible()

    op.goto(desk)
    op.get_by_role("button", name="推进至「应用上架」").click()
    op.wait_for_load_state()
    op.get_by_role("button", name="推进至「宣传推广」").click()
    op.wait_for_load_state()
    assert "宣传推广" in op.locator("h1 .tag").inner_text()
    shot(op, open_page.shots, "05-promoted")
    op.goto("/workspace/board")
    shot(op, open_page.shots, "06-board")
    op.goto("/workspace/dashboard")
    assert op.locator("svg.chart").count() == 6  # four lifecycle charts, two data-sharing answer charts
    shot(op, open_page.shots, "07-dashboard")

    visitor = open_page()
    visitor.goto("/showcase")
    visitor.get_by_role("link", name=re.compile("2024")).click()
    assert visitor.get_by_role("link", name=title).is_visible()
    shot(visitor, open_page.shots, "08-showcase")
    visitor.get_by_role("link", name=title).click()
    assert visitor.get_by_role("heading", name="专家评审结果").count() == 0  # scores stay with the parties
    shot(visitor, open_page.shots, "09-scenario-public")
    department.goto("/notifications")
    assert department.get_by_text("宣传推广").first.is_visible()


def upload(page, kind: str, verdict: str | None) -> None:
    page.get_by_label("附件类型").select_option(kind)
    if verdict:
        page.get_by_label("测试结论（仅测试报告）").select_option(verdict)
    page.locator("#f-file").set_input_files({"name": f"{kind}.png", "mimeType": "image/png", "buffer": PNG})
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert page.get_by_text("附件已上传").is_visible()
