"""Use cases for organisations and users."""

from __future__ import annotations

import anyio
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, Invalid, NotFound
from lab.models import Organisation, OrgKind, Role, User
from lab.passwords import hash_password
from lab.permissions import require
from lab.records import apply_change
from lab.schemas import OrganisationIn, OrganisationUpdate, UserIn, UserUpdate

ROLE_ORG_KINDS = {
    Role.DEPARTMENT_MEMBER: {OrgKind.DEPARTMENT},
    Role.SUPPLIER_MEMBER: {OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE},
    Role.REVIEWER: {OrgKind.DEPARTMENT, OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.OPERATOR},
    Role.OPERATOR: {OrgKind.OPERATOR},
}


async def get_organisation(user: User | None, organisation_id: int) -> Organisation:
    org = await Organisation.get_or_none(id=organisation_id)
    if org is None:
        raise NotFound("找不到该单位")
    require(user, "organisation.read", org)
    return org


async def create_organisation(user: User | None, data: OrganisationIn) -> Organisation:
    require(user, "organisation.create")
    if data.kind == OrgKind.ENTERPRISE and not data.credit_code:
        raise Invalid({"credit_code": "企业须填写统一社会信用代码"})
    try:
        async with in_transaction() as conn:
            org = await Organisation.create(using_db=conn, **data.model_dump())
            await audit.record(
                user,
                "organisation.create",
                "organisation",
                org.id,
                after=audit.snapshot(org, ("name", "kind", "verified")),
                conn=conn,
            )
            return org
    except IntegrityError:
        raise Conflict("同名单位或相同的统一社会信用代码已存在", code="duplicate_organisation") from None


async def update_organisation(user: User, organisation_id: int, data: OrganisationUpdate) -> Organisation:
    org = await get_organisation(user, organisation_id)
    require(user, "organisation.update", org)
    changes = data.model_dump(exclude_unset=True)
    try:
        if changes:
            await apply_change(
                org, changes, actor=user, action="organisation.update", kind="organisation", versioned=False
            )
    except IntegrityError:
        raise Conflict("同名单位或相同的统一社会信用代码已存在", code="duplicate_organisation") from None
    return await Organisation.get(id=org.id)


async def create_user(actor: User | None, data: UserIn, *, bootstrap: bool = False) -> User:
    """Create an account; ``bootstrap`` is for the CLI (first operator, demo) where no actor exists."""
    if not bootstrap:
        require(actor, "user.create")
    org = await Organisation.get_or_none(id=data.organisation_id)
    if org is None:
        raise Invalid({"organisation_id": "单位不存在"})
    if org.kind not in ROLE_ORG_KINDS[data.role]:
        raise Invalid({"role": "该角色与所属单位类型不符"})
    password_hash = await anyio.to_thread.run_sync(hash_password, data.password)  # argon2: off the event loop
    try:
        async with in_transaction() as conn:
            created = await User.create(
                email=data.email.lower(),
                display_name=data.display_name,
                password_hash=password_hash,
                role=data.role,
                organisation=org,
                using_db=conn,
            )
            await audit.record(
                actor,
                "user.create",
                "user",
                created.id,
                after=audit.snapshot(created, ("email", "role", "organisation_id", "active")),
                conn=conn,
            )
            return created
    except IntegrityError:
        raise Conflict("该邮箱已注册", code="duplicate_email", fields={"email": "该邮箱已注册"}) from None


async def get_user(actor: User, user_id: int) -> User:
    user = await User.get_or_none(id=user_id).select_related("organisation")
    if user is None:
        raise NotFound("找不到该用户")
    require(actor, "user.read", user)
    return user


async def update_user(actor: User, user_id: int, data: UserUpdate) -> User:
    user = await get_user(actor, user_id)
    require(actor, "user.update", user)
    changes = data.model_dump(exclude_unset=True)
    if "role" in changes or "active" in changes:
        require(actor, "user.change_role", user)
    if "role" in changes and user.organisation.kind not in ROLE_ORG_KINDS[changes["role"]]:
        raise Invalid({"role": "该角色与所属单位类型不符"})
    if "password" in changes:
        changes["password_hash"] = await anyio.to_thread.run_sync(hash_password, changes.pop("password"))
    if changes:
        action = "user.change_role" if {"role", "active"} & set(changes) else "user.update"
        await apply_change(user, changes, actor=actor, action=action, kind="user", versioned=False)
    return await get_user(actor, user.id)
