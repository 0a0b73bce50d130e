"""Seeding the core demo data (idempotent): departments, suppliers, their capability profiles,
published demands from the bundled matchbench files, and one account per role."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, UTC
from importlib import resources
from collections.abc import Callable, Iterator

from tortoise.transactions import in_transaction

from lab.creditcode import ALPHABET, check_character
from lab.demo_conversation import seed_conversation
from lab.domains import DISTRICTS
from lab.models import CapabilityProfile, Demand, DemandStatus, Organisation, OrgKind, ProfileStatus, Role, User
from lab.outbox import append_outbox
from lab.passwords import hash_password

DEMO_PASSWORD = "lab-demo-2023"
OPERATOR_ORG = "智慧蓉城应用场景实验室"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    organisation: str


def read_jsonl(package: str, name: str) -> Iterator[dict]:
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def demo_credit_code(name: str) -> str:
    """A deterministic, valid 统一社会信用代码 for a fictional enterprise."""
    digest = hashlib.sha256(name.encode()).digest()
    body = "".join(ALPHABET[b % 10] for b in digest[:6])  # region etc. digits
    tail = "".join(ALPHABET[b % len(ALPHABET)] for b in digest[6:15])
    first17 = "91" + body + tail
    return first17 + check_character(first17)


DEMO_EPOCH = datetime(2024, 3, 1, 1, 30, tzinfo=UTC)


def demand_dates(n: int, today: date | None = None) -> tuple[datetime, date]:
    """A real publish date and a deadline for the ``n``-th seeded demand: published every few days
    from March 2024 on, open for 60–120 days; a deadline already past is moved to 30–75 days from
    today so the demo always has open calls."""
    published = DEMO_EPOCH + timedelta(days=(n * 7) % 240, hours=n % 8)
    deadline = published.date() + timedelta(days=60 + (n * 13) % 61)
    today = today or datetime.now(UTC).date()
    if deadline <= today:
        deadline = today + timedelta(days=30 + (n * 11) % 46)
    return published, deadline


def _district_of(region: str) -> str:
    for district in DISTRICTS:
        if district in region:
            return district
    return ""


async def _org(name: str, kind: OrgKind, district: str = "", conn=None) -> Organisation:
    org = await Organisation.get_or_none(name=name).using_db(conn)
    if org is None:
        org = await Organisation.create(
            name=name,
            kind=kind,
            district=district,
            verified=True,
            using_db=conn,
            credit_code=demo_credit_code(name) if kind == OrgKind.ENTERPRISE else None,
        )
    return org


async def _account(email: str, name: str, role: Role, org: Organisation, conn=None) -> None:
    if not await User.filter(email=email).using_db(conn).exists():
        await User.create(
            email=email,
            display_name=name,
            password_hash=hash_password(DEMO_PASSWORD),
            role=role,
            organisation=org,
            using_db=conn,
        )


async def seed_core(progress: Callable[[str], None] = print) -> list[DemoAccount]:
    """Seed the marketplace; returns the demo accounts. Running it again changes nothing."""
    capabilities = list(read_jsonl("lab.data.matchbench", "capabilities.jsonl"))
    demands = list(read_jsonl("lab.data.matchbench", "demands.jsonl"))
    async with in_transaction() as conn:
        operator_org = await _org(OPERATOR_ORG, OrgKind.OPERATOR, "高新区", conn)
        created = 0
        for cap in capabilities:
            if await CapabilityProfile.filter(external_ref=cap["id"]).using_db(conn).exists():
                continue
            org = await _org(cap["org"], OrgKind(cap["org_kind"]), _district_of(cap.get("region", "")), conn)
            profile = await CapabilityProfile.create(
                organisation=org,
                title=cap["title"],
                summary=cap["summary"],
                domains=cap["domains"],
                keywords=cap["keywords"],
                cases=cap.get("cases", []),
                region=cap.get("region", ""),
                maturity=7,
                status=ProfileStatus.PUBLISHED,
                external_ref=cap["id"],
                using_db=conn,
            )
            await append_outbox("capability", profile.id, using_db=conn)
            created += 1
        progress(f"能力档案：新增 {created} 条，共 {len(capabilities)} 条")
        created = 0
        for n, dem in enumerate(demands):
            published, deadline = demand_dates(n)
            if await Demand.filter(external_ref=dem["id"]).using_db(conn).exists():
                # demos seeded before dates existed get them now
                await (
                    Demand.filter(external_ref=dem["id"], published_at=None)
                    .using_db(conn)
                    .update(published_at=published, deadline=deadline)
                )
                continue
            org = await _org(dem["department"], OrgKind.DEPARTMENT, dem.get("district", ""), conn)
            demand = await Demand.create(
                organisation=org,
                title=dem["title"],
                description=dem["description"],
                domain=dem["domain"],
                district=dem.get("district", ""),
                budget_wan=dem.get("budget_wan"),
                status=DemandStatus.PUBLISHED,
                external_ref=dem["id"],
                published_at=published,
                deadline=deadline,
                using_db=conn,
            )
            await append_outbox("demand", demand.id, using_db=conn)
            created += 1
        progress(f"需求：新增 {created} 条，共 {len(demands)} 条")

        first_department = await Organisation.get(name=demands[0]["department"]).using_db(conn)
        first_supplier = await Organisation.get(name=capabilities[0]["org"]).using_db(conn)
        reviewer_org = await _org("蓉城理工大学智慧城市研究院", OrgKind.UNIVERSITY, "郫都区", conn)
        accounts = [
            DemoAccount("operator", "operator@lab.demo", DEMO_PASSWORD, operator_org.name),
            DemoAccount("department_member", "department@lab.demo", DEMO_PASSWORD, first_department.name),
            DemoAccount("supplier_member", "supplier@lab.demo", DEMO_PASSWORD, first_supplier.name),
            DemoAccount("reviewer", "reviewer@lab.demo", DEMO_PASSWORD, reviewer_org.name),
        ]
        names = {
            "operator": "实验室运营 王敏",
            "department_member": "需求部门 李强",
            "supplier_member": "供给方 张婷",
            "reviewer": "评审专家 陈教授",
        }
        orgs = {
            "operator": operator_org,
            "department_member": first_department,
            "supplier_member": first_supplier,
            "reviewer": reviewer_org,
        }
        for account in accounts:
            await _account(account.email, names[account.role], Role(account.role), orgs[account.role], conn)
    await seed_conversation(progress)
    return accounts
