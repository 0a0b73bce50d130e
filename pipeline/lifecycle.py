"""Use cases that create scenarios and move them between stages. The only module that writes a
scenario's ``stage``, and it only runs the table in ``pipeline.stages``: a transition gathers the facts
its rule names (``FACTS``), checks the rule's guard, and in one transaction applies the rule's effects
(``EFFECTS``) with the conditional update on (id, stage, version), the audit record and the outbox row
(``lab.records.apply_change``), then notifies the parties. ``preview`` gives the guard's reasons for
buttons without a transaction or a lock."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
from pipeline.permissions import Move, load_access, refuse
from pipeline.models import Attachment, AttachmentKind, Edition, Origin, Review, Scenario, Stage, Verdict
from pipeline.notifications import notify, party_users
from pipeline.schemas import ScenarioIn, TransitionIn
from pipeline.stages import DEFAULT_MIN_REVIEWS, DEFAULT_THRESHOLD, LABELS, Facts, rule_for, stage_index


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
        raise Conflict(
            f"该需求已有在途场景「{live.title}」",
            code="duplicate_scenario",
            fields={"demand_id": f"已有场景 #{live.id}"},
        )
    investment = data.investment_wan if data.investment_wan is not None else sum(p.cost_wan for p in proposals)
    try:
        return await _insert_lab_scenario(user, data, demand, proposals, investment)
    except IntegrityError:  # a concurrent request created the live scenario first
        raise Conflict(
            "该需求已有在途场景", code="duplicate_scenario", fields={"demand_id": "该需求已有在途场景"}
        ) from None


async def _insert_lab_scenario(user: User, data: ScenarioIn, demand: Demand, proposals: list, investment) -> Scenario:
    async with in_transaction() as conn:
        scenario = await Scenario.create(
            title=data.title or demand.title,
            summary=data.summary if data.summary is not None else demand.description,
            domain=data.domain or demand.domain,
            district=data.district if data.district is not None else demand.district,
            origin=Origin.LAB,
            year=data.year or now().year,
            tags=data.tags,
            investment_wan=investment,
            lead_department_id=demand.organisation_id,
            demand_id=demand.id,
            live_demand_key=demand.id,
            created_by_id=user.id,
            using_db=conn,
        )
        await scenario.proposals.add(*proposals, using_db=conn)
        partners = {p.organisation_id for p in proposals}
        await scenario.partners.add(*await Organisation.filter(id__in=list(partners)).using_db(conn), using_db=conn)
        await audit.record(user, "scenario.create", "scenario", scenario.id, after=snapshot(scenario), conn=conn)
        await append_outbox("scenario", scenario.id, using_db=conn)
        await notify(
            await party_users(scenario, conn),
            "stage_changed",
            f"场景「{scenario.title}」已创建，进入「{LABELS[Stage.REQUIREMENT]}」阶段",
            scenario,
            skip=user,
            conn=conn,
        )
    return scenario


async def _create_external(user: User | None, data: ScenarioIn) -> Scenario:
    if not can(user, "scenario.create_external"):
        refuse(user, "只有实验室运营人员可以录入外地优秀案例")
    missing = {k: "此项为必填" for k in ("title", "domain", "city") if getattr(data, k) is None}
    if missing:
        raise Invalid(missing)
    async with in_transaction() as conn:
        scenario = await Scenario.create(
            title=data.title,
            summary=data.summary or "",
            domain=data.domain,
            district="",
            origin=Origin.EXTERNAL,
            city=data.city,
            year=data.year,
            tags=data.tags,
            investment_wan=data.investment_wan,
            partner_names=data.partner_names,
            source_note=data.source_note,
            stage=Stage.LISTING,
            furthest_stage=Stage.LISTING,
            created_by_id=user.id,
            using_db=conn,
        )
        await audit.record(user, "scenario.create", "scenario", scenario.id, after=snapshot(scenario), conn=conn)
        await append_outbox("scenario", scenario.id, using_db=conn)
    return scenario


async def _accepted_proposals(scenario: Scenario, conn, lock: bool) -> dict:
    return {
        "accepted_proposals": await Proposal.filter(scenarios__id=scenario.id, status=ProposalStatus.ACCEPTED)
        .using_db(conn)
        .count()
    }


async def _design_plans(scenario: Scenario, conn, lock: bool) -> dict:
    return {
        "design_plans": await Attachment.filter(scenario_id=scenario.id, kind=AttachmentKind.DESIGN_PLAN)
        .using_db(conn)
        .count()
    }


async def _passed_test_reports(scenario: Scenario, conn, lock: bool) -> dict:
    return {
        "passed_test_reports": await Attachment.filter(
            scenario_id=scenario.id, kind=AttachmentKind.TEST_REPORT, verdict=Verdict.PASSED
        )
        .using_db(conn)
        .count()
    }


async def _reviews(scenario: Scenario, conn, lock: bool) -> dict:
    scores = await Review.filter(scenario_id=scenario.id).using_db(conn).values_list("weighted_score", flat=True)
    edition = await editions.open_edition(conn)
    bar = (edition.min_reviews, edition.pass_threshold) if edition else (DEFAULT_MIN_REVIEWS, DEFAULT_THRESHOLD)
    return {"review_scores": tuple(scores), "min_reviews": bar[0], "threshold": bar[1]}


async def _open_edition_room(scenario: Scenario, conn, lock: bool) -> dict:
    edition = await editions.open_edition(conn, lock=lock)
    if edition is None:
        return {}
    return {
        "edition_name": edition.name,
        "edition_capacity": edition.capacity,
        "edition_used": await editions.listed_count(edition.id, conn),
    }


async def _showcase_room(scenario: Scenario, conn, lock: bool) -> dict:
    if scenario.edition_id is None:
        return {}
    edition = await (editions.locked(scenario.edition_id, conn) if lock else Edition.get(id=scenario.edition_id))
    return {
        "showcase_edition": edition.name,
        "showcase_capacity": edition.featured_capacity,
        "showcase_used": await editions.featured_count(edition.id, conn),
    }


# what each fact named in the transition table is read from (lock=True only inside a transition)
FACTS = {
    "accepted_proposals": _accepted_proposals,
    "design_plans": _design_plans,
    "passed_test_reports": _passed_test_reports,
    "reviews": _reviews,
    "open_edition_room": _open_edition_room,
    "showcase_room": _showcase_room,
}


async def gather_facts(scenario: Scenario, target: Stage, conn=None, *, lock: bool = True) -> Facts:
    """The facts the rule of ``scenario.stage → target`` names (locking the edition it fills when
    ``lock``; the lock needs ``conn`` to be the transition's transaction)."""
    rule = rule_for(scenario.stage, target)
    values: dict = {}
    for name in rule.facts if rule else ():
        values.update(await FACTS[name](scenario, conn, lock))
    return Facts(**values)


async def preview(scenario: Scenario, target: Stage) -> list[str]:
    """Why the move would be refused now (empty: it would pass): the same facts and guard as the
    transition, read without a transaction or a lock, for drawing buttons."""
    rule = rule_for(scenario.stage, target)
    if rule is None or rule.guard is None:
        return []
    return rule.guard(await gather_facts(scenario, target, lock=False))


async def _listing_code(edition: Edition, conn) -> str:
    prefix = f"CD-{edition.year}-"
    codes = await Scenario.filter(code__startswith=prefix).using_db(conn).values_list("code", flat=True)
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(rf"{prefix}(\d+)", c or ""))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


async def _join_open_edition(scenario: Scenario, conn) -> dict:
    edition = await editions.open_edition(conn)
    changes = {"edition_id": edition.id}
    if scenario.code is None:
        changes["code"] = await _listing_code(edition, conn)
    return changes


async def _leave_edition(scenario: Scenario, conn) -> dict:
    return {"edition_id": None}


async def _free_demand(scenario: Scenario, conn) -> dict:
    return {"live_demand_key": None}


async def _join_showcase(after: Scenario, conn) -> None:
    await editions.add_featured(after, after.edition_id, conn)


async def _leave_showcase(after: Scenario, conn) -> None:
    await editions.remove_featured(after, conn)


@dataclass(frozen=True)
class Effect:
    """What an effect named in the transition table does: column changes made with the stage
    (``changes(scenario, conn)``), and/or work after the update (``then(after, conn)``)."""

    changes: Callable[[Scenario, object], Awaitable[dict]] | None = None
    then: Callable[[Scenario, object], Awaitable[None]] | None = None


EFFECTS = {
    "join_open_edition": Effect(changes=_join_open_edition),
    "leave_edition": Effect(changes=_leave_edition),
    "free_demand": Effect(changes=_free_demand),
    "join_showcase": Effect(then=_join_showcase),
    "leave_showcase": Effect(then=_leave_showcase),
}


async def transition(user: User | None, scenario_id: int, data: TransitionIn) -> Scenario:
    """Move a scenario to ``data.to``; raises Forbidden, VersionConflict, IllegalTransition or
    Invalid (the guard's reasons) and changes nothing in that case."""
    access = await load_access(user, scenario_id)
    scenario = access.scenario
    target = Stage(data.to)
    if data.version != scenario.version:
        raise VersionConflict(fields={"version": f"当前版本为 {scenario.version}"})
    rule = rule_for(scenario.stage, target)
    if rule is None or (scenario.origin == Origin.EXTERNAL and rule.action != "withdraw"):
        raise IllegalTransition(
            f"不能从「{LABELS[scenario.stage]}」转到「{LABELS[target]}」", fields={"to": "当前阶段不允许此转换"}
        )
    if not can(user, "scenario.move", Move(access, rule.roles)):
        refuse(user, "您无权执行此阶段转换")
    reason = data.reason.strip()
    if rule.needs_reason and not reason:
        raise Invalid({"reason": "退回、不予通过和撤回须填写原因"})
    async with in_transaction() as conn:
        facts = await gather_facts(scenario, target, conn)
        reasons = rule.guard(facts) if rule.guard else []
        if reasons:
            raise Invalid(
                {"to": "；".join(reasons)},
                f"不满足进入「{LABELS[target]}」的条件：" + "；".join(reasons),
                code="guard_failed",
            )
        changes: dict = {"stage": target, "entered_stage_at": now(), "updated_at": now()}
        if stage_index(target) > stage_index(scenario.furthest_stage):
            changes["furthest_stage"] = target
        for name in rule.effects:
            if EFFECTS[name].changes is not None:
                changes.update(await EFFECTS[name].changes(scenario, conn))
        after = await apply_change(
            scenario,
            changes,
            actor=user,
            action=f"scenario.{rule.action}",
            kind="scenario",
            conn=conn,
            where={"stage": scenario.stage},
            reason=reason,
            audited=SNAPSHOT,
            outbox="scenario",
            stale=lambda fresh: IllegalTransition(f"场景当前处于「{LABELS[fresh.stage]}」"),
        )
        for name in rule.effects:
            if EFFECTS[name].then is not None:
                await EFFECTS[name].then(after, conn)
        kind = "decision" if scenario.stage == Stage.EVALUATION else "stage_changed"
        message = f"场景「{scenario.title}」由「{LABELS[scenario.stage]}」转入「{LABELS[target]}」"
        await notify(
            await party_users(after, conn),
            kind,
            message + (f"：{reason}" if reason else ""),
            after,
            skip=user,
            conn=conn,
        )
    return after
