"""Page shaping without a database: the stage timeline of exits, and chart legibility."""

import re

from showcase import cards, charts


def _h(action, frm, to, at):
    return {"action": action, "from": frm, "to": to, "at": at}


def test_a_rejected_scenario_shows_the_stages_it_passed_and_where_it_stopped():
    history = [
        _h("scenario.create", None, "requirement", "2024-01-01T00:00:00"),
        _h("scenario.advance", "requirement", "design", "2024-01-10T00:00:00"),
        _h("scenario.advance", "design", "testing", "2024-02-01T00:00:00"),
        _h("scenario.advance", "testing", "evaluation", "2024-03-01T00:00:00"),
        _h("scenario.reject", "evaluation", "rejected", "2024-04-01T00:00:00"),
    ]
    steps = cards.timeline("rejected", history)
    assert [s["state"] for s in steps] == ["done", "done", "done", "exit", "todo", "todo"]
    assert steps[3]["note"] == "在此阶段不予通过" and steps[3]["date"] == "2024-03-01"
    assert steps[0]["date"] == "2024-01-01" and steps[5]["note"] == "未开始"


def test_a_withdrawn_scenario_stops_at_the_stage_it_left():
    history = [
        _h("scenario.create", None, "requirement", "2024-01-01T00:00:00"),
        _h("scenario.withdraw", "requirement", "withdrawn", "2024-01-05T00:00:00"),
    ]
    steps = cards.timeline("withdrawn", history)
    assert [s["state"] for s in steps][:2] == ["exit", "todo"] and steps[0]["note"] == "在此阶段撤回"


def test_a_live_scenario_timeline_is_unchanged():
    history = [
        _h("scenario.create", None, "requirement", "2024-01-01T00:00:00"),
        _h("scenario.advance", "requirement", "design", "2024-01-10T00:00:00"),
    ]
    assert [s["state"] for s in cards.timeline("design", history)] == ["done", "current"] + ["todo"] * 4


def test_chart_labels_get_a_column_as_wide_as_the_longest_label_and_links_per_bar():
    rows = [("四川天府新区成都直管区", 12, "四川天府新区成都直管区"), ("高新区", 3, "高新区")]
    svg = str(charts.bar_chart(rows, title="按区县", unit="个", href="/workspace/board?district={key}"))
    label_x = float(re.search(r'<text x="([\d.]+)" y="\d+" text-anchor="end"', svg).group(1))
    assert label_x >= charts.text_width("四川天府新区成都直管区")  # the longest label fits left of its anchor
    assert svg.count("<a href=") == 2 and 'role="group"' in svg
    assert "/workspace/board?district=%E9%AB%98%E6%96%B0%E5%8C%BA" in svg
    assert 'font-size="14"' in svg and 'viewBox="0 0 360 ' in svg


def test_a_chart_without_links_is_one_image_and_escapes_labels():
    svg = str(charts.funnel([("<b>", 3)], title="t"))
    assert 'role="img"' in svg and "&lt;b&gt;" in svg and "<a " not in svg
