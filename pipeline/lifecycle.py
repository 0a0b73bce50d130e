"""Use cases that create scenarios and move them between stages. The only module that writes a
scenario's ``stage``: a transition is one transaction holding a conditional update on
(id, stage, version), an audit record, an outbox row and the notifications."""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, IllegalTransition, Invalid, VersionConflict
from lab.models import Demand, Organisation, Proposal, ProposalStatus, User
from lab.outbox import append_outbox
from lab.permissions import can
from lab.records import apply_change
from pipeline import editions
from pipeline.permissions import Move, ScenarioAccess, get_scenario, refuse
from pipeline.models import (Attachment, AttachmentKind, Edition, Origin, Review, Scenario, Stage, Verdict)
from pipeline.notifications import notify, party_users
from pipeline.schemas import ScenarioIn, TransitionIn
from pipeline.stages import (DEFAULT_MIN_REVIEWS, DEFAULT_THRESHOLD, LABELS, Facts, rule_for, stage_index)


SNAPSHOT = ("stage", "version", "edition_id", "code")


def snapshot(s: Scenario) -> dict:
    return audit.snapshot(s, SNAPSHOT)


async def create_scenario(user: User | None, data: ScenarioIn) -> Scenario:
    if data.origin == "external":
        return await _create_external(user, data)
    if data.demand_id is None:
        raise Invalid({"demand_id": "实验室场景须指定来源需求"})
    demand = await Demand.get_or_none(id=data.demand_id)
    if demand is None:
        raise Invalid({"demand_id": "需求不存在"})
    if not can(user, "scenario.create", demand):
        refuse(user, "只有需求部门或实验室运营人员可以从需求创建场景")
    accepted = Proposal.filter(demand_id=demand.id, status=ProposalStatus.ACCEPTED)
    if data.proposal_ids is not None:
        accepted = accepted.filter(id__in=data.proposal_ids)
    proposals = await accepted
    if not proposals or (data.proposal_ids is not None and len(proposals) != len(set(data.proposal_ids))):
        raise Invalid({"proposal_ids": "须至少有一个该需求下已采纳的揭榜方案"})
    live = await Scenario.filter(demand_id=demand.id).exclude(stage__in=[Stage.REJECTED, Stage.WITHDRAWN]).first()
    if live is not None:
        raise Conflict(f"该需求已有在途场景「{live.title}」", code="duplicate_scenario",
                       fields={"demand_id": f"已有场景 #{live.id}"})
    investment = data.investment_wan if data.investment_wan is not None else sum(p.cost_wan for p in proposals)
    try:
        return await _insert_lab_scenario(user, data, demand, proposals, investment)
    except IntegrityError:  # a concurrent request created the live scenario first
        raise Conflict("该需求已有在途场景", code="duplicate_scenario", fields={"demand_id": "该需求已有在途场景"}) from None


async def _insert_lab_scenario(user: User, data: ScenarioIn, demand: Demand, proposals: list, investment) -> Scenario:
    async with in_transaction() as conn:
        scenario = await Scenario.create(
            title=data.title or demand.title, summary=data.summary if data.summary is not None else demand.description,
            domain=data.domain or demand.domain, district=data.district if data.district is not None else demand.district,
            origin=Origin.LAB, year=data.year or now().year, tags=data.tags, investment_wan=investment,
            lead_department_id=demand.organisation_id, demand_id=demand.id, live_demand_key=demand.id,
            created_by_id=user.id, using_db=conn)
        await scenario.proposals.add(*proposals, using_db=conn)
        partners = {p.organisation_id for p in proposals}
        await scenario.partners.add(*await Organisation.filter(id__in=list(partners)).using_db(conn), using_db=conn)
        await audit.record(user, "scenario.create", "scenario", scenario.id, after=snapshot(scenario), conn=conn)
        await append_outbox("scenario", scenario.id, using_db=conn)
        await notify(await party_users(scenario, conn), "stage_changed",
                     f"场景「{scenario.title}」已创建，进入「{LABELS[Stage.REQUIREMENT]}」阶段", scenario,
                     skip=user, conn=conn)
    return scenario


async def _create_external(user: User | None, data: ScenarioIn) -> Scenario:
    if not can(user, "scenario.create_external"):
        refuse(user, "只有实验室运营人员可以录入外地优秀案例")
    missing = {k: "此项为必填" for k in ("title", "domain", "city") if getattr(data, k) is None}
    if missing:
        raise Invalid(missing)
    async with in_transaction() as conn:
        scenario = await Scenario.create(
            title=data.title, summary=data.summary or "", domain=data.domain, district="", origin=Origin.EXTERNAL,
            city=data.city, year=data.year, tags=data.tags, investment_wan=data.investment_wan,
            partner_names=data.partner_names, source_note=data.source_note, stage=Stage.LISTING,
            furthest_stage=Stage.LISTING, created_by_id=user.id, using_db=conn)
        await audit.record(user, "scenario.create", "scenario", scenario.id, after=snapshot(scenario), conn=conn)
        await append_outbox("scenario", scenario.id, using_db=conn)
    return scenario


async def gather_facts(scenario: Scenario, target: Stage, conn) -> Facts:
    """Everything the guard of ``scenario.stage → target`` looks at (locking the edition it fills)."""
    values: dict = {}
    if target == Stage.DESIGN:
        values["accepted_proposals"] = await Proposal.filter(
            scenarios__id=scenario.id, status=ProposalStatus.ACCEPTED).using_db(conn).count()
    elif target == Stage.TESTING:
        values["design_plans"] = await Attachment.filter(
            scenario_id=scenario.id, kind=AttachmentKind.DESIGN_PLAN).using_db(conn).count()
    elif target == Stage.EVALUATION:
        values["passed_test_reports"] = await Attachment.filter(
            scenario_id=scenario.id, kind=AttachmentKind.TEST_REPORT, verdict=Verdict.PASSED).using_db(conn).count()
    elif target == Stage.LISTING and scenario.stage == Stage.EVALUATION:
        edition = await editions.open_edition(conn, lock=True)
        scores = await Review.filter(scenario_id=scenario.id).using_db(conn).values_list("weighted_score", flat=True)
        values.update(review_scores=tuple(scores), min_reviews=DEFAULT_MIN_REVIEWS, threshold=DEFAULT_THRESHOLD)
        if edition is not None:
            values.update(min_reviews=edition.min_reviews, threshold=edition.pass_threshold,
                          edition_name=edition.name, edition_capacity=edition.capacity,
                          edition_used=await editions.listed_count(edition.id, conn))
    elif target == Stage.PROMOTION and scenario.edition_id is not None:
        edition = await editions.locked(scenario.edition_id, conn)
        values.update(showcase_edition=edition.name, showcase_capacity=edition.featured_capacity,
                      showcase_used=await editions.featured_count(edition.id, conn))
    return Facts(**values)


async def _listing_code(edition: Edition, conn) -> str:
    prefix = f"CD-{edition.year}-"
    codes = await Scenario.filter(code__startswith=prefix).using_db(conn).values_list("code", flat=True)
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(rf"{prefix}(\d+)", c or ""))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


async def transition(user: User | None, scenario_id: int, data: TransitionIn) -> Scenario:
    """Move a scenario to ``data.to``; raises Forbidden, VersionConflict, IllegalTransition or
    Invalid (the guard's reasons) and changes nothing in that case."""
    scenario, found = await get_scenario(user, scenario_id)
    target = Stage(data.to)
    if data.version != scenario.version:
        raise VersionConflict(fields={"version": f"当前版本为 {scenario.version}"})
    rule = rule_for(scenario.stage, target)
    if rule is None or (scenario.origin == Origin.EXTERNAL and rule.action != "withdraw"):
        raise IllegalTransition(f"不能从「{LABELS[scenario.stage]}」转到「{LABELS[target]}」",
                                fields={"to": "当前阶段不允许此转换"})
    if not can(user, "scenario.move", Move(ScenarioAccess(scenario, frozenset(found)), rule.roles)):
        refuse(user, "您无权执行此阶段转换")
    reason = data.reason.strip()
    if rule.needs_reason and not reason:
        raise Invalid({"reason": "退回、不予通过和撤回须填写原因"})
    async with in_transaction() as conn:
        facts = await gather_facts(scenario, target, conn)
        reasons = rule.guard(facts) if rule.guard else []
        if reasons:
            raise Invalid({"to": "；".join(reasons)}, f"不满足进入「{LABELS[target]}」的条件：" + "；".join(reasons),
                          code="guard_failed")
        changes: dict = {"stage": target, "entered_stage_at": now(), "updated_at": now()}
        if stage_index(target) > stage_index(scenario.furthest_stage):
            changes["furthest_stage"] = target
        if target == Stage.LISTING and scenario.stage == Stage.EVALUATION:
            edition = await editions.open_edition(conn)
            changes["edition_id"] = edition.id
            if scenario.code is None:
                changes["code"] = await _listing_code(edition, conn)
        if scenario.stage == Stage.LISTING and target == Stage.EVALUATION:
            changes["edition_id"] = None
        if target in (Stage.REJECTED, Stage.WITHDRAWN):
            changes["live_demand_key"] = None
        after = await apply_change(
            scenario, changes, actor=user, action=f"scenario.{rule.action}", kind="scenario", conn=conn,
            where={"stage": scenario.stage}, reason=reason, audited=SNAPSHOT, outbox="scenario",
            stale=lambda fresh: IllegalTransition(f"场景当前处于「{LABELS[fresh.stage]}」"))
        if target == Stage.PROMOTION:
            await editions.add_featured(after, after.edition_id, conn)
        elif scenario.stage == Stage.PROMOTION:
            await editions.remove_featured(after, conn)
        kind = "decision" if scenario.stage == Stage.EVALUATION else "stage_changed"
        message = f"场景「{scenario.title}」由「{LABELS[scenario.stage]}」转入「{LABELS[target]}」"
        await notify(await party_users(after, conn), kind, message + (f"：{reason}" if reason else ""), after,
                     skip=user, conn=conn)
    return after

