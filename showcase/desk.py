"""What the scenario desk shows: each move with the guard's reasons evaluated now (the pipeline's
``lifecycle.preview``: the same facts and guard, read without a transaction or a lock), attachments,
reviewer choices and the reviews the user may see."""

from __future__ import annotations

from typing import Any

from lab.models import ProposalStatus, Role, User
from lab.permissions import can
from pipeline import attachments, lifecycle, reviews
from pipeline.models import Attachment, ReviewAssignment, Scenario, Stage
from pipeline.permissions import ScenarioAccess, Upload, partner_ids
from pipeline.stages import ACTION_LABELS, LABELS
from showcase.presenters import money

ATTACHMENT_STAGES = {
    "design_plan": attachments.STAGE_OF[attachments.AttachmentKind.DESIGN_PLAN],
    "test_report": attachments.STAGE_OF[attachments.AttachmentKind.TEST_REPORT],
}


async def guard_reasons(scenario: Scenario, target: Stage) -> list[str]:
    """Why the move would be refused now (empty: it would pass); reads only, takes no lock."""
    return await lifecycle.preview(scenario, target)


async def move_buttons(scenario: Scenario, moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    buttons = []
    for move in moves:
        target = Stage(move["to"])
        reasons = await guard_reasons(scenario, target) if move["action"] == "advance" else []
        buttons.append(
            {
                "to": move["to"],
                "label": f"{ACTION_LABELS[move['action']]}至「{LABELS[target]}」",
                "action": move["action"],
                "needs_reason": move["needs_reason"],
                "reasons": reasons,
                "kind": "button" if move["action"] == "advance" else "button danger",
            }
        )
    return buttons


async def attachment_rows(scenario_id: int) -> list[dict[str, Any]]:
    rows = await Attachment.filter(scenario_id=scenario_id).order_by("-id")
    verdicts = {"passed": "通过", "failed": "未通过", None: ""}
    return [
        {
            **attachments.present(a),
            "verdict_label": verdicts[a.verdict.value if a.verdict else None],
            "stage_label": LABELS[a.stage],
        }
        for a in rows
    ]


def upload_kinds(user: User, access: ScenarioAccess) -> list[tuple[str, str]]:
    """Attachment kinds this user may upload at the scenario's current stage."""
    return [
        (kind.value, attachments.KIND_LABELS[kind])
        for kind in attachments.AttachmentKind
        if access.scenario.stage in attachments.STAGE_OF[kind] and can(user, "attachment.upload", Upload(access, kind))
    ]


async def reviewer_options(scenario: Scenario) -> list[tuple[int, str]]:
    """Only reviewers who may be assigned: active, not yet assigned to (or recused from) this
    scenario, and not from its lead department or a partner (conflict of interest)."""
    if scenario.stage not in reviews.ASSIGNABLE:
        return []
    taken = await ReviewAssignment.filter(scenario_id=scenario.id).values_list("reviewer_id", flat=True)
    conflicted = {scenario.lead_department_id, *await partner_ids(scenario)} - {None}
    users = (
        await User.filter(role=Role.REVIEWER, active=True)
        .exclude(id__in=list(taken) or [-1])
        .exclude(organisation_id__in=list(conflicted) or [-1])
        .select_related("organisation")
        .order_by("id")
    )
    return [(u.id, f"{u.display_name}（{u.organisation.name}）") for u in users]


async def judged_proposals(scenario: Scenario) -> list[dict[str, Any]]:
    """The accepted proposals the scenario came from: what reviewers judge feasibility against."""
    rows = (
        await scenario.proposals.filter(status=ProposalStatus.ACCEPTED)
        .select_related("organisation", "profile")
        .order_by("id")
    )
    return [
        {
            "organisation": p.organisation.name,
            "approach": p.approach,
            "cost": money(p.cost_wan),
            "weeks": p.duration_weeks,
            "profile_id": p.profile_id,
            "profile": p.profile.title if p.profile else "",
        }
        for p in rows
    ]


async def review_panel(user: User, access: ScenarioAccess) -> dict[str, Any] | None:
    """The operator's view (identities included) or the parties' aggregate once evaluation ended."""
    try:
        view = await reviews.reviews_view(user, access.scenario.id, access=access)
    except Exception:  # noqa: BLE001 - Forbidden/NotFound: nothing to show to this user yet
        return None
    status_labels = {"assigned": "待评审", "recused": "已回避", "submitted": "已提交"}
    if view["view"] == "operator":
        return {
            "view": "operator",
            "aggregate": view["aggregate"],
            "reviews": view["reviews"],
            "assignments": [
                {**a, "status_label": status_labels.get(a["status"], a["status"])} for a in view["assignments"]
            ],
            "decision": view["decision"],
        }
    if view["view"] == "aggregate":
        return {"view": "aggregate", "aggregate": view["aggregate"], "decision": view["decision"]}
    return None
