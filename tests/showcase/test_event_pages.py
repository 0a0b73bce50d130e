"""Event pages: the public list and event page, registering through the form (refusals in Chinese
next to the fields), the operator creating, scheduling and checking in, participants confirming
and declining their meetings — all through the real session and CSRF token."""

from __future__ import annotations

import datetime as dt

import httpx

from pipeline.models import Event, EventRegistration, Meeting
from tests import factories
from tests.showcase.conftest import sign_in

SOON = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0) + dt.timedelta(days=5)
LOCAL = SOON.astimezone(dt.timezone(dt.timedelta(hours=8)))


async def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_operator_creates_schedules_and_checks_in_and_participants_answer(app, db):
    operator = await factories.user("operator")
    dept_org = await factories.organisation("department")
    await factories.demand(dept_org)
    dept = await factories.user("department_member", dept_org)
    supps = []
    for _ in range(2):
        org = await factories.organisation("enterprise")
        await factories.profile(org)
        supps.append(await factories.user("supplier_member", org))

    async with await _client(app) as client:
        token = await sign_in(client, operator)
        refused = await client.post(
            "/workspace/events",
            data={
                "csrf": token,
                "title": "",
                "kind": "matchmaking",
                "starts_at": LOCAL.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": LOCAL.strftime("%Y-%m-%dT%H:%M"),
                "place": "路演厅<script>",
                "domains": ["消防"],
            },
        )
        assert refused.status_code == 422
        assert "活动名称</a>：不能为空" in refused.text and "路演厅&lt;script&gt;" in refused.text
        created = await client.post(
            "/workspace/events",
            data={
                "csrf": token,
                "title": "消防安全专场对接会",
                "kind": "matchmaking",
                "starts_at": LOCAL.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (LOCAL + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                "place": "实验室洽谈厅",
                "slot_minutes": "20",
                "tables": "2",
                "capacity": "10",
                "max_wishes": "1",
                "domains": ["消防"],
            },
        )
        assert created.status_code == 303, created.text
        event = await Event.get(title="消防安全专场对接会")
        assert event.starts_at == SOON and event.domains == ["消防"]
        assert created.headers["location"] == f"/workspace/events/{event.id}"

    for member in [dept, *supps]:
        async with await _client(app) as client:
            token = await sign_in(client, member)
            page = await client.get(f"/events/{event.id}")
            assert "报名参加" in page.text
            data = {"csrf": token, "note": "带两位技术负责人"}
            if member is dept:
                too_many = await client.post(
                    f"/events/{event.id}/registrations",
                    data={**data, "wishes": [str(supps[0].organisation_id), str(supps[1].organisation_id)]},
                )
                assert too_many.status_code == 422 and "最多点名1个单位" in too_many.text
                assert await EventRegistration.all().count() == 0
            ok = await client.post(f"/events/{event.id}/registrations", data=data)
            assert ok.status_code == 303
    assert await EventRegistration.filter(event_id=event.id).count() == 3

    async with await _client(app) as client:
        token = await sign_in(client, operator)
        scheduled = await client.post(f"/workspace/events/{event.id}/schedule", data={"csrf": token})
        assert scheduled.status_code == 303
        desk = await client.get(f"/workspace/events/{event.id}")
        assert "已排定 2 场洽谈" in desk.text and "每个单位至少一场" in desk.text
        assert "洽谈安排（2 场）" in desk.text
        reg = await EventRegistration.get(event_id=event.id, organisation_id=dept.organisation_id)
        checked = await client.post(
            f"/workspace/events/{event.id}/registrations/{reg.id}/checkin", data={"csrf": token}
        )
        assert checked.status_code == 303
        assert (await EventRegistration.get(id=reg.id)).checked_in_at is not None
        assert "已签到" in (await client.get(f"/workspace/events/{event.id}")).text
        assert (await client.post(f"/workspace/events/{event.id}/schedule", data={})).status_code == 403

    meetings = await Meeting.filter(event_id=event.id).order_by("starts_at")
    async with await _client(app) as client:
        token = await sign_in(client, dept)
        page = await client.get(f"/events/{event.id}")
        assert "本单位的洽谈安排" in page.text and "下载日程（iCalendar）" in page.text
        assert page.text.count("确认参加") == 2
        await client.post(f"/events/{event.id}/meetings/{meetings[0].id}/confirm", data={"csrf": token})
        declined = await client.post(
            f"/events/{event.id}/meetings/{meetings[1].id}/decline", data={"csrf": token, "reason": "人员出差"}
        )
        assert declined.status_code == 303
        page = await client.get(f"/events/{event.id}")
        assert "已谢绝洽谈，对方会收到通知" in page.text and "谢绝原因：人员出差" in page.text
        again = await client.post(
            f"/events/{event.id}/meetings/{meetings[1].id}/confirm", data={"csrf": token}, follow_redirects=True
        )
        assert "您已谢绝该洽谈，不能再更改" in again.text
        assert (await client.get(f"/api/events/{event.id}/meetings.ics")).status_code == 200
    assert (await Meeting.get(id=meetings[0].id)).department_answer == "confirmed"


async def test_visitors_see_upcoming_and_past_events_but_no_meetings(app, db):
    past_start = SOON - dt.timedelta(days=30)
    past = await Event.create(
        title="往期供需对接会",
        kind="matchmaking",
        starts_at=past_start,
        ends_at=past_start + dt.timedelta(hours=2),
        place="路演厅",
        tables=2,
    )
    soon = await Event.create(
        title="城市治理专场",
        kind="matchmaking",
        starts_at=SOON,
        ends_at=SOON + dt.timedelta(hours=2),
        place="洽谈厅",
        tables=2,
    )
    dept_org, supp_org = await factories.organisation("department"), await factories.organisation("enterprise")
    await Meeting.create(
        event=past,
        department=dept_org,
        supplier=supp_org,
        starts_at=past_start,
        ends_at=past_start + dt.timedelta(minutes=20),
        table=1,
        score=0.8,
        reasons=["领域相同：消防"],
    )
    async with await _client(app) as client:
        listing = await client.get("/events")
        assert listing.status_code == 200
        html = listing.text
        assert (
            html.index("即将举行") < html.index("城市治理专场") < html.index("往期活动") < html.index("往期供需对接会")
        )
        page = await client.get(f"/events/{past.id}")
        assert page.status_code == 200 and dept_org.name not in page.text and "领域相同" not in page.text
        assert "登录</a>后报名" in (await client.get(f"/events/{soon.id}")).text
        assert (await client.get("/events/987654")).status_code == 404
        assert (await client.get("/workspace/events")).status_code == 303
        member = await factories.user("department_member")
        await sign_in(client, member)
        assert (await client.get("/workspace/events")).status_code == 403
