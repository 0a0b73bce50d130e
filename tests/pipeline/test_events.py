"""Events and 1:1 meetings through the JSON API: creating, registering (and its refusals),
scheduling from match scores and wishes, who sees which meetings, confirming and declining, the
calendar file, the check-in sheet and the outcome after a meeting."""

from __future__ import annotations

import datetime as dt
import io

from icalendar import Calendar
from openpyxl import load_workbook

from lab.models import AuditRecord, Proposal
from pipeline.models import Event, Meeting, Notification
from tests import factories

SOON = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0) + dt.timedelta(days=3)


def event_body(**overrides) -> dict:
    body = {
        "title": "2024智慧蓉城供需对接会（第一场）",
        "kind": "matchmaking",
        "starts_at": SOON.isoformat(),
        "ends_at": (SOON + dt.timedelta(hours=2)).isoformat(),
        "place": "成都市大数据中心一楼路演厅",
        "domains": ["消防", "智慧交通"],
        "slot_minutes": 30,
        "tables": 2,
        "capacity": 10,
    }
    body.update(overrides)
    return body


async def create_event(client, operator, **overrides) -> dict:
    response = await client.post("/api/events", headers=operator.headers, json=event_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


class Room:
    """Two departments and three suppliers with members, demands and profiles."""

    async def build(self):
        self.depts = [await factories.organisation("department") for _ in range(2)]
        self.supps = [await factories.organisation(k) for k in ("enterprise", "enterprise", "university")]
        self.dept_actors = [await factories.actor("department_member", o) for o in self.depts]
        self.supp_actors = [await factories.actor("supplier_member", o) for o in self.supps]
        await factories.demand(self.depts[0])
        await factories.demand(
            self.depts[1],
            title="主干道拥堵信号配时优化",
            domain="智慧交通",
            description="早晚高峰主干道拥堵，希望用实时流量优化信号配时。",
        )
        await factories.profile(self.supps[0])
        await factories.profile(
            self.supps[1],
            title="自适应信号控制平台",
            domains=["智慧交通"],
            summary="基于路口检测器和视频的自适应信号配时。",
            keywords=["信号配时"],
        )
        await factories.profile(
            self.supps[2],
            title="城市消防物联网监测",
            domains=["消防"],
            summary="烟感、水压和电气火灾监测。",
            keywords=["消防物联网"],
        )
        return self


async def register_all(client, event_id: int, room: Room, wishes: dict[int, list[int]] | None = None):
    wishes = wishes or {}
    for who in [*room.dept_actors, *room.supp_actors]:
        org = who.user.organisation_id
        response = await client.post(
            f"/api/events/{event_id}/registrations", headers=who.headers, json={"wishes": wishes.get(org, [])}
        )
        assert response.status_code == 201, response.text


async def test_operator_creates_an_event_everyone_lists_it_and_refusals_are_clear(client, operator):
    created = await create_event(client, operator)
    assert created["kind_label"] == "供需对接会" and created["status"] == "upcoming" and created["registered"] == 0
    listed = (await client.get("/api/events?when=upcoming")).json()
    assert [e["id"] for e in listed["items"]] == [created["id"]]
    assert (await client.get("/api/events?when=past")).json()["items"] == []
    department = await factories.actor("department_member")
    refused = await client.post("/api/events", headers=department.headers, json=event_body())
    assert refused.status_code == 403
    assert (await client.post("/api/events", json=event_body())).status_code == 401
    bad = await client.post(
        "/api/events", headers=operator.headers, json=event_body(ends_at=SOON.isoformat(), kind="party", place="")
    )
    assert bad.status_code == 422 and "kind" in bad.json()["error"]["fields"]
    backwards = await client.post("/api/events", headers=operator.headers, json=event_body(ends_at=SOON.isoformat()))
    assert backwards.status_code == 422 and backwards.json()["error"]["fields"] == {"ends_at": "结束时间应晚于开始时间"}
    nowhere = await client.post("/api/events", headers=operator.headers, json=event_body(place=""))
    assert nowhere.json()["error"]["fields"] == {"place": "请填写地点或线上链接"}
    online = await create_event(
        client, operator, place="", online_url="https://meeting.example.cn/abc", kind="training"
    )
    assert online["online_url"] == "https://meeting.example.cn/abc"
    assert await Event.all().count() == 2
    assert await AuditRecord.filter(action="event.create").count() == 2


async def test_registration_refusals_are_clear_errors_and_change_nothing(client, operator):
    room = await Room().build()
    event = await create_event(client, operator, capacity=3, max_wishes=1)
    url = f"/api/events/{event['id']}/registrations"
    dept = room.dept_actors[0]
    supplier_ids = [o.id for o in room.supps]
    too_many = await client.post(url, headers=dept.headers, json={"wishes": supplier_ids[:2]})
    assert too_many.status_code == 422 and too_many.json()["error"]["fields"] == {"wishes": "最多点名1个单位"}
    same_side = await client.post(url, headers=dept.headers, json={"wishes": [room.depts[1].id]})
    assert "只能点名供给方" in same_side.json()["error"]["fields"]["wishes"]
    outside = await client.post(
        url,
        headers=dept.headers,
        json={"available": [{"from": (SOON - dt.timedelta(hours=1)).isoformat(), "to": SOON.isoformat()}]},
    )
    assert outside.json()["error"]["fields"] == {"available": "可参会时段应在活动时间之内"}
    too_short = await client.post(
        url,
        headers=dept.headers,
        json={"available": [{"from": SOON.isoformat(), "to": (SOON + dt.timedelta(minutes=20)).isoformat()}]},
    )
    assert "至少要覆盖一个完整" in too_short.json()["error"]["fields"]["available"]
    other_org = await client.post(url, headers=dept.headers, json={"organisation_id": room.depts[1].id})
    assert other_org.status_code == 403
    reviewer = await factories.actor("reviewer")
    assert (await client.post(url, headers=reviewer.headers, json={})).status_code == 403
    assert (await client.post(url, json={})).status_code == 401
    assert (await client.post("/api/events/999999/registrations", headers=dept.headers, json={})).status_code == 404
    assert await AuditRecord.filter(action="event.register").count() == 0
    ok = await client.post(
        url,
        headers=dept.headers,
        json={
            "wishes": [supplier_ids[0]],
            "available": [{"from": SOON.isoformat(), "to": (SOON + dt.timedelta(hours=1)).isoformat()}],
        },
    )
    assert ok.status_code == 201 and ok.json()["side"] == "department"
    beijing = SOON.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert ok.json()["hours"] == f"{beijing:%H:%M}–{beijing + dt.timedelta(hours=1):%H:%M}"
    again = await client.post(url, headers=dept.headers, json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_registered"
    # operators register any organisation by naming it
    by_operator = await client.post(url, headers=operator.headers, json={"organisation_id": room.supps[0].id})
    assert by_operator.status_code == 201 and by_operator.json()["side"] == "supplier"
    assert (await client.post(url, headers=room.supp_actors[1].headers, json={})).status_code == 201
    full = await client.post(url, headers=room.supp_actors[2].headers, json={})
    assert full.status_code == 409 and full.json()["error"]["code"] == "event_full"
    mine = (await client.get(url, headers=dept.headers)).json()["items"]
    assert [r["organisation_id"] for r in mine] == [room.depts[0].id]
    assert len((await client.get(url, headers=operator.headers)).json()["items"]) == 3
    assert await AuditRecord.filter(action="event.register").count() == 3


async def test_schedule_builds_meetings_only_parties_see_them_and_everyone_meets(client, operator):
    room = await Room().build()
    event = await create_event(client, operator)
    eid = event["id"]
    d0 = room.depts[0]
    s1, s2 = room.supps[1:]
    await register_all(client, eid, room, wishes={d0.id: [s2.id], s2.id: [d0.id]})
    assert (await client.post(f"/api/events/{eid}/schedule", headers=room.dept_actors[0].headers)).status_code == 403
    plan = await client.post(f"/api/events/{eid}/schedule", headers=operator.headers, json={"seconds": 3})
    assert plan.status_code == 200, plan.text
    assert plan.json()["organisations_without_meeting"] == []
    assert 0 < plan.json()["total_score"] <= plan.json()["upper_bound"]

    everything = (await client.get(f"/api/events/{eid}/meetings", headers=operator.headers)).json()["items"]
    assert {"department_organisation_id", "supplier_organisation_id", "starts_at", "table", "score", "reasons"} <= set(
        everything[0]
    )
    pairs = {(m["department_organisation_id"], m["supplier_organisation_id"]) for m in everything}
    assert len(pairs) == len(everything)  # never the same pair twice
    slots = {}
    for m in everything:
        for org in (m["department_organisation_id"], m["supplier_organisation_id"]):
            assert (org, m["starts_at"]) not in slots, "an organisation in two meetings at once"
            slots[(org, m["starts_at"])] = m["id"]
        assert 1 <= m["table"] <= 2
    wished = next(
        m for m in everything if (m["department_organisation_id"], m["supplier_organisation_id"]) == (d0.id, s2.id)
    )
    assert wished["reasons"][0] == "双方互相点名希望会面" and any("领域相同：消防" in r for r in wished["reasons"])

    mine = (await client.get(f"/api/events/{eid}/meetings", headers=room.supp_actors[1].headers)).json()["items"]
    assert mine and all(s1.id == m["supplier_organisation_id"] for m in mine)
    outsider = await factories.actor("supplier_member")
    assert (await client.get(f"/api/events/{eid}/meetings", headers=outsider.headers)).json()["items"] == []
    assert (await client.get(f"/api/events/{eid}/meetings")).status_code == 401
    other = next(m for m in everything if s1.id != m["supplier_organisation_id"])
    peek = await client.post(f"/api/events/{eid}/meetings/{other['id']}/confirm", headers=room.supp_actors[1].headers)
    assert peek.status_code == 404  # not a party: the meeting does not exist for it
    told = await Notification.filter(user_id=room.supp_actors[2].user.id, kind="meeting_scheduled").count()
    assert told == 1
    assert await AuditRecord.filter(action="event.schedule", object_id=eid).count() == 1
    trail = (await client.get(f"/api/audit?object=event:{eid}", headers=operator.headers)).json()["items"]
    assert {"event.create", "event.register", "event.schedule"} <= {r["action"] for r in trail}


async def test_confirm_decline_calendar_and_checkin_sheet(client, operator):
    room = await Room().build()
    event = await create_event(client, operator)
    eid = event["id"]
    await register_all(client, eid, room)
    await client.post(f"/api/events/{eid}/schedule", headers=operator.headers)
    dept = room.dept_actors[0]
    meetings = (await client.get(f"/api/events/{eid}/meetings", headers=dept.headers)).json()["items"]
    first, second = meetings[0], meetings[1]
    supplier = next(a for a in room.supp_actors if a.user.organisation_id == first["supplier_organisation_id"])
    base = f"/api/events/{eid}/meetings"
    assert (await client.post(f"{base}/{first['id']}/confirm", headers=operator.headers)).status_code == 403
    confirmed = (await client.post(f"{base}/{first['id']}/confirm", headers=dept.headers)).json()
    assert confirmed["department_answer"] == "confirmed" and confirmed["status"] == "pending"
    both = (await client.post(f"{base}/{first['id']}/confirm", headers=supplier.headers)).json()
    assert both["status"] == "confirmed"
    declined = await client.post(f"{base}/{second['id']}/decline", headers=dept.headers, json={"reason": "时间冲突"})
    assert declined.json()["status"] == "declined" and declined.json()["decline_reason"] == "时间冲突"
    again = await client.post(f"{base}/{second['id']}/confirm", headers=dept.headers)
    assert again.status_code == 409 and again.json()["error"]["message"] == "您已谢绝该洽谈，不能再更改"
    other_side = next(a for a in room.supp_actors if a.user.organisation_id == second["supplier_organisation_id"])
    refused = await client.post(f"{base}/{second['id']}/confirm", headers=other_side.headers)
    assert refused.status_code == 409 and "对方已谢绝" in refused.json()["error"]["message"]
    assert (await client.post(f"{base}/999999/confirm", headers=dept.headers)).status_code == 404
    assert await AuditRecord.filter(object_kind="meeting").count() == 3
    note = await Notification.filter(user_id=other_side.user.id, kind="meeting_declined").first()
    assert note is not None and "时间冲突" in note.message

    ics = await client.get(f"/api/events/{eid}/meetings.ics", headers=dept.headers)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    items = [c for c in calendar.walk("VEVENT")]
    assert len(items) == len(meetings) - 1  # the declined one is left out
    starts = sorted(c.decoded("dtstart") for c in items)
    assert starts[0] == dt.datetime.fromisoformat(first["starts_at"])
    assert any(str(c.get("status")) == "CONFIRMED" for c in items)
    assert "第" in str(items[0].get("location"))
    other_org = await client.get(
        f"/api/events/{eid}/meetings.ics?organisation_id={room.supps[0].id}", headers=dept.headers
    )
    assert other_org.status_code == 403
    by_operator = await client.get(
        f"/api/events/{eid}/meetings.ics?organisation_id={room.supps[0].id}", headers=operator.headers
    )
    assert by_operator.status_code == 200 and Calendar.from_ical(by_operator.content).walk("VEVENT")

    registrations = (await client.get(f"/api/events/{eid}/registrations", headers=operator.headers)).json()["items"]
    checkin = await client.post(
        f"/api/events/{eid}/registrations/{registrations[0]['id']}/checkin", headers=operator.headers
    )
    assert checkin.status_code == 200 and checkin.json()["checked_in"]
    twice = await client.post(
        f"/api/events/{eid}/registrations/{registrations[0]['id']}/checkin", headers=operator.headers
    )
    assert twice.status_code == 409
    assert (await client.get(f"/api/events/{eid}/checkin.xlsx", headers=dept.headers)).status_code == 403
    sheet = await client.get(f"/api/events/{eid}/checkin.xlsx", headers=operator.headers)
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "单位", "类型", "洽谈场次")
    assert len(rows) == 1 + 5
    assert sum(1 for r in rows[1:] if r[6] == "是") == 1
    all_meetings = (await client.get(f"/api/events/{eid}/meetings", headers=operator.headers)).json()["items"]
    assert sum(r[3] for r in rows[1:]) == 2 * (len(all_meetings) - 1)  # each side counts each kept meeting


async def test_outcome_after_the_meeting_links_a_proposal_of_the_two_parties(client, operator):
    room = await Room().build()
    event = await create_event(client, operator)
    eid = event["id"]
    await register_all(client, eid, room)
    await client.post(f"/api/events/{eid}/schedule", headers=operator.headers)
    dept = room.dept_actors[0]
    meeting = (await client.get(f"/api/events/{eid}/meetings", headers=dept.headers)).json()["items"][0]
    url = f"/api/events/{eid}/meetings/{meeting['id']}/outcome"
    early = await client.post(url, headers=dept.headers, json={"outcome": "intent"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "meeting_not_started"
    # the event took place: move it (and its meetings) into the past
    shift = dt.timedelta(days=10)
    for m in await Meeting.filter(event_id=eid):
        await Meeting.filter(id=m.id).update(starts_at=m.starts_at - shift, ends_at=m.ends_at - shift)
    await Event.filter(id=eid).update(starts_at=SOON - shift, ends_at=SOON - shift + dt.timedelta(hours=2))
    demand = await factories.demand(await factories.organisation("department"))
    stranger = await Proposal.create(
        demand=demand,
        organisation_id=meeting["supplier_organisation_id"],
        approach="方案",
        cost_wan=10,
        duration_weeks=4,
    )
    wrong = await client.post(url, headers=dept.headers, json={"outcome": "intent", "proposal_id": stranger.id})
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"] == {"proposal_id": "该方案不属于本场洽谈的双方"}
    own_demand = await factories.demand(room.depts[0], title="社区消防通道占用识别")
    proposal = await Proposal.create(
        demand=own_demand,
        organisation_id=meeting["supplier_organisation_id"],
        approach="视频识别占道并推送物业",
        cost_wan=30,
        duration_weeks=8,
    )
    recorded = await client.post(
        url, headers=dept.headers, json={"outcome": "intent", "note": "约定下月现场踏勘", "proposal_id": proposal.id}
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["outcome_label"] == "达成合作意向" and recorded.json()["proposal_id"] == proposal.id
    bad = await client.post(url, headers=dept.headers, json={"outcome": "maybe"})
    assert bad.status_code == 422
    outsider = await factories.actor("department_member")
    assert (await client.post(url, headers=outsider.headers, json={"outcome": "none"})).status_code == 404
    late = await client.post(f"/api/events/{eid}/registrations", headers=outsider.headers, json={})
    assert late.status_code == 409 and late.json()["error"]["code"] == "registration_closed"
    resched = await client.post(f"/api/events/{eid}/schedule", headers=operator.headers)
    assert resched.status_code == 409
    past = (await client.get("/api/events?when=past")).json()["items"]
    assert [e["id"] for e in past] == [eid] and past[0]["status_label"] == "已结束"
    audit = await AuditRecord.filter(action="meeting.outcome").first()
    assert audit.after == {"outcome": "intent", "proposal_id": proposal.id}


async def test_training_events_take_registrations_but_no_wishes_or_schedule(client, operator):
    room = await Room().build()
    event = await create_event(client, operator, kind="training", title="数据要素应用培训")
    url = f"/api/events/{event['id']}/registrations"
    wishes = await client.post(url, headers=room.dept_actors[0].headers, json={"wishes": [room.supps[0].id]})
    assert wishes.json()["error"]["fields"] == {"wishes": "只有供需对接会可以点名洽谈对象"}
    assert (await client.post(url, headers=room.dept_actors[0].headers, json={})).status_code == 201
    refused = await client.post(f"/api/events/{event['id']}/schedule", headers=operator.headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_matchmaking"


async def test_odd_input_gets_clear_errors_never_a_server_error(client, operator):
    room = await Room().build()
    event = await create_event(client, operator)
    eid = event["id"]
    dept = room.dept_actors[0]
    huge = 2**40
    for method, url, body in (
        ("GET", f"/api/events/{huge}", None),
        ("GET", f"/api/events/{eid}/meetings.ics?organisation_id={huge}", None),
        ("POST", f"/api/events/{huge}/registrations", {}),
        ("POST", f"/api/events/{eid}/registrations", {"wishes": [huge]}),
        ("POST", f"/api/events/{eid}/registrations", {"wishes": "all"}),
        ("POST", f"/api/events/{eid}/registrations", {"available": [{"from": "明天", "to": 3}]}),
        ("POST", f"/api/events/{eid}/registrations", [1, 2]),
        ("POST", f"/api/events/{eid}/meetings/{huge}/outcome", {"outcome": "intent"}),
        ("POST", f"/api/events/{eid}/schedule", {"seconds": "fast"}),
        ("GET", "/api/events?when=tomorrow&limit=-1", None),
    ):
        response = await client.request(
            method, url, headers=operator.headers if "schedule" in url else dept.headers, json=body
        )
        assert 400 <= response.status_code < 500, (url, body, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] and error["message"], (url, body)
    malformed = await client.post(
        f"/api/events/{eid}/registrations",
        content=b"{wishes",
        headers={**dept.headers, "content-type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
    script = await client.post(
        "/api/events",
        headers=operator.headers,
        json=event_body(title="<script>alert(1)</script>对接会", online_url="javascript:alert(1)"),
    )
    assert script.status_code == 422 and "online_url" in script.json()["error"]["fields"]
    assert await AuditRecord.filter(action="event.register").count() == 0
