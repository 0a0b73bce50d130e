"""Builders for test records. They go through the project's own commands where one exists."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx

from lab.auth import issue_token
from lab.demo import demo_credit_code
from lab.models import CapabilityProfile, Demand, DemandStatus, Organisation, OrgKind, ProfileStatus, Role, User
from lab.passwords import hash_password

_seq = itertools.count(1)
PASSWORD = "correct-horse-42"
# argon2 is slow on purpose; hash once for all test users
_HASH: list[str] = []


def _password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


async def organisation(kind: str = "department", name: str | None = None, district: str = "武侯区") -> Organisation:
    n = next(_seq)
    name = (
        name
        or {
            "department": f"成都市测试局{n}",
            "enterprise": f"成都测试科技有限公司{n}",
            "university": f"测试大学{n}",
            "institute": f"测试研究院{n}",
            "operator": f"测试实验室{n}",
        }[kind]
    )
    return await Organisation.create(
        kind=OrgKind(kind),
        name=name,
        district=district,
        credit_code=demo_credit_code(name) if kind == "enterprise" else None,
    )


async def user(role: str = "department_member", org: Organisation | None = None, email: str | None = None) -> User:
    kind = {
        "department_member": "department",
        "supplier_member": "enterprise",
        "reviewer": "university",
        "operator": "operator",
    }[role]
    org = org or await organisation(kind)
    n = next(_seq)
    created = await User.create(
        email=email or f"{role}{n}@example.cn",
        display_name=f"{role}{n}",
        password_hash=_password_hash(),
        role=Role(role),
        organisation=org,
    )
    await created.fetch_related("organisation")
    return created


async def token(u: User) -> str:
    _, value = await issue_token(u, "test")
    return value


def auth(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def demand(
    org: Organisation,
    status: str = "published",
    title: str = "老旧小区电动自行车充电安全治理",
    description: str = "辖区老旧小区电动自行车进楼入户充电现象突出，希望从源头上阻止电动车进电梯。",
    domain: str = "消防",
    district: str = "金牛区",
) -> Demand:
    return await Demand.create(
        organisation=org,
        title=title,
        description=description,
        domain=domain,
        district=district,
        budget_wan=120,
        status=DemandStatus(status),
    )


async def profile(
    org: Organisation,
    status: str = "published",
    title: str = "电梯电动车识别阻车系统",
    summary: str = "在电梯轿厢部署视觉识别终端，识别电动自行车进入后语音提醒并联动阻止关门，同时推送物业。",
    domains: list[str] | None = None,
    keywords: list[str] | None = None,
) -> CapabilityProfile:
    return await CapabilityProfile.create(
        organisation=org,
        title=title,
        summary=summary,
        domains=domains or ["消防"],
        keywords=keywords or ["电梯阻车"],
        status=ProfileStatus(status),
    )


@dataclass
class Actor:
    user: User
    headers: dict[str, str]


async def actor(role: str, org: Organisation | None = None) -> Actor:
    u = await user(role, org)
    return Actor(u, auth(await token(u)))


async def sign_in(client: httpx.AsyncClient, u: User) -> dict[str, str]:
    response = await client.post("/api/tokens", json={"email": u.email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return auth(response.json()["token"])
