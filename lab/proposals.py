"""Use cases for proposals (揭榜方案): submit, edit, shortlist, accept, decline, withdraw."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, IllegalTransition, Invalid, NotFound
from lab.models import (
    CapabilityProfile,
    Demand,
    DemandStatus,
    Organisation,
    Proposal,
    ProposalStatus,
    Role,
    User,
)
from lab.notifications import notify
from lab.outbox import append_outbox
from lab.permissions import require
from lab.records import apply_change
from lab.schemas import ProposalIn, ProposalUpdate

OPEN = (ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED)


async def get_proposal(user: User | None, proposal_id: int) -> Proposal:
    proposal = await Proposal.get_or_none(id=proposal_id).select_related("demand", "organisation", "profile")
    if proposal is None:
        raise NotFound("找不到该方案")
    require(user, "proposal.read", proposal)
    return proposal


async def submit_proposal(user: User, data: ProposalIn) -> Proposal:
    demand = await Demand.get_or_none(id=data.demand_id)
    if demand is None:
        raise Invalid({"demand_id": "需求不存在"})
    require(user, "demand.read", demand)
    if demand.status in (DemandStatus.CLOSED, DemandStatus.WITHDRAWN):
        raise IllegalTransition("该需求已关闭或撤回，不再接收方案", code="demand_not_open")
    require(user, "demand.propose", demand)
    if await Proposal.exists(demand_id=demand.id, status=ProposalStatus.ACCEPTED):
        raise Conflict("该需求已采纳方案，不再接收新方案", code="demand_awarded")
    if data.profile_id is not None:
        profile = await CapabilityProfile.get_or_none(id=data.profile_id)
        if profile is None or profile.organisation_id != user.organisation_id:
            raise Invalid({"profile_id": "只能引用本单位的能力档案"})
    try:
        async with in_transaction() as conn:
            proposal = await Proposal.create(
                demand_id=demand.id,
                organisation_id=user.organisation_id,
                profile_id=data.profile_id,
                approach=data.approach,
                cost_wan=data.cost_wan,
                duration_weeks=data.duration_weeks,
                using_db=conn,
            )
            await audit.record(
                user,
                "proposal.submit",
                "proposal",
                proposal.id,
                after=audit.snapshot(proposal, ("demand_id", "organisation_id", "status")),
                conn=conn,
            )
            await append_outbox("proposal", proposal.id, using_db=conn)
            proposal.demand, proposal.organisation = demand, await Organisation.get(id=user.organisation_id)
            await _notify_other_side(proposal, "submit", user, conn)
    except IntegrityError:
        raise Conflict("本单位已对该需求提交过方案，请修改原方案", code="duplicate_proposal") from None
    return await get_proposal(user, proposal.id)


async def update_proposal(user: User, proposal_id: int, data: ProposalUpdate) -> Proposal:
    proposal = await get_proposal(user, proposal_id)
    require(user, "proposal.update", proposal)
    if proposal.status not in OPEN:
        raise IllegalTransition("方案已有结果，不能再修改")
    changes = data.model_dump(exclude={"version"}, exclude_unset=True)
    if changes.get("profile_id") is not None:
        profile = await CapabilityProfile.get_or_none(id=changes["profile_id"])
        if profile is None or profile.organisation_id != user.organisation_id:
            raise Invalid({"profile_id": "只能引用本单位的能力档案"})
    await apply_change(
        proposal,
        changes,
        actor=user,
        action="proposal.update",
        kind="proposal",
        version=data.version,
        where={"status__in": list(OPEN)},
        outbox="proposal",
    )
    return await get_proposal(user, proposal.id)


TRANSITIONS = {
    "shortlist": ((ProposalStatus.SUBMITTED,), ProposalStatus.SHORTLISTED),
    "accept": (OPEN, ProposalStatus.ACCEPTED),
    "decline": (OPEN, ProposalStatus.DECLINED),
    "withdraw": (OPEN, ProposalStatus.WITHDRAWN),
}
ACTION_NAMES = {"shortlist": "入围", "accept": "采纳", "decline": "婉拒", "withdraw": "撤回"}


DEFAULT_CLOSE_REASON = "需求部门已采纳其他方案，本方案未被采纳。感谢参与揭榜。"
# what the other side is told, per event: (kind, message template, who hears it)
EVENTS = {
    "submit": ("proposal_submitted", "需求「{title}」收到「{org}」提交的揭榜方案", "department"),
    "shortlist": ("proposal_shortlisted", "您对需求「{title}」的方案已入围", "supplier"),
    "accept": ("proposal_accepted", "您对需求「{title}」的方案已被采纳", "supplier"),
    "decline": ("proposal_declined", "您对需求「{title}」的方案未被采纳：{reason}", "supplier"),
    "withdraw": ("proposal_withdrawn", "「{org}」撤回了对需求「{title}」的方案", "department"),
    "close": ("proposal_closed", "需求「{title}」已采纳其他方案，您的方案已关闭：{reason}", "supplier"),
}


async def _notify_other_side(proposal: Proposal, event: str, actor: User | None, conn, reason: str = "") -> None:
    """Tell the other side of ``proposal`` about ``event`` (never the side that acted)."""
    kind, template, side = EVENTS[event]
    demand = proposal.demand
    org_id, role = (
        (demand.organisation_id, Role.DEPARTMENT_MEMBER)
        if side == "department"
        else (proposal.organisation_id, Role.SUPPLIER_MEMBER)
    )
    users = (
        await User.filter(organisation_id=org_id, role=role, active=True).using_db(conn).values_list("id", flat=True)
    )
    message = template.format(title=demand.title, org=proposal.organisation.name, reason=reason)
    await notify(users, kind, message, object=f"proposal:{proposal.id}", skip=actor, conn=conn)


async def change_proposal_status(
    user: User, proposal_id: int, action: str, version: int | None, reason: str = ""
) -> Proposal:
    """Shortlist, accept, decline or withdraw. Declining needs a reason (shown to the supplier);
    accepting closes the demand's other open proposals with ``reason`` (or a default) and is refused
    when the demand already has an accepted proposal."""
    proposal = await get_proposal(user, proposal_id)
    require(user, f"proposal.{action}", proposal)
    reason = (reason or "").strip()
    if action == "decline" and not reason:
        raise Invalid({"reason": "婉拒须填写理由，供给方将看到这条理由"}, "请填写婉拒理由")
    allowed_from, target = TRANSITIONS[action]
    if proposal.status not in allowed_from:
        raise IllegalTransition(f"方案当前为「{proposal.status.value}」，不能{ACTION_NAMES[action]}")
    changes: dict = {"status": target}
    if action == "decline":
        changes["decision_reason"] = reason
    async with in_transaction() as conn:
        if action == "accept":
            # one accepted proposal per demand: concurrent accepts queue on the demand's row (PostgreSQL;
            # SQLite has one writer at a time anyway)
            demand_row = Demand.filter(id=proposal.demand_id).using_db(conn)
            if conn.capabilities.dialect == "postgres":
                demand_row = demand_row.select_for_update()
            await demand_row.first()
            if (
                await Proposal.filter(demand_id=proposal.demand_id, status=ProposalStatus.ACCEPTED)
                .using_db(conn)
                .exists()
            ):
                raise Conflict("该需求已采纳其他方案，不能再采纳", code="demand_awarded")
        await apply_change(
            proposal,
            changes,
            actor=user,
            action=f"proposal.{action}",
            kind="proposal",
            conn=conn,
            version=version,
            where={"status__in": list(allowed_from)},
            reason=reason,
            outbox="proposal",
        )
        await _notify_other_side(proposal, action, user, conn, reason)
        if action == "accept":
            await _close_others(user, proposal, reason or DEFAULT_CLOSE_REASON, conn)
    return await get_proposal(user, proposal.id)


async def _close_others(user: User, accepted: Proposal, reason: str, conn) -> None:
    others = (
        await Proposal.filter(demand_id=accepted.demand_id, status__in=list(OPEN))
        .exclude(id=accepted.id)
        .using_db(conn)
        .select_related("demand", "organisation")
    )
    for other in others:
        # closed because another was accepted: its own audit record names the accepted one
        await apply_change(
            other,
            {"status": ProposalStatus.DECLINED, "decision_reason": reason},
            actor=user,
            action="proposal.close",
            kind="proposal",
            conn=conn,
            where={"status__in": list(OPEN)},
            reason=f"{reason}（已采纳方案 {accepted.id}）",
            outbox="proposal",
        )
        await _notify_other_side(other, "close", user, conn, reason)
