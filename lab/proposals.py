"""Use cases for proposals (揭榜方案): submit, edit, shortlist, accept, decline, withdraw."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, IllegalTransition, Invalid, NotFound
from lab.models import CapabilityProfile, Demand, Proposal, ProposalStatus, User
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
    require(user, "demand.propose", demand)
    if data.profile_id is not None:
        profile = await CapabilityProfile.get_or_none(id=data.profile_id)
        if profile is None or profile.organisation_id != user.organisation_id:
            raise Invalid({"profile_id": "只能引用本单位的能力档案"})
    try:
        async with in_transaction() as conn:
            proposal = await Proposal.create(
                demand_id=demand.id, organisation_id=user.organisation_id, profile_id=data.profile_id,
                approach=data.approach, cost_wan=data.cost_wan, duration_weeks=data.duration_weeks,
                using_db=conn)
            await audit.record(user, "proposal.submit", "proposal", proposal.id,
                               after=audit.snapshot(proposal, ("demand_id", "organisation_id", "status")), conn=conn)
            await append_outbox("proposal", proposal.id, using_db=conn)
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
    await apply_change(proposal, changes, actor=user, action="proposal.update", kind="proposal", version=data.version,
                       where={"status__in": list(OPEN)}, outbox="proposal")
    return await get_proposal(user, proposal.id)


TRANSITIONS = {
    "shortlist": ((ProposalStatus.SUBMITTED,), ProposalStatus.SHORTLISTED),
    "accept": (OPEN, ProposalStatus.ACCEPTED),
    "decline": (OPEN, ProposalStatus.DECLINED),
    "withdraw": (OPEN, ProposalStatus.WITHDRAWN),
}
ACTION_NAMES = {"shortlist": "入围", "accept": "采纳", "decline": "婉拒", "withdraw": "撤回"}


async def change_proposal_status(user: User, proposal_id: int, action: str, version: int | None) -> Proposal:
    proposal = await get_proposal(user, proposal_id)
    require(user, f"proposal.{action}", proposal)
    allowed_from, target = TRANSITIONS[action]
    if proposal.status not in allowed_from:
        raise IllegalTransition(f"方案当前为「{proposal.status.value}」，不能{ACTION_NAMES[action]}")
    await apply_change(proposal, {"status": target}, actor=user, action=f"proposal.{action}", kind="proposal",
                       version=version, where={"status__in": list(allowed_from)}, outbox="proposal")
    return await get_proposal(user, proposal.id)
