"""Demo events (idempotent, keyed by title; runs inside ``pipeline.demo.seed``):

- a past 供需对接会 (May 2024) with registrations, 1:1 meetings laid out by the real scheduler on
  domain agreement and wishes, answers (one declined), check-ins and outcomes — two 合作意向 linked
  to the accepted proposals the two sides already have;
- an upcoming 供需对接会 (two weeks from the first seeding) with registrations, hours and wishes,
  waiting for the operator to schedule it; the demo department and supplier are registered;
- an upcoming training (培训) with a few registrations.

Past records are imported with their history (an audit record per decision), the way a data
migration would.
"""

from __future__ import annotations

import datetime as dt

import anyio.to_thread
import numpy as np

from lab.models import (
    AuditRecord,
    CapabilityProfile,
    Demand,
    DemandStatus,
    Organisation,
    OrgKind,
    ProfileStatus,
    Proposal,
    ProposalStatus,
    User,
)
from pipeline.models import (
    Answer,
    Event,
    EventKind,
    EventRegistration,
    Meeting,
    Outcome,
    Side,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
PAST_TITLE = "2024年智慧蓉城应用场景供需对接会（第一期）"
UPCOMING_TITLE = "智慧蓉城应用场景供需对接会（城市治理专场）"
TRAINING_TITLE = "公共数据授权运营与场景申报培训"
DEMO_DEPARTMENT, DEMO_SUPPLIER = "department@lab.demo", "supplier@lab.demo"


async def _domains(
    conn,
) -> tuple[dict[int, set[str]], dict[int, set[str]], dict[int, dict[str, str]], dict[int, dict[str, str]]]:
    """Per organisation: domains of its published demands / profiles, and a title per domain."""
    dept_domains: dict[int, set[str]] = {}
    dept_titles: dict[int, dict[str, str]] = {}
    for org_id, domain, title in (
        await Demand.filter(status=DemandStatus.PUBLISHED)
        .using_db(conn)
        .order_by("id")
        .values_list("organisation_id", "domain", "title")
    ):
        dept_domains.setdefault(org_id, set()).add(domain)
        dept_titles.setdefault(org_id, {}).setdefault(domain, title)
    supp_domains: dict[int, set[str]] = {}
    supp_titles: dict[int, dict[str, str]] = {}
    for org_id, domains, title in (
        await CapabilityProfile.filter(status=ProfileStatus.PUBLISHED)
        .using_db(conn)
        .order_by("id")
        .values_list("organisation_id", "domains", "title")
    ):
        for domain in domains or []:
            supp_domains.setdefault(org_id, set()).add(domain)
            supp_titles.setdefault(org_id, {}).setdefault(domain, title)
    return dept_domains, supp_domains, dept_titles, supp_titles


async def _pick(conn, accepted: list[Proposal], count_d: int, count_s: int, must: list[int]) -> tuple[list, list]:
    """Departments and suppliers for an event: the given ones, the parties of accepted proposals,
    then organisations that share a domain with them."""
    dept_domains, supp_domains, _, _ = await _domains(conn)
    kinds = dict(await Organisation.filter(id__in=must).using_db(conn).values_list("id", "kind"))
    depts = [o for o in must if kinds.get(o) == OrgKind.DEPARTMENT]
    supps = [o for o in must if kinds.get(o) != OrgKind.DEPARTMENT]
    for p in accepted:
        if p.demand.organisation_id not in depts:
            depts.append(p.demand.organisation_id)
        if p.organisation_id not in supps:
            supps.append(p.organisation_id)
    wanted = set().union(*(dept_domains.get(d, set()) for d in depts)) if depts else set()
    for org_id in sorted(dept_domains):
        if len(depts) >= count_d:
            break
        if org_id not in depts:
            depts.append(org_id)
            wanted |= dept_domains[org_id]
    for org_id in sorted(supp_domains, key=lambda o: (-len(supp_domains[o] & wanted), o)):
        if len(supps) >= count_s:
            break
        if org_id not in supps:
            supps.append(org_id)
    return depts[:count_d], supps[:count_s]


def _fit(d: int, s: int, dd, sd, dt_, st_) -> tuple[float, list[str]]:
    shared = sorted(dd.get(d, set()) & sd.get(s, set()))
    if not shared:
        return 0.1, ["领域不同，为保证每个单位至少一场洽谈而安排"]
    domain = shared[0]
    return 0.3 + 0.1 * min(len(shared), 3), [
        f"需求「{dt_[d][domain]}」与能力「{st_[s][domain]}」同属{domain}",
        "领域相同：" + "、".join(shared),
    ]


async def _registrations(
    event: Event,
    depts: list[int],
    supps: list[int],
    wishes: dict[int, list[int]],
    operator: User | None,
    conn,
    at: dt.datetime,
    half_day: set[int] = frozenset(),
) -> None:
    rows = []
    for org_id, side in [*[(d, Side.DEPARTMENT) for d in depts], *[(s, Side.SUPPLIER) for s in supps]]:
        available = []
        if org_id in half_day:
            mid = event.starts_at + (event.ends_at - event.starts_at) / 2
            available = [[event.starts_at.isoformat(), mid.isoformat()]]
        rows.append(
            EventRegistration(
                event_id=event.id,
                organisation_id=org_id,
                side=side,
                available=available,
                wishes=wishes.get(org_id, []),
                registered_by_id=operator.id if operator else None,
                created_at=at,
            )
        )
    await EventRegistration.bulk_create(rows, using_db=conn)
    await AuditRecord.bulk_create(
        [
            AuditRecord(
                actor_id=operator.id if operator else None,
                action="event.register",
                object_kind="event",
                object_id=event.id,
                at=at,
                after={"organisation_id": r.organisation_id, "side": r.side.value},
            )
            for r in rows
        ],
        using_db=conn,
    )


async def _past(operator: User | None, conn) -> int:
    from matchmaking.scheduling import Problem, schedule
    from pipeline.events import available_slots, slot_starts

    starts = dt.datetime(2024, 5, 16, 9, 0, tzinfo=CHINA)
    event = await Event.create(
        title=PAST_TITLE,
        kind=EventKind.MATCHMAKING,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        place="成都市大数据中心一楼路演厅（天府大道北段966号）",
        description="政府部门发布应用场景需求，企业、高校和科研院所一对一洽谈，促成场景共创。",
        domains=["城市管理", "智慧交通", "消防", "基层治理"],
        slot_minutes=20,
        tables=8,
        capacity=60,
        created_by_id=operator.id if operator else None,
        using_db=conn,
    )
    accepted = list(
        await Proposal.filter(status=ProposalStatus.ACCEPTED)
        .select_related("demand")
        .using_db(conn)
        .order_by("id")
        .limit(2)
    )
    depts, supps = await _pick(conn, accepted, 6, 14, [])
    wishes: dict[int, list[int]] = {}
    for p in accepted:  # the parties of an accepted proposal wanted to meet
        wishes.setdefault(p.demand.organisation_id, []).append(p.organisation_id)
        wishes.setdefault(p.organisation_id, []).append(p.demand.organisation_id)
    registered_at = starts - dt.timedelta(days=10)
    await _registrations(event, depts, supps, wishes, operator, conn, registered_at, half_day={supps[-1]})
    registrations = await EventRegistration.filter(event_id=event.id).using_db(conn).order_by("id")
    dd, sd, dti, sti = await _domains(conn)
    scores = np.zeros((len(depts), len(supps)))
    reasons = {}
    for i, d in enumerate(depts):
        for j, s in enumerate(supps):
            score, why = _fit(d, s, dd, sd, dti, sti)
            if s in wishes.get(d, []) and d in wishes.get(s, []):
                score, why = score + 1.0, ["双方互相点名希望会面", *why]
            scores[i, j], reasons[(i, j)] = score, why
    by_org = {r.organisation_id: r for r in registrations}
    slot_times = slot_starts(event)
    problem = Problem(
        slots=len(slot_times),
        tables=event.tables,
        scores=scores,
        department_slots=np.array([available_slots(event, by_org[d]) for d in depts]),
        supplier_slots=np.array([available_slots(event, by_org[s]) for s in supps]),
    )
    result = await anyio.to_thread.run_sync(lambda: schedule(problem, seconds=3, workers=1))
    step = dt.timedelta(minutes=event.slot_minutes)
    proposals = {(p.demand.organisation_id, p.organisation_id): p for p in accepted}
    rows = []
    for n, m in enumerate(sorted(result.meetings, key=lambda m: (m.slot, m.table))):
        d, s = depts[m.department], supps[m.supplier]
        proposal = proposals.get((d, s))
        declined = n == 3 and proposal is None
        outcome = (
            Outcome.INTENT if proposal else (None if declined else (Outcome.FOLLOW_UP if n % 3 == 0 else Outcome.NONE))
        )
        rows.append(
            Meeting(
                event_id=event.id,
                department_id=d,
                supplier_id=s,
                starts_at=slot_times[m.slot],
                ends_at=slot_times[m.slot] + step,
                table=m.table,
                score=round(m.score, 4),
                reasons=reasons[(m.department, m.supplier)],
                department_answer=Answer.CONFIRMED,
                supplier_answer=Answer.DECLINED if declined else Answer.CONFIRMED,
                decline_reason="当天另有安排" if declined else "",
                outcome=outcome,
                outcome_note="双方约定开展现场踏勘并提交揭榜方案"
                if proposal
                else ("约定会后补充材料" if outcome == Outcome.FOLLOW_UP else ""),
                proposal_id=proposal.id if proposal else None,
                created_at=registered_at + dt.timedelta(days=3),
            )
        )
    await Meeting.bulk_create(rows, using_db=conn)
    await Event.filter(id=event.id).using_db(conn).update(scheduled_at=registered_at + dt.timedelta(days=3))
    await (
        EventRegistration.filter(event_id=event.id)
        .using_db(conn)
        .update(checked_in_at=starts - dt.timedelta(minutes=30))
    )
    saved = await Meeting.filter(event_id=event.id).using_db(conn)
    audits = [
        AuditRecord(
            actor_id=operator.id if operator else None,
            action="event.schedule",
            object_kind="event",
            object_id=event.id,
            after={"meetings": len(saved)},
            at=registered_at + dt.timedelta(days=3),
        )
    ]
    audits += [
        AuditRecord(
            actor_id=operator.id if operator else None,
            action="meeting.outcome",
            object_kind="meeting",
            object_id=m.id,
            after={"outcome": m.outcome.value, "proposal_id": m.proposal_id},
            at=m.ends_at,
        )
        for m in saved
        if m.outcome
    ]
    await AuditRecord.bulk_create(audits, using_db=conn)
    return len(saved)


def _upcoming_start(days: int) -> dt.datetime:
    today = dt.datetime.now(CHINA).replace(hour=9, minute=0, second=0, microsecond=0)
    return today + dt.timedelta(days=days)


async def _upcoming(operator: User | None, conn) -> int:
    starts = _upcoming_start(14)
    event = await Event.create(
        title=UPCOMING_TITLE,
        kind=EventKind.MATCHMAKING,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        place="智慧蓉城应用场景实验室 A 区洽谈厅",
        domains=["城市管理", "基层治理", "消防", "应急管理与安全生产"],
        description="聚焦城市治理、基层治理和安全生产的场景需求，报名时可填写可参会时段并点名希望会面的单位。",
        slot_minutes=20,
        tables=6,
        capacity=40,
        created_by_id=operator.id if operator else None,
        using_db=conn,
    )
    must = list(
        await User.filter(email__in=[DEMO_DEPARTMENT, DEMO_SUPPLIER])
        .using_db(conn)
        .values_list("organisation_id", flat=True)
    )
    depts, supps = await _pick(conn, [], 5, 10, must)
    wishes = {depts[0]: supps[:2], supps[0]: [depts[0]]} if depts and supps else {}
    await _registrations(event, depts, supps, wishes, operator, conn, dt.datetime.now(dt.UTC), half_day=set(supps[-2:]))
    return len(depts) + len(supps)


async def _training(operator: User | None, conn) -> int:
    starts = _upcoming_start(21).replace(hour=14)
    event = await Event.create(
        title=TRAINING_TITLE,
        kind=EventKind.TRAINING,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="",
        online_url="https://meeting.example.cn/lab-training",
        domains=["数据治理与共享"],
        description="讲解公共数据授权运营规则与应用场景申报要点，线上参加。",
        capacity=200,
        created_by_id=operator.id if operator else None,
        using_db=conn,
    )
    depts, supps = await _pick(conn, [], 3, 3, [])
    await _registrations(event, depts, supps, {}, operator, conn, dt.datetime.now(dt.UTC))
    return len(depts) + len(supps)


async def seed_events(operator: User | None, conn) -> str:
    done = set(
        await Event.filter(title__in=[PAST_TITLE, UPCOMING_TITLE, TRAINING_TITLE])
        .using_db(conn)
        .values_list("title", flat=True)
    )
    parts = []
    if PAST_TITLE not in done:
        parts.append(f"往期对接会 {await _past(operator, conn)} 场洽谈")
    if UPCOMING_TITLE not in done:
        parts.append(f"即将举行的对接会 {await _upcoming(operator, conn)} 个单位报名")
    if TRAINING_TITLE not in done:
        parts.append(f"培训 {await _training(operator, conn)} 个单位报名")
    return "；".join(parts) or "已存在，跳过"
