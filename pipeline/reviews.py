"""Expert review (评审): operators assign reviewers without conflicts of interest, reviewers recuse or
score against the edition's rubric, and parties see the aggregate (never who said what) once
evaluation has ended."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from lab.models import Organisation, Role, User
from lab.permissions import can
from pipeline import editions
from pipeline.permissions import ScenarioAccess, get_scenario, load_access, partner_ids, refuse
from lab.models import AuditRecord
from pipeline.models import AssignmentStatus, Review, ReviewAssignment, Scenario, Stage
from pipeline.notifications import notify, operator_users
from pipeline.rubric import default_rubric, score_problems, weighted_score
from pipeline.schemas import ReviewIn
from pipeline.stages import weighted_mean

ASSIGNABLE = (Stage.TESTING, Stage.EVALUATION)


async def current_rubric(conn=None) -> list[dict]:
    edition = await editions.open_edition(conn)
    return list(edition.rubric) if edition is not None and edition.rubric else default_rubric()


async def conflict_of_interest(reviewer: User, scenario: Scenario, conn=None) -> str | None:
    """Why ``reviewer`` may not review ``scenario`` (its organisation leads or partners it), or None."""
    org = await Organisation.get(id=reviewer.organisation_id).using_db(conn)
    if reviewer.organisation_id == scenario.lead_department_id:
        return f"评审专家所在单位「{org.name}」是该场景的牵头部门，存在利益冲突"
    if reviewer.organisation_id in await partner_ids(scenario, conn):
        return f"评审专家所在单位「{org.name}」是该场景的合作单位，存在利益冲突"
    return None


async def assign_reviewer(user: User | None, scenario_id: int, reviewer_id: int) -> ReviewAssignment:
    scenario, found = await get_scenario(user, scenario_id)
    if not can(user, "review.assign", ScenarioAccess(scenario, frozenset(found))):
        refuse(user, "只有实验室运营人员可以指派评审专家")
    if scenario.stage not in ASSIGNABLE:
        raise IllegalTransition("只有处于场景测试或评估论证阶段的场景可以指派评审")
    reviewer = await User.get_or_none(id=reviewer_id, role=Role.REVIEWER, active=True)
    if reviewer is None:
        raise Invalid({"reviewer_id": "该用户不存在或不是评审专家"})
    problem = await conflict_of_interest(reviewer, scenario)
    if problem:
        raise Invalid({"reviewer_id": problem}, problem, code="conflict_of_interest")
    try:
        async with in_transaction() as conn:
            assignment = await ReviewAssignment.create(
                scenario_id=scenario.id, reviewer_id=reviewer.id, assigned_by_id=user.id, using_db=conn
            )
            await audit.record(
                user,
                "review.assign",
                "scenario",
                scenario.id,
                after={"assignment_id": assignment.id, "reviewer_id": reviewer.id},
                conn=conn,
            )
            await notify([reviewer.id], "review_assigned", f"您被指派评审场景「{scenario.title}」", scenario, conn=conn)
    except IntegrityError:
        raise Conflict("该专家已被指派过此场景", code="already_assigned") from None
    return assignment


async def _own_assignment(user: User | None, scenario_id: int) -> tuple[Scenario, ReviewAssignment]:
    scenario, found = await get_scenario(user, scenario_id)
    if not can(user, "review.write", ScenarioAccess(scenario, frozenset(found))):
        refuse(user, "您不是该场景的评审专家")
    assignment = await ReviewAssignment.get(scenario_id=scenario.id, reviewer_id=user.id)
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise IllegalTransition("您已回避或已提交评审意见", fields={"assignment": assignment.status.value})
    return scenario, assignment


async def recuse(user: User | None, scenario_id: int, reason: str) -> ReviewAssignment:
    scenario, assignment = await _own_assignment(user, scenario_id)
    async with in_transaction() as conn:
        updated = (
            await ReviewAssignment.filter(id=assignment.id, status=AssignmentStatus.ASSIGNED)
            .using_db(conn)
            .update(status=AssignmentStatus.RECUSED, recusal_reason=reason)
        )
        if not updated:
            raise IllegalTransition("您已回避或已提交评审意见")
        await audit.record(
            user,
            "review.recuse",
            "scenario",
            scenario.id,
            before={"assignment_id": assignment.id, "status": "assigned"},
            after={"assignment_id": assignment.id, "status": "recused"},
            reason=reason,
            conn=conn,
        )
        await notify(
            await operator_users(conn),
            "recusal",
            f"一位评审专家已申请回避场景「{scenario.title}」，请重新指派",
            scenario,
            conn=conn,
        )
        return await ReviewAssignment.get(id=assignment.id).using_db(conn)


async def submit_review(user: User | None, scenario_id: int, data: ReviewIn) -> Review:
    scenario, assignment = await _own_assignment(user, scenario_id)
    if scenario.stage != Stage.EVALUATION:
        raise IllegalTransition("场景不在评估论证阶段，不能提交评审意见")
    rubric = await current_rubric()
    problems = score_problems(rubric, data.scores)
    if problems:
        raise Invalid(problems)
    score = weighted_score(rubric, data.scores)
    try:
        async with in_transaction() as conn:
            updated = (
                await ReviewAssignment.filter(id=assignment.id, status=AssignmentStatus.ASSIGNED)
                .using_db(conn)
                .update(status=AssignmentStatus.SUBMITTED)
            )
            if not updated:
                raise IllegalTransition("您已回避或已提交评审意见")
            review = await Review.create(
                scenario_id=scenario.id,
                reviewer_id=user.id,
                scores=dict(data.scores),
                rubric=rubric,
                weighted_score=score,
                comment=data.comment,
                using_db=conn,
            )
            await audit.record(
                user,
                "review.submit",
                "scenario",
                scenario.id,
                after={"review_id": review.id, "weighted_score": score},
                conn=conn,
            )
            count = await Review.filter(scenario_id=scenario.id).using_db(conn).count()
            await notify(
                await operator_users(conn),
                "review_submitted",
                f"场景「{scenario.title}」已收到 {count} 份评审意见",
                scenario,
                conn=conn,
            )
    except IntegrityError:
        raise Conflict("您已提交过评审意见", code="already_reviewed") from None
    return review


def aggregate(reviews: list[Review], rubric: list[dict] | None = None) -> dict[str, Any]:
    """Scores and comments without any trace of who gave them (comments in a stable, neutral order).
    ``rubric`` names the criteria when there are no reviews yet."""
    names: list[dict] = list(reviews[0].rubric) if reviews else list(rubric or [])
    criteria = [
        {
            "name": c["name"],
            "weight": c["weight"],
            "mean": round(sum(r.scores.get(c["name"], 0) for r in reviews) / len(reviews), 2) if reviews else None,
        }
        for c in names
    ]
    return {
        "count": len(reviews),
        "weighted_mean": weighted_mean(tuple(r.weighted_score for r in reviews)),
        "criteria": criteria,
        "comments": sorted(r.comment for r in reviews),
    }


async def decision(scenario: Scenario) -> dict[str, Any] | None:
    """The last move out of evaluation (listed, rejected, returned, withdrawn) with its reason."""
    records = await AuditRecord.filter(
        object_kind="scenario", object_id=scenario.id, action__startswith="scenario."
    ).order_by("-id")
    for r in records:
        if r.before.get("stage") == Stage.EVALUATION.value and r.after.get("stage"):
            return {"stage": r.after["stage"], "reason": r.reason, "at": r.at.isoformat()}
    return None


def _full(r: Review) -> dict[str, Any]:
    return {
        "id": r.id,
        "reviewer_id": r.reviewer_id,
        "reviewer": r.reviewer.display_name,
        "scores": r.scores,
        "weighted_score": r.weighted_score,
        "comment": r.comment,
        "created_at": r.created_at.isoformat(),
    }


def _assignment(a: ReviewAssignment, with_identity: bool) -> dict[str, Any]:
    data = {"id": a.id, "scenario_id": a.scenario_id, "status": a.status.value, "created_at": a.created_at.isoformat()}
    if with_identity:
        data.update(reviewer_id=a.reviewer_id, reviewer=a.reviewer.display_name, recusal_reason=a.recusal_reason)
    return data


async def reviews_view(user: User | None, scenario_id: int, *, access: ScenarioAccess | None = None) -> dict[str, Any]:
    """What ``user`` may see of a scenario's reviews; the shape says which view it got. ``access``:
    the scenario already loaded and checked for ``user`` (else it is loaded here)."""
    access = access or await load_access(user, scenario_id)
    scenario = access.scenario
    reviews = await Review.filter(scenario_id=scenario.id).select_related("reviewer").order_by("id")
    rubric = list(reviews[0].rubric) if reviews else await current_rubric()
    if can(user, "review.identities", access):
        assignments = await ReviewAssignment.filter(scenario_id=scenario.id).select_related("reviewer")
        return {
            "view": "operator",
            "rubric": rubric,
            "aggregate": aggregate(reviews, rubric),
            "reviews": [_full(r) for r in reviews],
            "assignments": [_assignment(a, True) for a in assignments],
            "decision": await decision(scenario),
        }
    if can(user, "review.write", access):
        assignment = await ReviewAssignment.get(scenario_id=scenario.id, reviewer_id=user.id).select_related("reviewer")
        own = next((r for r in reviews if r.reviewer_id == user.id), None)
        return {
            "view": "reviewer",
            "rubric": rubric,
            "assignment": _assignment(assignment, False),
            "review": None
            if own is None
            else {k: v for k, v in _full(own).items() if k not in ("reviewer_id", "reviewer")},
        }
    if can(user, "review.aggregate", access):
        return {
            "view": "aggregate",
            "rubric": rubric,
            "aggregate": aggregate(reviews, rubric),
            "decision": await decision(scenario),
        }
    if can(user, "scenario.party", access):
        raise Forbidden("评估结束后方可查看评审结果")
    if user is None:
        refuse(user)
    raise NotFound("找不到该场景的评审信息")


async def my_assignments(user: User) -> list[dict[str, Any]]:
    if not can(user, "workspace.reviewer"):
        return []
    rows = await ReviewAssignment.filter(reviewer_id=user.id).select_related("scenario").order_by("-id")
    return [
        {
            **_assignment(a, False),
            "scenario": {
                "id": a.scenario.id,
                "title": a.scenario.title,
                "stage": a.scenario.stage.value,
                "domain": a.scenario.domain,
            },
        }
        for a in rows
    ]
