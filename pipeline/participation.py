"""A partner leaves a scenario: before listing, a supplier (or other partner organisation) may
withdraw its own participation, with a reason. Its organisation stops being a partner and its
proposals stop being the scenario's accepted ones; the scenario goes on with the others. After
listing the partners are part of a public reserve-list entry: only an operator can then withdraw
the whole scenario (see the transition table in ``pipeline.stages``).

One command, one transaction: the change, an audit record ``scenario.leave`` and an outbox row.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Forbidden, IllegalTransition, Invalid, VersionConflict
from lab.models import User
from lab.outbox import append_outbox
from lab.permissions import can
from pipeline.permissions import load_access
from pipeline.models import Scenario, Stage
from pipeline.stages import LABELS

OPEN_STAGES = (Stage.REQUIREMENT, Stage.DESIGN, Stage.TESTING, Stage.EVALUATION)


async def withdraw_participation(user: User | None, scenario_id: int, version: int, reason: str) -> Scenario:
    access = await load_access(user, scenario_id)
    scenario = access.scenario
    if not can(user, "scenario.leave", access):
        raise Forbidden("只有参与该场景的供给方可以撤回本单位的参与")
    if scenario.stage not in OPEN_STAGES:
        raise IllegalTransition(
            f"场景已处于「{LABELS[scenario.stage]}」，上架后只能由运营人员撤回整个场景",
            fields={"stage": "上架前才能撤回参与"},
        )
    reason = reason.strip()
    if not reason:
        raise Invalid({"reason": "撤回参与须填写原因"})
    if version != scenario.version:
        raise VersionConflict(fields={"version": f"当前版本为 {scenario.version}"})
    org_id = user.organisation_id
    async with in_transaction() as conn:
        updated = (
            await Scenario.filter(id=scenario.id, version=scenario.version, stage__in=OPEN_STAGES)
            .using_db(conn)
            .update(version=scenario.version + 1)
        )
        if not updated:
            raise VersionConflict("记录已被他人修改，请刷新后重试")
        fresh = await Scenario.get(id=scenario.id).using_db(conn)
        await fresh.partners.remove(
            *[o for o in await fresh.partners.all().using_db(conn) if o.id == org_id], using_db=conn
        )
        own = [p for p in await fresh.proposals.all().using_db(conn) if p.organisation_id == org_id]
        if own:
            await fresh.proposals.remove(*own, using_db=conn)
        await audit.record(
            user,
            "scenario.leave",
            "scenario",
            scenario.id,
            before={"partner": org_id, "version": scenario.version, "proposals": [p.id for p in own]},
            after={"partner": None, "version": scenario.version + 1},
            reason=reason,
            conn=conn,
        )
        await append_outbox("scenario", scenario.id, using_db=conn)
    return fresh
