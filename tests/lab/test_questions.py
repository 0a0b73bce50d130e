"""Public Q&A on demands: who may ask and answer, who sees the asker, the deadline, moderation."""

from datetime import timedelta

from tortoise.timezone import now

from lab.conversation_models import Notification, Question
from lab.models import Demand
from tests import factories


async def _setup():
    dept_org = await factories.organisation("department")
    department = await factories.actor("department_member", dept_org)
    demand = await factories.demand(dept_org)
    supplier = await factories.actor("supplier_member")
    other = await factories.actor("supplier_member")
    operator = await factories.actor("operator")
    return demand, department, supplier, other, operator


async def test_asker_is_anonymous_to_the_department_and_visitors(client):
    demand, department, supplier, other, operator = await _setup()
    asked = await client.post(
        f"/api/demands/{demand.id}/questions", json={"text": "数据接口是否开放？"}, headers=supplier.headers
    )
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert body["text"] == "数据接口是否开放？" and body["status"] == "open"
    qid = body["id"]
    # open questions: the department sees them (to answer), visitors and other suppliers do not
    dept_view = (await client.get(f"/api/demands/{demand.id}/questions", headers=department.headers)).json()
    assert [q["id"] for q in dept_view["items"]] == [qid] and "asker" not in dept_view["items"][0]
    assert (await client.get(f"/api/demands/{demand.id}/questions")).json() == {"items": []}
    assert (await client.get(f"/api/demands/{demand.id}/questions", headers=other.headers)).json() == {"items": []}
    assert await Notification.filter(user_id=department.user.id, kind="question_asked").count() == 1

    answered = await client.post(
        f"/api/questions/{qid}/answer", json={"answer": "开放只读接口。"}, headers=department.headers
    )
    assert answered.status_code == 200, answered.text
    for headers in ({}, department.headers, other.headers):
        items = (await client.get(f"/api/demands/{demand.id}/questions", headers=headers)).json()["items"]
        assert [(q["id"], q["answer"]) for q in items] == [(qid, "开放只读接口。")]
        text = str(items)
        assert "asker" not in items[0] and supplier.user.email not in text and supplier.user.display_name not in text
    for who in (supplier, operator):
        item = (await client.get(f"/api/demands/{demand.id}/questions", headers=who.headers)).json()["items"][0]
        assert item["asker"]["email"] == supplier.user.email
        assert item["asker"]["organisation_id"] == supplier.user.organisation_id
    assert (
        await Notification.filter(
            user_id=supplier.user.id, kind="question_answered", object_kind="demand", object_id=demand.id
        ).count()
        == 1
    )


async def test_answering_notifies_proposers_and_followers_not_the_answerer(client):
    demand, _department, supplier, other, operator = await _setup()
    proposer = await factories.actor("supplier_member")
    follower = await factories.actor("supplier_member")
    made = await client.post(
        "/api/proposals",
        headers=proposer.headers,
        json={"demand_id": demand.id, "approach": "方案", "cost_wan": 10, "duration_weeks": 4},
    )
    assert made.status_code == 201
    assert (
        await client.post("/api/follows", json={"object": f"demand:{demand.id}"}, headers=follower.headers)
    ).status_code == 201
    qid = (
        await client.post(f"/api/demands/{demand.id}/questions", json={"text": "工期？"}, headers=supplier.headers)
    ).json()["id"]
    assert (
        await client.post(f"/api/questions/{qid}/answer", json={"answer": "三个月"}, headers=operator.headers)
    ).status_code == 200
    for who in (supplier, proposer, follower):
        assert await Notification.filter(user_id=who.user.id, kind="question_answered").count() == 1
    assert await Notification.filter(user_id=operator.user.id, kind="question_answered").count() == 0
    assert await Notification.filter(user_id=other.user.id).count() == 0


async def test_only_suppliers_ask_and_only_the_department_or_operator_answers(client):
    demand, department, supplier, other, _operator = await _setup()
    url = f"/api/demands/{demand.id}/questions"
    assert (await client.post(url, json={"text": "问题"})).status_code == 401
    assert (await client.post(url, json={"text": "问题"}, headers=department.headers)).status_code == 403
    assert (await client.post(url, json={"text": "   "}, headers=supplier.headers)).status_code == 422
    assert (await client.post(url, json={}, headers=supplier.headers)).status_code == 422
    qid = (await client.post(url, json={"text": "问题"}, headers=supplier.headers)).json()["id"]
    stranger_dept = await factories.actor("department_member")
    for who in (other, stranger_dept, supplier):
        r = await client.post(f"/api/questions/{qid}/answer", json={"answer": "答"}, headers=who.headers)
        assert r.status_code in (403, 404), r.text
    assert (
        await client.post(f"/api/questions/{qid}/answer", json={"answer": " "}, headers=department.headers)
    ).status_code == 422
    assert (await Question.get(id=qid)).status == "open"
    draft = await factories.demand(department.user.organisation, status="draft")
    assert (
        await client.post(f"/api/demands/{draft.id}/questions", json={"text": "问题"}, headers=supplier.headers)
    ).status_code == 404
    assert (await client.get(f"/api/demands/{draft.id}/questions")).status_code == 404


async def test_questions_after_the_deadline_are_refused(client):
    demand, department, supplier, other, _operator = await _setup()
    later = (now() + timedelta(days=2)).replace(microsecond=0)
    set_close = await client.patch(
        f"/api/demands/{demand.id}",
        headers=department.headers,
        json={"version": demand.version, "questions_close_at": later.isoformat()},
    )
    assert set_close.status_code == 200, set_close.text
    assert set_close.json()["questions_close_at"] is not None
    url = f"/api/demands/{demand.id}/questions"
    assert (await client.post(url, json={"text": "截止前"}, headers=supplier.headers)).status_code == 201
    await Demand.filter(id=demand.id).update(questions_close_at=now() - timedelta(minutes=1))
    late = await client.post(url, json={"text": "截止后"}, headers=other.headers)
    assert late.status_code == 422
    assert late.json()["error"]["code"] == "questions_closed"
    assert await Question.filter(demand_id=demand.id).count() == 1


async def test_operator_hides_an_abusive_question_with_a_reason(client):
    demand, department, supplier, _other, operator = await _setup()
    qid = (
        await client.post(f"/api/demands/{demand.id}/questions", json={"text": "广告内容"}, headers=supplier.headers)
    ).json()["id"]
    assert (
        await client.post(f"/api/questions/{qid}/hide", json={"reason": "广告"}, headers=department.headers)
    ).status_code == 403
    assert (
        await client.post(f"/api/questions/{qid}/hide", json={"reason": ""}, headers=operator.headers)
    ).status_code == 422
    hidden = await client.post(
        f"/api/questions/{qid}/hide", json={"reason": "广告与需求无关"}, headers=operator.headers
    )
    assert hidden.status_code == 200 and hidden.json()["status"] == "hidden"
    assert (await client.get(f"/api/demands/{demand.id}/questions", headers=department.headers)).json() == {"items": []}
    mine = (await client.get(f"/api/demands/{demand.id}/questions", headers=supplier.headers)).json()["items"]
    assert mine[0]["hidden_reason"] == "广告与需求无关"
    assert (
        await client.post(f"/api/questions/{qid}/answer", json={"answer": "答"}, headers=operator.headers)
    ).status_code == 403
    assert await Notification.filter(user_id=supplier.user.id, kind="question_hidden").count() == 1
