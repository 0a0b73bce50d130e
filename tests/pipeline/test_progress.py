"""Progress after listing: parties report, the public sees it, operators import an xlsx all or
nothing, and listed scenarios silent for 90 days are flagged."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

from openpyxl import Workbook
from tortoise.timezone import now

from pipeline import progress
from lab.models import AuditRecord
from pipeline.models import Notification, ProgressUpdate, Scenario, Stage
from pipeline.progress_import import COLUMNS
from tests import factories
from tests.pipeline import builders

UPDATE = {
    "period": "2025-Q3",
    "milestone": "完成全区56个老旧小区部署",
    "indicators": {"覆盖小区": {"value": 56, "unit": "个"}, "阻车次数": {"value": 1320, "unit": "次"}},
    "note": "第三季度新增12个小区",
    "attachments": [{"name": "季度报告", "url": "https://example.cn/q3.pdf"}],
}


async def _listed(p=None, title="老旧小区电动自行车充电安全治理"):
    p = p or await builders.parties()
    ed = await builders.edition(name=f"储备清单-{title}")
    return p, await builders.scenario(Stage.LISTING, p, edition_obj=ed, title=title)


def _xlsx(rows, header=COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _upload(client, actor, content: bytes):
    return await client.post(
        "/api/progress/import",
        headers=actor.headers,
        files={"file": ("进展.xlsx", content, "application/octet-stream")},
    )


async def test_parties_report_progress_and_everyone_sees_the_timeline(client):
    p, s = await _listed()
    posted = await client.post(f"/api/scenarios/{s.id}/progress", headers=p.partner_actor.headers, json=UPDATE)
    assert posted.status_code == 201, posted.text
    assert posted.json()["indicators"]["覆盖小区"] == {"value": 56.0, "unit": "个"}
    later = {
        **UPDATE,
        "period": "2025-10",
        "milestone": "接入消防物联平台",
        "indicators": {"覆盖小区": {"value": 60, "unit": "个"}},
        "attachments": [],
    }
    assert (
        await client.post(f"/api/scenarios/{s.id}/progress", headers=p.lead_actor.headers, json=later)
    ).status_code == 201
    public = await client.get(f"/api/scenarios/{s.id}/progress")
    assert public.status_code == 200
    assert [i["period"] for i in public.json()["items"]] == ["2025-Q3", "2025-10"]
    series = {x["name"]: x for x in public.json()["series"]}
    assert series["覆盖小区"]["points"] == [["2025-Q3", 56.0], ["2025-10", 60.0]]
    assert series["覆盖小区"]["unit"] == "个"
    assert await AuditRecord.filter(action="progress.create").count() == 2
    # the other party hears about it, the poster does not
    assert await Notification.filter(user_id=p.lead_actor.user.id, kind="progress").count() == 1
    page = await client.get(f"/scenarios/{s.id}")
    assert page.status_code == 200 and "进展跟踪" in page.text and "接入消防物联平台" in page.text
    assert "<svg" in page.text


async def test_only_parties_report_and_only_after_listing_with_clear_errors(client):
    p, s = await _listed()
    outsider = await factories.actor("supplier_member")
    operator = await factories.actor("operator")
    for actor, status in ((outsider, 403), (operator, 403)):
        response = await client.post(f"/api/scenarios/{s.id}/progress", headers=actor.headers, json=UPDATE)
        assert response.status_code == status, actor.user.email
    assert (await client.post(f"/api/scenarios/{s.id}/progress", json=UPDATE)).status_code == 401
    early = await builders.scenario(Stage.TESTING, p)
    response = await client.post(f"/api/scenarios/{early.id}/progress", headers=p.lead_actor.headers, json=UPDATE)
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_listed"
    for bad, field in (
        ({**UPDATE, "period": "2025-13"}, "period"),
        ({**UPDATE, "milestone": ""}, "milestone"),
        ({**UPDATE, "indicators": {"x": {"value": "many"}}}, "indicators.x.value"),
        ({**UPDATE, "attachments": [{"name": "a", "url": "javascript:alert(1)"}]}, "attachments.0.url"),
    ):
        response = await client.post(f"/api/scenarios/{s.id}/progress", headers=p.lead_actor.headers, json=bad)
        assert response.status_code == 422 and field in response.json()["error"]["fields"], response.text
    assert await ProgressUpdate.all().count() == 0


async def test_import_is_all_or_nothing_with_row_level_chinese_errors(client):
    _, s = await _listed()
    _, other = await _listed(title="智慧停车诱导")
    operator = await factories.actor("operator")
    rows = [
        (s.code, "2025-Q3", "完成部署", "覆盖小区", 56, "个", "第三季度"),
        (s.code, "2025-Q3", "完成部署", "阻车次数", 1320, "次", None),
        (other.id, "2025-09", "上线试运行", None, None, None, "已上线"),
        ("CD-1999-999", "2025-09", "上线", "泊位", 10, "个", None),
        (s.code, "2025-9", "完成部署", "覆盖小区", "很多", "个", None),
    ]
    failed = await _upload(client, operator, _xlsx(rows))
    assert failed.status_code == 422
    error = failed.json()["error"]
    assert error["code"] == "import_failed" and "未导入任何数据" in error["message"]
    assert set(error["fields"]) == {"第5行", "第6行"}
    assert "找不到场景「CD-1999-999」" in error["fields"]["第5行"]
    assert "期间格式" in error["fields"]["第6行"] and "不是数字" in error["fields"]["第6行"]
    assert await ProgressUpdate.all().count() == 0
    assert await AuditRecord.filter(action="progress.create").count() == 0

    imported = await _upload(client, operator, _xlsx(rows[:3]))
    assert imported.status_code == 201, imported.text
    assert imported.json() == {"updates": 2, "rows": 3, "scenarios": 2}
    update = await ProgressUpdate.get(scenario_id=s.id)
    assert update.indicators == {"覆盖小区": {"value": 56.0, "unit": "个"}, "阻车次数": {"value": 1320.0, "unit": "次"}}
    assert update.source == "import"
    assert await AuditRecord.filter(action="progress.create").count() == 2


async def test_import_refuses_non_operators_bad_files_and_unlisted_scenarios(client):
    p, s = await _listed()
    early = await builders.scenario(Stage.DESIGN, p)
    operator = await factories.actor("operator")
    content = _xlsx([(s.code, "2025-Q3", "完成部署", "覆盖小区", 56, "个", None)])
    assert (await _upload(client, p.lead_actor, content)).status_code == 403
    not_xlsx = await _upload(client, operator, b"%PDF-1.4 not a workbook")
    assert not_xlsx.status_code == 422 and "xlsx" in not_xlsx.json()["error"]["fields"]["file"]
    wrong_header = await _upload(client, operator, _xlsx([(s.code,)], header=("编号", "期间")))
    assert wrong_header.status_code == 422 and "表头" in wrong_header.json()["error"]["fields"]["file"]
    empty = await _upload(client, operator, _xlsx([]))
    assert empty.status_code == 422
    unlisted = await _upload(client, operator, _xlsx([(early.id, "2025-Q3", "完成", None, None, None, None)]))
    assert unlisted.status_code == 422 and "尚未上架" in unlisted.json()["error"]["fields"]["第2行"]
    assert await ProgressUpdate.all().count() == 0


async def test_listed_scenarios_silent_for_90_days_are_flagged(db):
    _, quiet = await _listed(title="安静的场景")
    _, busy = await _listed(title="活跃的场景")
    await ProgressUpdate.create(
        scenario=busy, period="2025-09", period_start="2025-09-01", milestone="m", indicators={}
    )
    entered = (await Scenario.get(id=quiet.id)).entered_stage_at
    assert await progress.stale_scenarios(entered + timedelta(days=89)) == []
    flagged = await progress.stale_scenarios(now() + timedelta(days=91))
    assert [f["title"] for f in flagged] == ["安静的场景", "活跃的场景"]
    assert flagged[1]["last_update_at"] is not None and flagged[0]["last_update_at"] is None
    # a fresh report clears the flag
    await ProgressUpdate.create(
        scenario=quiet, period="2025-12", period_start="2025-12-01", milestone="m", indicators={}
    )
    later = await ProgressUpdate.filter(scenario_id=quiet.id).first()
    await ProgressUpdate.filter(id=later.id).update(created_at=now() + timedelta(days=60))
    assert [f["title"] for f in await progress.stale_scenarios(now() + timedelta(days=91))] == ["活跃的场景"]


async def test_import_reads_a_month_the_spreadsheet_turned_into_a_date(client):
    _, s = await _listed()
    operator = await factories.actor("operator")
    content = _xlsx([(s.code, datetime(2025, 9, 1), "完成部署", "覆盖小区", 56, "个", None)])
    response = await _upload(client, operator, content)
    assert response.status_code == 201, response.text
    assert (await ProgressUpdate.get(scenario_id=s.id)).period == "2025-09"
    # a zip that is not a workbook is refused as a file error, not a server error
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "不是工作簿")
    refused = await _upload(client, operator, buffer.getvalue())
    assert refused.status_code == 422 and "file" in refused.json()["error"]["fields"]
