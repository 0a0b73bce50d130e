"""Pages for public data and progress: the public catalogue, asking for data through the form with
the due date, answering (a refusal without a reason is sent back next to the field), the progress
form and the operators' import page."""

from __future__ import annotations

import io

from openpyxl import Workbook

from pipeline.models import (
    DataRequest,
    DataRequestStatus,
    DataResource,
    ProgressUpdate,
    SharingClass,
    Stage,
)
from pipeline.progress_import import COLUMNS
from tests import factories
from tests.pipeline import builders


async def _resource(department, sharing_class="conditional", name="12345热线工单", reason=""):
    return await DataResource.create(
        department=department,
        name=name,
        description="市民热线诉求工单",
        data_fields=["工单编号", "诉求类型", "办结时间"],
        update_frequency="每日",
        sharing_class=SharingClass(sharing_class),
        not_shared_reason=reason,
    )


async def test_the_public_catalogue_shows_classes_and_reasons(client, db):
    dept = await factories.organisation("department", name="成都市网络理政中心")
    await _resource(dept)
    await _resource(dept, "not_shared", "<script>alert(1)</script>投诉人身份信息", reason="涉及个人信息，不予共享")
    page = await client.get("/data-catalogue")
    assert page.status_code == 200
    assert "有条件共享" in page.text and "不予共享理由" in page.text and "涉及个人信息，不予共享" in page.text
    assert "<script>alert(1)</script>" not in page.text
    filtered = await client.get("/data-catalogue?sharing_class=conditional")
    assert "12345热线工单" in filtered.text and "投诉人身份信息" not in filtered.text


async def test_a_party_asks_through_the_form_and_the_owner_answers(client, db, signed_in):
    p = await builders.parties()
    s = await builders.scenario(Stage.TESTING, p)
    owner_dept = await factories.organisation("department", name="成都市网络理政中心")
    owner = await factories.user("department_member", owner_dept)
    resource = await _resource(owner_dept)
    token = await signed_in(p.lead_actor.user)
    form = await client.get(f"/workspace/data-requests/new?resource={resource.id}")
    assert form.status_code == 200 and f"scenario:{s.id}" in form.text and "/static/workdays.js" in form.text
    typed = {
        "csrf": token,
        "resource_id": str(resource.id),
        "serves": f"scenario:{s.id}",
        "purpose": "",
        "fields": "诉求类型、身份证号",
        "period_from": "2025-01-01",
        "period_to": "2025-06-30",
    }
    refused = await client.post("/workspace/data-requests", data=typed)
    assert refused.status_code == 422
    assert "身份证号" in refused.text and 'id="e-purpose"' in refused.text and "诉求类型、身份证号" in refused.text
    created = await client.post(
        "/workspace/data-requests", data={**typed, "purpose": "评估热线诉求变化", "fields": "诉求类型，办结时间"}
    )
    assert created.status_code == 303
    listed = await client.get(created.headers["location"])
    assert "应于" in listed.text and "前答复" in listed.text
    request = await DataRequest.get(resource_id=resource.id)
    assert request.data_fields == ["诉求类型", "办结时间"] and request.due_on is not None

    await client.post("/sign-out", data={"csrf": token})
    token = await signed_in(owner)
    incoming = await client.get("/workspace/data-requests?side=incoming")
    assert f"/workspace/data-requests/{request.id}/refuse" in incoming.text
    no_reason = await client.post(
        f"/workspace/data-requests/{request.id}/refuse",
        data={"csrf": token, "version": str(request.version), "reason": ""},
    )
    assert no_reason.status_code == 422 and f'id="e-reason_{request.id}"' in no_reason.text
    assert (await DataRequest.get(id=request.id)).status == DataRequestStatus.PENDING
    approved = await client.post(
        f"/workspace/data-requests/{request.id}/approve", data={"csrf": token, "version": str(request.version)}
    )
    assert approved.status_code == 303
    assert (await DataRequest.get(id=request.id)).status == DataRequestStatus.GRANTED


async def test_operators_see_answer_times_on_the_dashboard(client, db, signed_in):
    await signed_in(await factories.user("operator"))
    for path in ("/workspace/dashboard", "/workspace/data-requests"):
        page = await client.get(path)
        assert page.status_code == 200 and "按期答复率" in page.text, path


async def test_a_party_reports_progress_on_the_form_and_errors_stay_next_to_fields(client, db, signed_in):
    p = await builders.parties()
    ed = await builders.edition()
    s = await builders.scenario(Stage.LISTING, p, edition_obj=ed)
    token = await signed_in(p.partner_actor.user)
    page = await client.get(f"/workspace/scenarios/{s.id}/progress")
    assert page.status_code == 200 and "报送进展" in page.text
    typed = {
        "csrf": token,
        "period": "2025-13",
        "milestone": "完成二期部署",
        "ind_name_0": "覆盖小区",
        "ind_value_0": "很多",
        "ind_unit_0": "个",
        "note": "",
        "attachment_name": "",
        "attachment_url": "",
    }
    refused = await client.post(f"/workspace/scenarios/{s.id}/progress", data=typed)
    assert refused.status_code == 422
    assert "数值须为数字" in refused.text and 'value="完成二期部署"' in refused.text
    typed.update(ind_value_0="56", period="2025-Q4")
    assert (await client.post(f"/workspace/scenarios/{s.id}/progress", data=typed)).status_code == 303
    assert (await ProgressUpdate.get(scenario_id=s.id)).indicators == {"覆盖小区": {"value": 56.0, "unit": "个"}}


async def test_the_import_page_lists_row_errors_and_imports_nothing(client, db, signed_in):
    p = await builders.parties()
    ed = await builders.edition()
    s = await builders.scenario(Stage.LISTING, p, edition_obj=ed)
    token = await signed_in(await factories.user("operator"))
    book = Workbook()
    book.active.append(COLUMNS)
    book.active.append((s.code, "2025-Q3", "完成部署", "覆盖小区", 56, "个", None))
    book.active.append((s.code, "2025-Q3", "完成部署", "告警", "x", "次", None))
    out = io.BytesIO()
    book.save(out)
    response = await client.post(
        "/workspace/progress-import",
        data={"csrf": token},
        files={"file": ("p.xlsx", out.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 422
    assert "第3行" in response.text and "未导入任何数据" in response.text
    assert await ProgressUpdate.all().count() == 0
    board = await client.get("/workspace/board")
    assert board.status_code == 200 and "进展预警" in board.text


async def test_a_department_registers_a_resource_and_not_shared_needs_a_reason(client, db, signed_in):
    dept = await factories.organisation("department", name="成都市城市管理委员会")
    token = await signed_in(await factories.user("department_member", dept))
    assert "登记数据资源" in (await client.get("/data-catalogue")).text
    typed = {
        "csrf": token,
        "name": "占道经营视频识别事件",
        "description": "",
        "fields": "事件编号、位置、时间",
        "update_frequency": "实时",
        "sharing_class": "not_shared",
        "not_shared_reason": "",
    }
    refused = await client.post("/workspace/data-resources", data=typed)
    assert refused.status_code == 422 and 'id="e-not_shared_reason"' in refused.text
    assert 'value="占道经营视频识别事件"' in refused.text
    created = await client.post("/workspace/data-resources", data={**typed, "not_shared_reason": "含人脸图像"})
    assert created.status_code == 303
    resource = await DataResource.get(name="占道经营视频识别事件")
    assert resource.department_id == dept.id and resource.data_fields == ["事件编号", "位置", "时间"]
    supplier = await factories.user("supplier_member")
    await client.post("/sign-out", data={"csrf": token})
    await signed_in(supplier)
    denied = await client.get("/workspace/data-resources/new")
    assert denied.status_code == 403 and "该页面仅对需求部门、实验室运营开放" in denied.text
