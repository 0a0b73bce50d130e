"""Demo data for the lifecycle (idempotent; runs after ``lab.demo.seed_core``):

- the 2023 reserve-list edition (published) with its 249 scenarios, 18 of them featured with their
  stories and metrics; lead departments are created as department organisations, partners are the
  matchbench organisations;
- the 18 national cases (全国优秀案例) as external scenarios;
- an open 2024 edition and 30 lab scenarios spread over the stages, each from a seeded demand with an
  accepted proposal, with design plans, test reports, reviewer assignments and reviews, a back-dated
  history and a few notifications, so every screen has something real to show.

Records are imported directly with their history (an audit record per past move), the way a data
migration would; nothing here changes a stage that already exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, UTC
from decimal import Decimal

import anyio
from tortoise.transactions import in_transaction

from lab.demo import DEMO_PASSWORD, read_jsonl
from lab.models import (
    CapabilityProfile,
    Demand,
    Organisation,
    OrgKind,
    OutboxEvent,
    Proposal,
    ProposalStatus,
    ProfileStatus,
    Role,
    User,
)
from lab.passwords import hash_password
from lab.settings import Settings
from pipeline import attachments, progress_demo
from lab.models import AuditRecord
from pipeline.datasharing import demo as data_sharing_demo
from pipeline.models import (
    AssignmentStatus,
    Attachment,
    AttachmentKind,
    Edition,
    EditionStatus,
    FeaturedEntry,
    Origin,
    Review,
    ReviewAssignment,
    Scenario,
    Stage,
    Verdict,
    open_slot,
)
from pipeline.notifications import notify, party_users
from pipeline.rubric import default_rubric, weighted_score
from pipeline.stages import FORWARD, LABELS

DATA = "pipeline.data.demo"
EDITION_2023 = "2023年度智慧蓉城应用场景储备清单"
EDITION_2024 = "2024年度智慧蓉城应用场景储备清单"
LISTED_AT = datetime(2023, 12, 20, 2, 0, tzinfo=UTC)
FEATURED_AT = datetime(2024, 1, 16, 2, 0, tzinfo=UTC)
REVIEWERS = (  # email, name, organisation, kind
    ("reviewer2@lab.demo", "评审专家 刘研究员", "四川省智慧城市规划设计研究院", OrgKind.INSTITUTE),
    ("reviewer3@lab.demo", "评审专家 周高工", "成都市信息化咨询评估中心", OrgKind.INSTITUTE),
    ("reviewer4@lab.demo", "评审专家 黄教授", "西南城市治理研究院", OrgKind.INSTITUTE),
)
# the 30 lab scenarios: (final stage, count), dealt round-robin so the demo accounts' few get a mix
PLAN = (
    (Stage.EVALUATION, 8),
    (Stage.TESTING, 5),
    (Stage.DESIGN, 5),
    (Stage.LISTING, 3),
    (Stage.REQUIREMENT, 5),
    (Stage.REJECTED, 2),
    (Stage.WITHDRAWN, 2),
)
COMMENTS = (
    "方案针对性强，数据接入条件已落实，建议扩大试点范围。",
    "技术路线成熟，需补充运维保障和安全评估材料。",
    "应用成效有量化数据支撑，推广价值较高。",
    "创新点清晰，但跨部门协同机制还需细化。",
    "测试样本偏少，建议补充不同场景下的对比数据。",
)


def _pdf(text: str) -> bytes:
    """A tiny, valid one-page PDF (enough to be recognised by content)."""
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _score(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:4], 16)


async def _edition(name: str, year: int, status: EditionStatus, conn) -> Edition:
    edition = await Edition.get_or_none(name=name).using_db(conn)
    if edition is None:
        edition = await Edition.create(
            name=name, year=year, status=status, rubric=default_rubric(), open_slot=open_slot(status), using_db=conn
        )
    return edition


async def _orgs(names: dict[str, str], conn) -> dict[str, Organisation]:
    """Organisations by name, creating missing department ones (name → district)."""
    existing = {o.name: o for o in await Organisation.filter(name__in=list(names)).using_db(conn)}
    missing = [
        Organisation(name=n, kind=OrgKind.DEPARTMENT, district=d, verified=True)
        for n, d in names.items()
        if n not in existing
    ]
    if missing:
        await Organisation.bulk_create(missing, using_db=conn)
        existing = {o.name: o for o in await Organisation.filter(name__in=list(names)).using_db(conn)}
    return existing


async def seed_edition_2023(operator: User | None, conn) -> int:
    rows = list(read_jsonl(DATA, "reserve_list_2023.jsonl"))
    featured = {f["code"]: f for f in read_jsonl(DATA, "featured.jsonl")}
    edition = await _edition(EDITION_2023, 2023, EditionStatus.PUBLISHED, conn)
    done = set(await Scenario.filter(code__in=[r["code"] for r in rows]).using_db(conn).values_list("code", flat=True))
    todo = [r for r in rows if r["code"] not in done]
    if not todo:
        return 0
    leads = {r["lead_department"]: r["district"] for r in todo}
    orgs = await _orgs(leads, conn)
    partners = {
        o.name: o
        for o in await Organisation.filter(name__in=list({p for r in todo for p in r["partners"]})).using_db(conn)
    }
    await Scenario.bulk_create(
        [
            Scenario(
                code=r["code"],
                title=r["title"],
                summary=r["summary"],
                domain=r["domain"],
                district=r["district"],
                origin=Origin.LAB,
                year=r["year"],
                tags=r["tags"],
                investment_wan=Decimal(r["investment_wan"]),
                lead_department_id=orgs[r["lead_department"]].id,
                edition_id=edition.id,
                stage=Stage.PROMOTION if r["code"] in featured else Stage.LISTING,
                furthest_stage=Stage.PROMOTION if r["code"] in featured else Stage.LISTING,
                entered_stage_at=FEATURED_AT if r["code"] in featured else LISTED_AT,
                partner_names=[p for p in r["partners"] if p not in partners],
            )
            for r in todo
        ],
        using_db=conn,
    )
    by_code = {s.code: s for s in await Scenario.filter(code__in=[r["code"] for r in todo]).using_db(conn)}
    audits, outbox = [], []
    for r in todo:
        s = by_code[r["code"]]
        known = [partners[p] for p in r["partners"] if p in partners]
        if known:
            await s.partners.add(*known, using_db=conn)
        audits.append(_history(operator, s, Stage.EVALUATION, Stage.LISTING, LISTED_AT, "列入2023年度场景储备清单"))
        if r["code"] in featured:
            f = featured[r["code"]]
            await FeaturedEntry.create(
                edition_id=edition.id,
                scenario_id=s.id,
                rank=f["rank"],
                highlight=f["highlight"],
                metrics=f["metrics"],
                created_at=FEATURED_AT,
                using_db=conn,
            )
            audits.append(_history(operator, s, Stage.LISTING, Stage.PROMOTION, FEATURED_AT, "入选精选展示"))
        outbox.append(OutboxEvent(kind="scenario", object_id=s.id, op="upsert"))
    await AuditRecord.bulk_create(audits, using_db=conn)
    await OutboxEvent.bulk_create(outbox, using_db=conn)
    return len(todo)


def _history(
    actor: User | None,
    s: Scenario,
    source: Stage | None,
    target: Stage,
    at: datetime,
    reason: str = "",
    version: int = 1,
) -> AuditRecord:
    action = (
        "create" if source is None else {Stage.REJECTED: "reject", Stage.WITHDRAWN: "withdraw"}.get(target, "advance")
    )
    before = {} if source is None else {"stage": source.value, "version": version - 1}
    return AuditRecord(
        actor_id=actor.id if actor else None,
        action=f"scenario.{action}",
        object_kind="scenario",
        object_id=s.id,
        before=before,
        after={"stage": target.value, "version": version},
        reason=reason,
        at=at,
    )


async def seed_national_cases(operator: User | None, conn) -> int:
    cases = list(read_jsonl(DATA, "national_cases.jsonl"))
    done = set(
        await Scenario.filter(origin=Origin.EXTERNAL, title__in=[c["title"] for c in cases])
        .using_db(conn)
        .values_list("title", flat=True)
    )
    created = 0
    for c in cases:
        if c["title"] in done:
            continue
        s = await Scenario.create(
            title=c["title"],
            summary=c["summary"],
            domain=c["domain"],
            origin=Origin.EXTERNAL,
            city=c["city"],
            year=c["year"],
            source_note=c.get("source_note", ""),
            tags=["示例案例"] if "示例" in c.get("source_note", "") else [],
            stage=Stage.LISTING,
            furthest_stage=Stage.LISTING,
            using_db=conn,
        )
        await AuditRecord.bulk_create(
            [_history(operator, s, None, Stage.LISTING, s.created_at, "录入全国优秀案例")], using_db=conn
        )
        await OutboxEvent.create(kind="scenario", object_id=s.id, op="upsert", using_db=conn)
        created += 1
    await _retire_illustrative_cases(operator, {c["title"] for c in cases}, conn)
    return created


async def _retire_illustrative_cases(operator: User | None, kept: set[str], conn) -> None:
    """Cases seeded by an earlier demo as illustrative examples (``示例案例``) that the revised file
    no longer holds are withdrawn (hidden from visitors), with the reason in the audit trail."""
    old = await Scenario.filter(origin=Origin.EXTERNAL).exclude(stage=Stage.WITHDRAWN).using_db(conn)
    for s in old:
        if s.title in kept or "示例案例" not in s.tags:
            continue
        before = s.stage
        await Scenario.filter(id=s.id).using_db(conn).update(stage=Stage.WITHDRAWN, version=s.version + 1)
        await AuditRecord.bulk_create(
            [
                _history(
                    operator,
                    s,
                    before,
                    Stage.WITHDRAWN,
                    datetime.now(UTC),
                    "示例案例不是真实项目，已从全国优秀案例中撤下",
                    version=s.version + 1,
                )
            ],
            using_db=conn,
        )
        await OutboxEvent.create(kind="scenario", object_id=s.id, op="upsert", using_db=conn)


async def _reviewers(conn) -> list[User]:
    found = []
    core = await User.get_or_none(email="reviewer@lab.demo").using_db(conn)
    if core is not None:
        found.append(core)
    password = None
    for email, name, org_name, kind in REVIEWERS:
        user = await User.get_or_none(email=email).using_db(conn)
        if user is None:
            org = await Organisation.get_or_none(name=org_name).using_db(conn) or await Organisation.create(
                name=org_name, kind=kind, district="高新区", verified=True, using_db=conn
            )
            password = password or hash_password(DEMO_PASSWORD)
            user = await User.create(
                email=email,
                display_name=name,
                password_hash=password,
                role=Role.REVIEWER,
                organisation=org,
                using_db=conn,
            )
        found.append(user)
    return found


def _supplier_for(demand: Demand, preferred: int | None, profiles: list[CapabilityProfile]) -> CapabilityProfile | None:
    matching = [p for p in profiles if demand.domain in (p.domains or [])]
    for p in matching:
        if p.organisation_id == preferred:
            return p
    return matching[_score(demand.id) % len(matching)] if matching else (profiles[0] if profiles else None)


async def _attach(settings: Settings, s: Scenario, kind: AttachmentKind, stage: Stage, at: datetime, conn) -> None:
    content = _pdf(f"{kind.value} scenario {s.id}")
    digest = hashlib.sha256(content).hexdigest()
    path = attachments.stored_path(settings, digest, "pdf")
    await anyio.to_thread.run_sync(attachments.write_file, path, content)
    await Attachment.create(
        scenario_id=s.id,
        kind=kind,
        verdict=Verdict.PASSED if kind == AttachmentKind.TEST_REPORT else None,
        filename=f"{'设计方案' if kind == AttachmentKind.DESIGN_PLAN else '测试报告'}.pdf",
        media_type="application/pdf",
        extension="pdf",
        size=len(content),
        sha256=digest,
        stage=stage,
        created_at=at,
        using_db=conn,
    )


def _finals() -> list[Stage]:
    left = dict(PLAN)
    out: list[Stage] = []
    while any(left.values()):
        for stage, _ in PLAN:
            if left[stage]:
                out.append(stage)
                left[stage] -= 1
    return out


async def _demands(department: User | None, supplier: User | None, conn) -> list[Demand]:
    """Seeded demands: the demo department's first, then those in the demo supplier's domains."""
    demands = await Demand.filter(external_ref__isnull=False).using_db(conn).order_by("external_ref")
    domains: set[str] = set()
    if supplier is not None:
        for profile in await CapabilityProfile.filter(organisation_id=supplier.organisation_id).using_db(conn):
            domains.update(profile.domains or [])
    own = department.organisation_id if department else None
    return sorted(demands, key=lambda d: (d.organisation_id != own, d.domain not in domains, d.external_ref))


def _path(final: Stage, n: int) -> list[Stage]:
    """The stages a demo scenario went through, ending at ``final``."""
    if final == Stage.REJECTED:
        return [*FORWARD[:4], Stage.REJECTED]
    if final == Stage.WITHDRAWN:
        return [*FORWARD[: 1 + n % 3], Stage.WITHDRAWN]
    return list(FORWARD[: FORWARD.index(final) + 1])


async def _review(s: Scenario, reviewer: User, low: bool, at: datetime, conn) -> None:
    rubric = default_rubric()
    base = 52 if low else 74
    scores = {c["name"]: min(100, base + _score(s.id, reviewer.id, c["name"]) % 16) for c in rubric}
    await ReviewAssignment.create(
        scenario_id=s.id, reviewer_id=reviewer.id, status=AssignmentStatus.SUBMITTED, created_at=at, using_db=conn
    )
    await Review.create(
        scenario_id=s.id,
        reviewer_id=reviewer.id,
        scores=scores,
        rubric=rubric,
        weighted_score=weighted_score(rubric, scores),
        created_at=at + timedelta(days=3),
        comment=COMMENTS[_score(s.id, reviewer.id) % len(COMMENTS)],
        using_db=conn,
    )


async def seed_lab_scenarios(settings: Settings, operator: User | None, conn) -> int:
    if await Scenario.filter(origin=Origin.LAB, demand_id__isnull=False).using_db(conn).exists():
        return 0
    edition_2024 = await _edition(EDITION_2024, 2024, EditionStatus.OPEN, conn)
    department = await User.get_or_none(email="department@lab.demo").using_db(conn)
    supplier = await User.get_or_none(email="supplier@lab.demo").using_db(conn)
    reviewers = await _reviewers(conn)
    demands = await _demands(department, supplier, conn)
    profiles = await CapabilityProfile.filter(status=ProfileStatus.PUBLISHED).using_db(conn).order_by("id")
    now = datetime.now(UTC)
    created = listed_codes = evaluations = 0
    for n, (demand, final) in enumerate(zip(demands, _finals())):
        profile = _supplier_for(demand, supplier.organisation_id if supplier else None, profiles)
        if profile is None:
            break
        proposal = await Proposal.get_or_none(demand_id=demand.id, organisation_id=profile.organisation_id).using_db(
            conn
        )
        if proposal is None:
            proposal = await Proposal.create(
                demand_id=demand.id,
                organisation_id=profile.organisation_id,
                profile_id=profile.id,
                approach=f"基于「{profile.title}」的揭榜方案：{profile.summary[:120]}",
                cost_wan=Decimal(demand.budget_wan or 100),
                duration_weeks=12 + n % 20,
                status=ProposalStatus.ACCEPTED,
                using_db=conn,
            )
        path = _path(final, n)
        start = now - timedelta(days=20 + 12 * len(path) + n)
        times = [start + timedelta(days=12 * i + n % 5) for i in range(len(path))]
        listed = final == Stage.LISTING
        listed_codes += listed
        s = await Scenario.create(
            title=demand.title,
            summary=demand.description,
            domain=demand.domain,
            district=demand.district,
            origin=Origin.LAB,
            year=2024,
            tags=[],
            investment_wan=proposal.cost_wan,
            lead_department_id=demand.organisation_id,
            demand_id=demand.id,
            stage=final,
            live_demand_key=None if final in (Stage.REJECTED, Stage.WITHDRAWN) else demand.id,
            furthest_stage=max((p for p in path if p in FORWARD), key=FORWARD.index),
            version=len(path),
            edition_id=edition_2024.id if listed else None,
            code=f"CD-2024-{listed_codes:03d}" if listed else None,
            created_by_id=operator.id if operator else None,
            created_at=times[0],
            entered_stage_at=times[-1],
            using_db=conn,
        )
        await s.partners.add(await Organisation.get(id=profile.organisation_id).using_db(conn), using_db=conn)
        await s.proposals.add(proposal, using_db=conn)
        history = [_history(operator, s, None, Stage.REQUIREMENT, times[0], "由已采纳的揭榜方案创建场景")]
        for i in range(1, len(path)):
            reason = {
                Stage.REJECTED: "评审加权平均分低于通过线，应用成效数据不足",
                Stage.WITHDRAWN: "需求部门调整年度计划，暂缓实施",
            }.get(path[i], "")
            history.append(_history(operator, s, path[i - 1], path[i], times[i], reason, version=i + 1))
        await AuditRecord.bulk_create(history, using_db=conn)
        if Stage.TESTING in path:
            await _attach(settings, s, AttachmentKind.DESIGN_PLAN, Stage.DESIGN, times[1], conn)
        if Stage.EVALUATION in path:
            await _attach(settings, s, AttachmentKind.TEST_REPORT, Stage.TESTING, times[2], conn)
        free = [r for r in reviewers if r.organisation_id not in (demand.organisation_id, profile.organisation_id)]
        evaluations += final == Stage.EVALUATION
        evaluated = final in (Stage.LISTING, Stage.REJECTED) or (final == Stage.EVALUATION and evaluations <= 4)
        if evaluated:
            for r in free[1:4]:
                await _review(s, r, final == Stage.REJECTED, times[3], conn)
        if final == Stage.EVALUATION and free and free[0].email == "reviewer@lab.demo":
            await ReviewAssignment.create(scenario_id=s.id, reviewer_id=free[0].id, created_at=times[-1], using_db=conn)
            await notify([free[0].id], "review_assigned", f"您被指派评审场景「{s.title}」", s, conn=conn)
        await OutboxEvent.create(kind="scenario", object_id=s.id, op="upsert", using_db=conn)
        await notify(
            await party_users(s, conn), "stage_changed", f"场景「{s.title}」已进入「{LABELS[final]}」", s, conn=conn
        )
        created += 1
    return created


async def seed(settings: Settings, progress: Callable[[str], None] = print) -> None:
    async with in_transaction() as conn:
        operator = await User.get_or_none(email="operator@lab.demo").using_db(conn)
        progress(f"场景储备清单（2023）：新增 {await seed_edition_2023(operator, conn)} 个场景")
        progress(f"全国优秀案例：新增 {await seed_national_cases(operator, conn)} 个")
        progress(f"实验室在途场景：新增 {await seed_lab_scenarios(settings, operator, conn)} 个")
        progress(f"公共数据资源目录：新增 {await data_sharing_demo.seed_catalogue(conn)} 项")
        progress(f"公共数据共享申请：新增 {await data_sharing_demo.seed_requests(conn)} 件")
        progress(f"场景进展记录：新增 {await progress_demo.seed_progress(conn)} 条")
        from pipeline.event_demo import seed_events

        progress(f"活动与洽谈：{await seed_events(operator, conn)}")
