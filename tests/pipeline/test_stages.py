"""The transition table, walked pair by pair and role by role, and each guard refusing and passing."""

from __future__ import annotations

import itertools

import pytest

from lab.models import OutboxEvent
from pipeline import stages
from lab.models import AuditRecord
from pipeline.models import ReviewAssignment, Scenario, Stage
from pipeline.stages import TRANSITIONS, Facts
from tests import factories
from tests.pipeline import builders

ROLES = ("operator", "lead", "partner", "reviewer", "other_department", "other_supplier", "visitor")
PAIRS = list(itertools.product(Stage, Stage))


async def _headers(role: str, p: builders.Parties, s: Scenario) -> dict[str, str]:
    if role == "visitor":
        return {}
    if role == "lead":
        return p.lead_actor.headers
    if role == "partner":
        return p.partner_actor.headers
    if role == "reviewer":
        a = await factories.actor("reviewer")
        await ReviewAssignment.create(scenario=s, reviewer=a.user)
        return a.headers
    kind = {"operator": "operator", "other_department": "department_member", "other_supplier": "supplier_member"}[role]
    return (await factories.actor(kind)).headers


def expected_status(source: Stage, target: Stage, role: str) -> int:
    if role == "visitor":
        return 401
    relation = role if role in ("operator", "lead", "partner", "reviewer") else None
    visible = relation is not None or source in stages.PUBLIC_STAGES
    if not visible:
        return 404
    rule = TRANSITIONS.get((source, target))
    if rule is None:
        return 409
    return 200 if relation in rule.roles else 403


@pytest.mark.parametrize("source,target", PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
async def test_transition_allowed_exactly_when_the_table_says_so(client, source, target):
    """Every role tries source → target on a scenario whose guards all pass; a fresh scenario is built
    after each successful move."""
    p = await builders.parties()
    edition = await builders.edition()
    reviewers = [await factories.user("reviewer") for _ in range(3)]
    s = await builders.ready(source, p, edition, reviewers)
    mismatches = []
    for role in ROLES:
        headers = await _headers(role, p, s)
        audits = await AuditRecord.all().count()
        response = await client.post(
            f"/api/scenarios/{s.id}/transitions",
            headers=headers,
            json={"to": target.value, "reason": "测试原因", "version": s.version},
        )
        expected = expected_status(source, target, role)
        fresh = await Scenario.get(id=s.id)
        if response.status_code != expected:
            mismatches.append(f"{role}: expected {expected}, got {response.status_code} {response.text}")
        elif expected == 200:
            record = await AuditRecord.filter(object_kind="scenario", object_id=s.id).order_by("-id").first()
            assert response.json()["stage"] == target.value
            assert fresh.stage == target and fresh.version == s.version + 1
            assert (record.before["stage"], record.after["stage"], record.reason) == (
                source.value,
                target.value,
                "测试原因",
            )
            assert await OutboxEvent.filter(kind="scenario", object_id=s.id).count() == 1
            s = await builders.ready(source, p, edition, reviewers)
        else:
            assert (fresh.stage, fresh.version) == (source, s.version), role
            assert await AuditRecord.all().count() == audits, role
            if expected == 409:
                assert response.json()["error"]["code"] == "illegal_transition", role
    assert not mismatches, "\n".join(mismatches)


def test_table_covers_the_lifecycle():
    forward = list(zip(stages.FORWARD, stages.FORWARD[1:]))
    assert all(TRANSITIONS[pair].action == "advance" for pair in forward)
    assert all(TRANSITIONS[(b, a)].action == "return" for a, b in forward)
    assert TRANSITIONS[(Stage.EVALUATION, Stage.REJECTED)].action == "reject"
    assert {a for (a, b) in TRANSITIONS if b == Stage.WITHDRAWN} == set(stages.FORWARD)
    assert all(rule.needs_reason == (rule.action != "advance") for rule in TRANSITIONS.values())
    assert not any(a in (Stage.REJECTED, Stage.WITHDRAWN) for a, _ in TRANSITIONS)


# ---- guards, pure ---------------------------------------------------------------------------

GUARD_CASES = [
    (stages.needs_accepted_proposal, Facts(), Facts(accepted_proposals=1), "揭榜方案"),
    (stages.needs_design_plan, Facts(), Facts(design_plans=1), "设计方案"),
    (stages.needs_passed_test_report, Facts(), Facts(passed_test_reports=2), "测试报告"),
    (
        stages.needs_reviews_and_room,
        Facts(review_scores=(90, 90), edition_name="2024", edition_capacity=5),
        Facts(review_scores=(70, 70, 70), edition_name="2024", edition_capacity=5, edition_used=4),
        "评审意见不足",
    ),
    (
        stages.needs_reviews_and_room,
        Facts(review_scores=(60, 70, 75), edition_name="2024", edition_capacity=5),
        Facts(review_scores=(65, 70, 75), edition_name="2024", edition_capacity=5),
        "低于通过线",
    ),
    (
        stages.needs_reviews_and_room,
        Facts(review_scores=(90, 90, 90), edition_name="2024", edition_capacity=5, edition_used=5),
        Facts(review_scores=(90, 90, 90), edition_name="2024", edition_capacity=6, edition_used=5),
        "已满",
    ),
    (
        stages.needs_reviews_and_room,
        Facts(review_scores=(90, 90, 90)),
        Facts(review_scores=(90, 90, 90), edition_name="x", edition_capacity=1),
        "没有开放",
    ),
    (
        stages.needs_showcase_room,
        Facts(showcase_edition="2023", showcase_capacity=18, showcase_used=18),
        Facts(showcase_edition="2023", showcase_capacity=18, showcase_used=17),
        "精选展示已满",
    ),
]


@pytest.mark.parametrize("guard,refused,passed,phrase", GUARD_CASES)
def test_guard_refuses_with_a_chinese_reason_and_passes(guard, refused, passed, phrase):
    reasons = guard(refused)
    assert reasons and any(phrase in r for r in reasons)
    assert guard(passed) == []


# ---- guards through the API -----------------------------------------------------------------


async def _move(client, headers, s: Scenario, to: Stage, reason: str = ""):
    return await client.post(
        f"/api/scenarios/{s.id}/transitions",
        headers=headers,
        json={"to": to.value, "reason": reason, "version": s.version},
    )


async def _refused_then_passes(client, operator, s, to, phrase, fix):
    refused = await _move(client, operator.headers, s, to)
    assert refused.status_code == 422, refused.text
    body = refused.json()["error"]
    assert body["code"] == "guard_failed" and phrase in body["message"] and phrase in body["fields"]["to"]
    assert (await Scenario.get(id=s.id)).stage == s.stage
    await fix()
    passed = await _move(client, operator.headers, s, to)
    assert passed.status_code == 200, passed.text
    assert passed.json()["stage"] == to.value


async def test_design_needs_an_accepted_proposal(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.REQUIREMENT, p, with_proposal=False)

    async def fix():
        await s.proposals.add(await builders.accepted_proposal(p.lead, p.partner))

    await _refused_then_passes(client, operator, s, Stage.DESIGN, "揭榜方案", fix)


async def test_testing_needs_a_design_plan(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.DESIGN, p)
    await _refused_then_passes(client, operator, s, Stage.TESTING, "设计方案", lambda: builders.design_plan(s))


async def test_evaluation_needs_a_passed_test_report(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.TESTING, p)
    await builders.test_report(s, "failed")
    await _refused_then_passes(client, operator, s, Stage.EVALUATION, "测试报告", lambda: builders.test_report(s))


async def test_listing_requires_enough_approving_reviews(client, operator):
    p = await builders.parties()
    ed = await builders.edition()
    s = await builders.scenario(Stage.EVALUATION, p)
    await builders.reviews(s, [90, 85])
    await _refused_then_passes(client, operator, s, Stage.LISTING, "评审意见不足", lambda: builders.reviews(s, [88]))
    fresh = await Scenario.get(id=s.id)
    assert fresh.edition_id == ed.id and fresh.code.startswith("CD-2024-")


async def test_listing_refuses_a_weighted_mean_below_the_threshold(client, operator):
    p = await builders.parties()
    await builders.edition()
    s = await builders.scenario(Stage.EVALUATION, p)
    await builders.reviews(s, [60, 65, 70])
    response = await _move(client, operator.headers, s, Stage.LISTING)
    assert response.status_code == 422 and "低于通过线" in response.json()["error"]["message"]


async def test_promotion_needs_room_in_the_showcase(client, operator):
    p = await builders.parties()
    ed = await builders.edition(featured_capacity=1)
    first = await builders.scenario(Stage.LISTING, p, edition_obj=ed)
    second = await builders.scenario(Stage.LISTING, p, edition_obj=ed)
    assert (await _move(client, operator.headers, first, Stage.PROMOTION)).status_code == 200
    refused = await _move(client, operator.headers, second, Stage.PROMOTION)
    assert refused.status_code == 422 and "精选展示已满" in refused.json()["error"]["message"]
    first = await Scenario.get(id=first.id)
    assert (await _move(client, operator.headers, first, Stage.LISTING, "让位")).status_code == 200
    assert (await _move(client, operator.headers, second, Stage.PROMOTION)).status_code == 200


async def test_side_exits_need_a_reason(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.DESIGN, p)
    for to in (Stage.REQUIREMENT, Stage.WITHDRAWN):
        response = await _move(client, p.lead_actor.headers, s, to, "  ")
        assert response.status_code == 422 and "reason" in response.json()["error"]["fields"]


async def test_stale_version_is_a_version_conflict(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.REQUIREMENT, p)
    response = await client.post(
        f"/api/scenarios/{s.id}/transitions", headers=operator.headers, json={"to": "design", "version": s.version + 1}
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "version_conflict"


async def test_unknown_stage_is_a_clear_422(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.REQUIREMENT, p)
    response = await client.post(
        f"/api/scenarios/{s.id}/transitions", headers=operator.headers, json={"to": "launched", "version": 1}
    )
    assert response.status_code == 422 and "to" in response.json()["error"]["fields"]
