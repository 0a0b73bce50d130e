"""Reviewer assignment without conflicts of interest, recusal, scoring, and who sees what of reviews."""

from __future__ import annotations

from lab.models import AuditRecord
from pipeline.models import AssignmentStatus, Notification, ReviewAssignment, Stage
from tests import factories
from tests.pipeline import builders

SCORES = {"创新性": 90, "可行性": 80, "应用成效": 85, "推广价值": 75, "安全合规": 95}


async def _assign(client, operator, s, reviewer):
    return await client.post(
        f"/api/scenarios/{s.id}/reviewers", headers=operator.headers, json={"reviewer_id": reviewer.id}
    )


async def test_assignment_is_refused_when_the_reviewer_belongs_to_the_lead_or_a_partner(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.EVALUATION, p)
    for org in (p.lead, p.partner):
        conflicted = await factories.user("reviewer", org)
        response = await _assign(client, operator, s, conflicted)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "conflict_of_interest" and org.name in error["fields"]["reviewer_id"]
    neutral = await factories.user("reviewer")
    assert (await _assign(client, operator, s, neutral)).status_code == 201
    assert (await _assign(client, operator, s, neutral)).status_code == 409
    assert (
        await client.post(
            f"/api/scenarios/{s.id}/reviewers", headers=p.lead_actor.headers, json={"reviewer_id": neutral.id}
        )
    ).status_code == 403
    not_a_reviewer = await factories.user("supplier_member")
    assert (await _assign(client, operator, s, not_a_reviewer)).status_code == 422
    assert await ReviewAssignment.filter(scenario_id=s.id).count() == 1
    assert await Notification.filter(user_id=neutral.id, kind="review_assigned").count() == 1


async def test_a_reviewer_can_declare_a_conflict_and_recuse(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.EVALUATION, p)
    reviewer = await factories.actor("reviewer")
    await _assign(client, operator, s, reviewer.user)
    empty = await client.post(f"/api/scenarios/{s.id}/recusal", headers=reviewer.headers, json={"reason": ""})
    assert empty.status_code == 422
    response = await client.post(
        f"/api/scenarios/{s.id}/recusal", headers=reviewer.headers, json={"reason": "曾为合作单位提供咨询服务"}
    )
    assert response.status_code == 200 and response.json()["status"] == "recused"
    assert (await ReviewAssignment.get(scenario_id=s.id)).status == AssignmentStatus.RECUSED
    record = await AuditRecord.get(action="review.recuse", object_id=s.id)
    assert record.reason == "曾为合作单位提供咨询服务"
    assert await Notification.filter(user_id=operator.user.id, kind="recusal").count() == 1
    review = await client.post(
        f"/api/scenarios/{s.id}/reviews", headers=reviewer.headers, json={"scores": SCORES, "comment": "好"}
    )
    assert review.status_code == 409
    again = await client.post(f"/api/scenarios/{s.id}/recusal", headers=reviewer.headers, json={"reason": "x"})
    assert again.status_code == 409


async def test_scores_must_follow_the_rubric(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.EVALUATION, p)
    reviewer = await factories.actor("reviewer")
    await _assign(client, operator, s, reviewer.user)
    url = f"/api/scenarios/{s.id}/reviews"
    bad = await client.post(
        url, headers=reviewer.headers, json={"scores": {**SCORES, "创新性": 101, "颜值": 5}, "comment": "意见"}
    )
    fields = bad.json()["error"]["fields"]
    assert bad.status_code == 422 and {"scores.创新性", "scores.颜值"} <= set(fields)
    missing = await client.post(url, headers=reviewer.headers, json={"scores": {"创新性": 80}, "comment": "意见"})
    assert missing.status_code == 422 and "scores.可行性" in missing.json()["error"]["fields"]
    no_comment = await client.post(url, headers=reviewer.headers, json={"scores": SCORES, "comment": ""})
    assert no_comment.status_code == 422 and "comment" in no_comment.json()["error"]["fields"]
    ok = await client.post(url, headers=reviewer.headers, json={"scores": SCORES, "comment": "方案可行"})
    assert ok.status_code == 201 and ok.json()["weighted_score"] == 83.75  # (1800+2000+2125+1500+950)/100
    assert (
        await client.post(url, headers=reviewer.headers, json={"scores": SCORES, "comment": "再交一次"})
    ).status_code == 409


async def test_reviewers_see_only_their_assignments(client, operator):
    p = await builders.parties()
    mine = await builders.scenario(Stage.EVALUATION, p, title="我的评审任务")
    theirs = await builders.scenario(Stage.EVALUATION, p, title="别人的评审任务")
    me, other = await factories.actor("reviewer"), await factories.actor("reviewer")
    await _assign(client, operator, mine, me.user)
    await _assign(client, operator, theirs, other.user)
    listed = (await client.get("/api/scenarios", headers=me.headers)).json()
    assert [item["title"] for item in listed["items"]] == ["我的评审任务"]
    assert (await client.get(f"/api/scenarios/{theirs.id}", headers=me.headers)).status_code == 404
    assert (await client.get(f"/api/scenarios/{theirs.id}/reviews", headers=me.headers)).status_code == 404
    tasks = (await client.get("/api/review-assignments", headers=me.headers)).json()["items"]
    assert [t["scenario"]["id"] for t in tasks] == [mine.id]
    await client.post(f"/api/scenarios/{mine.id}/reviews", headers=me.headers, json={"scores": SCORES, "comment": "甲"})
    await client.post(
        f"/api/scenarios/{mine.id}/reviewers", headers=operator.headers, json={"reviewer_id": other.user.id}
    )
    await client.post(
        f"/api/scenarios/{mine.id}/reviews", headers=other.headers, json={"scores": SCORES, "comment": "乙"}
    )
    view = (await client.get(f"/api/scenarios/{mine.id}/reviews", headers=me.headers)).json()
    assert view["view"] == "reviewer" and view["review"]["comment"] == "甲" and "aggregate" not in view


async def test_reviewer_identities_never_reach_departments_or_suppliers(client, operator):
    p = await builders.parties()
    await builders.edition()
    listed = await builders.scenario(Stage.EVALUATION, p, title="将上架的场景")
    rejected = await builders.scenario(Stage.EVALUATION, p, title="未通过的场景")
    reviewers = []
    for n in range(3):
        r = await factories.actor("reviewer")
        await r.user.filter(id=r.user.id).update(display_name=f"隐名专家{n}号")
        reviewers.append(r)
    for s, low in ((listed, False), (rejected, True)):
        for n, r in enumerate(reviewers):
            await _assign(client, operator, s, r.user)
            scores = {k: (50 if low else 88) for k in SCORES}
            assert (
                await client.post(
                    f"/api/scenarios/{s.id}/reviews",
                    headers=r.headers,
                    json={"scores": scores, "comment": f"第{n}条意见"},
                )
            ).status_code == 201
    # during evaluation the parties see nothing of the reviews
    assert (await client.get(f"/api/scenarios/{listed.id}/reviews", headers=p.lead_actor.headers)).status_code == 403
    moved = await client.post(
        f"/api/scenarios/{listed.id}/transitions",
        headers=operator.headers,
        json={"to": "listing", "version": listed.version},
    )
    assert moved.status_code == 200, moved.text
    refused = await client.post(
        f"/api/scenarios/{rejected.id}/transitions",
        headers=operator.headers,
        json={"to": "rejected", "reason": "应用成效数据不足", "version": rejected.version},
    )
    assert refused.status_code == 200

    secrets = [r.user.display_name for r in reviewers] + [r.user.email for r in reviewers] + ["隐名专家"]
    for party in (p.lead_actor, p.partner_actor):
        texts = []
        for s in (listed, rejected):
            for path in ("", "/history", "/reviews", "/attachments"):
                response = await client.get(f"/api/scenarios/{s.id}{path}", headers=party.headers)
                assert response.status_code == 200, (path, response.text)
                texts.append(response.text)
        for path in (
            "/api/scenarios",
            "/api/notifications",
            "/api/review-assignments",
            "/api/showcase/featured",
            "/api/reserve-lists",
        ):
            texts.append((await client.get(path, headers=party.headers)).text)
        joined = "\n".join(texts)
        assert not any(secret in joined for secret in secrets)
        assert "reviewer_id" not in joined and '"reviewer"' not in joined
        view = (await client.get(f"/api/scenarios/{rejected.id}/reviews", headers=party.headers)).json()
        assert view["view"] == "aggregate" and view["aggregate"]["count"] == 3
        assert sorted(view["aggregate"]["comments"]) == ["第0条意见", "第1条意见", "第2条意见"]
        assert view["decision"] == {"stage": "rejected", "reason": "应用成效数据不足", "at": view["decision"]["at"]}
    assert (await client.get("/api/audit", headers=p.lead_actor.headers)).status_code == 403
    full = (await client.get(f"/api/scenarios/{rejected.id}/reviews", headers=operator.headers)).json()
    assert {r["reviewer"] for r in full["reviews"]} == {f"隐名专家{n}号" for n in range(3)}
