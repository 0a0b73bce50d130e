"""Public-data requests: the catalogue, who may ask and who may answer, the 10-working-day
deadline, refusals with reasons, reminders and escalation with a fixed clock, answer-time report."""

from __future__ import annotations

from datetime import date

from lab.models import ProposalStatus
from pipeline.datasharing import deadlines, reports, requests
from pipeline.datasharing.schemas import AnswerIn, DataRequestIn, RefusalIn
from lab.models import AuditRecord
from pipeline.models import (
    DataRequest,
    DataRequestStatus,
    DataResource,
    Notification,
    SharingClass,
    Stage,
)
from tests import factories
from tests.pipeline import builders

FIELDS = ["路口编号", "时段", "车流量"]


async def _resource(department, sharing_class: str, name: str = "路口车流量统计", reason: str = ""):
    return await DataResource.create(
        department=department,
        name=name,
        description="交通卡口汇总数据",
        data_fields=FIELDS,
        update_frequency="每日",
        sharing_class=SharingClass(sharing_class),
        not_shared_reason=reason,
    )


def _body(resource, **kw):
    body = {
        "resource_id": resource.id,
        "purpose": "用于信号配时优化场景的效果评估",
        "fields": ["车流量", "时段"],
        "period": {"from": "2025-01-01", "to": "2025-06-30"},
    }
    body.update(kw)
    return body


async def _world():
    """A scenario with its parties, a data-owning department with a member, an outsider."""
    p = await builders.parties()
    s = await builders.scenario(Stage.TESTING, p)
    owner_dept = await factories.organisation("department", name="成都市交通运输局")
    owner = await factories.actor("department_member", owner_dept)
    outsider = await factories.actor("supplier_member")
    return p, s, owner_dept, owner, outsider


async def test_catalogue_lists_sharing_class_and_the_reason_only_for_not_shared(client):
    dept = await factories.organisation("department", name="成都市公安局")
    await _resource(dept, "unconditional", "公共停车场泊位")
    await _resource(dept, "not_shared", "重点人员轨迹", reason="涉及个人隐私与公共安全，依法不予共享")
    response = await client.get("/api/data-resources")
    assert response.status_code == 200
    items = {i["name"]: i for i in response.json()["items"]}
    assert items["公共停车场泊位"]["sharing_class"] == "unconditional"
    assert items["公共停车场泊位"]["not_shared_reason"] is None
    assert items["重点人员轨迹"]["not_shared_reason"] == "涉及个人隐私与公共安全，依法不予共享"
    assert items["重点人员轨迹"]["fields"] == FIELDS and items["重点人员轨迹"]["update_frequency"] == "每日"
    assert items["重点人员轨迹"]["department"] == "成都市公安局"
    bad = await client.get("/api/data-resources?sharing_class=secret")
    assert bad.status_code == 422 and "sharing_class" in bad.json()["error"]["fields"]


async def test_departments_catalogue_their_own_resources_and_not_shared_needs_a_reason(client):
    dept = await factories.organisation("department")
    member = await factories.actor("department_member", dept)
    body = {"name": "网格事件", "fields": ["事件类型"], "update_frequency": "实时", "sharing_class": "not_shared"}
    refused = await client.post("/api/data-resources", headers=member.headers, json=body)
    assert refused.status_code == 422 and "not_shared_reason" in refused.json()["error"]["fields"]
    created = await client.post(
        "/api/data-resources", headers=member.headers, json={**body, "not_shared_reason": "涉密"}
    )
    assert created.status_code == 201 and created.json()["department_id"] == dept.id
    other = await factories.organisation("department")
    foreign = await client.post(
        "/api/data-resources",
        headers=member.headers,
        json={**body, "name": "别人的", "department_id": other.id, "not_shared_reason": "x"},
    )
    assert foreign.status_code == 403
    assert await DataResource.filter(department_id=other.id).count() == 0
    assert await AuditRecord.filter(action="data_resource.create").count() == 1


async def test_unconditional_data_is_granted_at_once(client):
    p, s, owner_dept, owner, _ = await _world()
    resource = await _resource(owner_dept, "unconditional")
    response = await client.post(
        "/api/data-requests", headers=p.partner_actor.headers, json=_body(resource, scenario_id=s.id)
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["status"] == "granted" and data["due_on"] is None and data["answered_on"] is not None
    assert data["serves"] == {"kind": "scenario", "id": s.id, "title": s.title}
    assert await AuditRecord.filter(action="data_request.grant", object_id=data["id"]).count() == 1
    # nothing for the owner to answer; the requesting organisation hears it was granted
    assert await Notification.filter(user_id=owner.user.id).count() == 0


async def test_not_shared_data_is_refused_with_the_stated_reason_and_nothing_stored(client):
    p, s, owner_dept, _, _ = await _world()
    resource = await _resource(owner_dept, "not_shared", reason="涉及国家秘密")
    response = await client.post(
        "/api/data-requests", headers=p.lead_actor.headers, json=_body(resource, scenario_id=s.id)
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "not_shared" and "涉及国家秘密" in error["message"]
    assert "涉及国家秘密" in error["fields"]["resource_id"]
    assert await DataRequest.all().count() == 0


async def test_conditional_request_is_due_ten_working_days_after_receipt(db):
    p, s, owner_dept, owner, _ = await _world()
    resource = await _resource(owner_dept, "conditional")
    created = await requests.request_data(
        p.lead_actor.user, DataRequestIn.model_validate(_body(resource, scenario_id=s.id)), today=date(2025, 9, 26)
    )
    assert created.status == DataRequestStatus.PENDING
    assert created.due_on == date(2025, 10, 16) and created.calendar_provisional is False
    # the owning department is told, with the due date
    told = await Notification.filter(user_id=owner.user.id).values_list("message", flat=True)
    assert any("2025-10-16" in m for m in told)


async def test_only_parties_of_the_demand_or_scenario_may_ask(client):
    p, s, owner_dept, owner, outsider = await _world()
    resource = await _resource(owner_dept, "conditional")
    for actor in (outsider, owner):
        response = await client.post(
            "/api/data-requests", headers=actor.headers, json=_body(resource, scenario_id=s.id)
        )
        assert response.status_code == 403, response.text
    anonymous = await client.post("/api/data-requests", json=_body(resource, scenario_id=s.id))
    assert anonymous.status_code == 401
    # a demand: its department and the supplier whose proposal was accepted are parties
    demand = await factories.demand(p.lead)
    supplier = await factories.actor("supplier_member")
    from lab.models import Proposal

    await Proposal.create(
        demand=demand,
        organisation=supplier.user.organisation,
        approach="a",
        cost_wan=1,
        duration_weeks=1,
        status=ProposalStatus.ACCEPTED,
    )
    for actor in (p.lead_actor, supplier):
        ok = await client.post("/api/data-requests", headers=actor.headers, json=_body(resource, demand_id=demand.id))
        assert ok.status_code == 201, ok.text
    both = await client.post(
        "/api/data-requests", headers=p.lead_actor.headers, json=_body(resource, demand_id=demand.id, scenario_id=s.id)
    )
    assert both.status_code == 422
    unknown_field = await client.post(
        "/api/data-requests",
        headers=p.lead_actor.headers,
        json=_body(resource, demand_id=demand.id, fields=["身份证号"]),
    )
    assert unknown_field.status_code == 422 and "身份证号" in unknown_field.json()["error"]["fields"]["fields"]
    backwards = await client.post(
        "/api/data-requests",
        headers=p.lead_actor.headers,
        json=_body(resource, demand_id=demand.id, period={"from": "2025-06-01", "to": "2025-01-01"}),
    )
    assert backwards.status_code == 422 and "period" in backwards.json()["error"]["fields"]
    assert await DataRequest.all().count() == 2


async def test_only_the_owning_department_answers_and_refusals_need_a_reason(client):
    p, s, owner_dept, owner, outsider = await _world()
    resource = await _resource(owner_dept, "conditional")
    created = await client.post(
        "/api/data-requests", headers=p.lead_actor.headers, json=_body(resource, scenario_id=s.id)
    )
    rid = created.json()["id"]
    # the requester and the operator cannot answer; a stranger does not even see it
    assert (
        await client.post(f"/api/data-requests/{rid}/approve", headers=p.lead_actor.headers, json={})
    ).status_code == 403
    operator = await factories.actor("operator")
    assert (
        await client.post(f"/api/data-requests/{rid}/approve", headers=operator.headers, json={})
    ).status_code == 403
    assert (
        await client.post(f"/api/data-requests/{rid}/approve", headers=outsider.headers, json={})
    ).status_code == 404
    no_reason = await client.post(f"/api/data-requests/{rid}/refuse", headers=owner.headers, json={"reason": "  "})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    assert (await DataRequest.get(id=rid)).status == DataRequestStatus.PENDING
    refused = await client.post(
        f"/api/data-requests/{rid}/refuse",
        headers=owner.headers,
        json={"reason": "申请字段超出场景所需，请缩小范围后重新申请"},
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert refused.json()["refusal_reason"] == "申请字段超出场景所需，请缩小范围后重新申请"
    again = await client.post(f"/api/data-requests/{rid}/approve", headers=owner.headers, json={})
    assert again.status_code == 409
    audit = await AuditRecord.filter(object_kind="data_request", object_id=rid).values_list("action", "reason")
    assert ("data_request.refuse", "申请字段超出场景所需，请缩小范围后重新申请") in audit
    told = await Notification.filter(user_id=p.partner_actor.user.id).values_list("message", flat=True)
    assert any("未同意" in m for m in told)


async def test_each_side_lists_what_it_may_see_with_due_on(client):
    p, s, owner_dept, owner, outsider = await _world()
    resource = await _resource(owner_dept, "conditional")
    await client.post("/api/data-requests", headers=p.lead_actor.headers, json=_body(resource, scenario_id=s.id))
    for actor, expected in ((p.lead_actor, 1), (p.partner_actor, 0), (owner, 1), (outsider, 0)):
        listed = await client.get("/api/data-requests", headers=actor.headers)
        assert listed.status_code == 200
        items = listed.json()["items"]
        assert len(items) == expected, actor.user.email
        assert all(i["due_on"] for i in items)
    assert (await client.get("/api/data-requests")).status_code == 401
    incoming = await client.get("/api/data-requests?side=incoming", headers=owner.headers)
    assert [i["resource"]["name"] for i in incoming.json()["items"]] == ["路口车流量统计"]


async def test_reminder_at_three_working_days_left_and_escalation_when_overdue(db):
    p, s, owner_dept, owner, _ = await _world()
    operator = await factories.user("operator")
    resource = await _resource(owner_dept, "conditional")
    body = DataRequestIn.model_validate(_body(resource, scenario_id=s.id))
    request = await requests.request_data(p.lead_actor.user, body, today=date(2025, 9, 26))  # due 2025-10-16

    assert await deadlines.sweep(date(2025, 10, 10)) == deadlines.SweepResult([], [])  # 5 working days left
    assert await deadlines.sweep(date(2025, 10, 14)) == deadlines.SweepResult([request.id], [])  # 3 left
    assert await deadlines.sweep(date(2025, 10, 15)) == deadlines.SweepResult([], [])  # reminded once only
    reminders = await Notification.filter(user_id=owner.user.id, kind="data_request_due").values_list(
        "message", flat=True
    )
    assert len(reminders) == 1 and "还剩 3 个工作日" in reminders[0]

    assert await deadlines.sweep(date(2025, 10, 16)) == deadlines.SweepResult([], [])  # due today: not overdue yet
    assert await deadlines.sweep(date(2025, 10, 17)) == deadlines.SweepResult([], [request.id])
    assert await deadlines.sweep(date(2025, 10, 20)) == deadlines.SweepResult([], [])
    assert await Notification.filter(user_id=operator.id, kind="data_request_overdue").count() == 1
    actions = await AuditRecord.filter(object_kind="data_request", object_id=request.id).values_list(
        "action", flat=True
    )
    assert list(actions) == ["data_request.create", "data_request.remind", "data_request.escalate"]

    # answered requests are left alone; the late answer counts as not on time
    late = await requests.approve(owner.user, request.id, AnswerIn(), today=date(2025, 10, 20))
    assert late.status == DataRequestStatus.GRANTED
    other = await requests.request_data(p.lead_actor.user, body, today=date(2025, 10, 20))
    await requests.refuse(
        owner.user, other.id, RefusalIn(reason="数据正在治理，暂不具备共享条件"), today=date(2025, 10, 21)
    )
    report = await reports.answer_times(date(2025, 11, 1))
    assert report == [
        {
            "department": "成都市交通运输局",
            "department_id": owner.user.organisation_id,
            "answered": 2,
            "on_time": 1,
            "pending": 0,
            "overdue": 0,
            "mean_working_days": 6.5,
            "median_working_days": 6.5,
            "on_time_share": 0.5,
        }
    ]  # 12 and 1 days


async def test_working_days_endpoint_and_its_bad_inputs(client):
    response = await client.get("/api/working-days?from=2025-09-26&days=10")
    assert response.status_code == 200
    assert response.json() == {"date": "2025-10-16", "calendar_provisional": False}
    for qs in (
        "from=2025-13-01&days=10",
        "from=2025-09-26&days=-1",
        "from=2025-09-26&days=100000",
        "days=10",
        "from=2025-09-26",
        "from=2025-09-26&days=ten",
        "from=&days=1",
    ):
        bad = await client.get(f"/api/working-days?{qs}")
        assert bad.status_code == 422, qs
        assert set(bad.json()["error"]) == {"code", "message", "fields"} and bad.json()["error"]["fields"], qs


async def test_approving_needs_no_body_but_a_broken_body_is_a_400(client):
    p, s, owner_dept, owner, _ = await _world()
    resource = await _resource(owner_dept, "conditional")
    created = await client.post(
        "/api/data-requests", headers=p.lead_actor.headers, json=_body(resource, scenario_id=s.id)
    )
    rid = created.json()["id"]
    broken = await client.post(f"/api/data-requests/{rid}/approve", headers=owner.headers, content=b"{not json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "malformed_json"
    stale = await client.post(f"/api/data-requests/{rid}/approve", headers=owner.headers, json={"version": 7})
    assert stale.status_code == 409
    approved = await client.post(f"/api/data-requests/{rid}/approve", headers=owner.headers)
    assert approved.status_code == 200 and approved.json()["status"] == "granted"
    assert approved.json()["answered_on_time"] is True and approved.json()["may_answer"] is False
