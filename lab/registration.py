"""Self-registration of an organisation with its first member, and the operator's verification.

A registered organisation waits (``pending``) with its first member inactive; an operator verifies
it (the organisation gets its verified mark and the members waiting with it can sign in) or rejects
it with a reason (nothing is activated; the reason is kept). Each decision writes an audit record
in the same transaction."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from pydantic import Field, field_validator, model_validator
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import Conflict, IllegalTransition, Invalid, NotFound
from lab.models import Organisation, OrgKind, Role, User
from lab.passwords import hash_password
from lab.permissions import require
from lab.schemas import Input, OptionalDistrict, OrganisationIn, Title

ROLE_OF_KIND = {
    OrgKind.DEPARTMENT: Role.DEPARTMENT_MEMBER,
    OrgKind.ENTERPRISE: Role.SUPPLIER_MEMBER,
    OrgKind.UNIVERSITY: Role.SUPPLIER_MEMBER,
    OrgKind.INSTITUTE: Role.SUPPLIER_MEMBER,
}
KIND_LABELS = {
    "department": "政府部门",
    "enterprise": "企业",
    "university": "高校",
    "institute": "科研院所",
    "operator": "实验室运营",
}
STATUS_LABELS = {"pending": "待审核", "verified": "已认证", "rejected": "已驳回", "unverified": "未认证"}


class RegistrationIn(Input):
    kind: Literal["department", "enterprise", "university", "institute"]
    name: Title
    district: OptionalDistrict = ""
    credit_code: Annotated[str, Field(max_length=18)] | None = None
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    password: Annotated[str, Field(min_length=8, max_length=200)]

    _credit_code = field_validator("credit_code")(OrganisationIn._credit_code.__func__)  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _enterprise_needs_code(self) -> RegistrationIn:
        if self.kind == "enterprise" and not self.credit_code:
            raise ValueError("enterprise_needs_credit_code")
        return self


class RejectionIn(Input):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


def status_of(org: Organisation) -> str:
    if org.pending:
        return "pending"
    if org.verified:
        return "verified"
    return "rejected" if org.rejection_reason else "unverified"


def _snapshot(org: Organisation) -> dict:
    return {"status": status_of(org), "verified": org.verified}


async def register(data: RegistrationIn) -> tuple[Organisation, User]:
    """Create the organisation (waiting for verification) and its first member (inactive until
    then). Duplicate names, credit codes or emails are refused and nothing is created."""
    require(None, "organisation.register")
    password_hash = await anyio.to_thread.run_sync(hash_password, data.password)
    try:
        async with in_transaction() as conn:
            org = await Organisation.create(
                kind=OrgKind(data.kind),
                name=data.name,
                district=data.district,
                credit_code=data.credit_code,
                verified=False,
                pending=True,
                using_db=conn,
            )
            user = await User.create(
                email=data.email.lower(),
                display_name=data.display_name,
                password_hash=password_hash,
                role=ROLE_OF_KIND[org.kind],
                organisation=org,
                active=False,
                using_db=conn,
            )
            await audit.record(
                None,
                "organisation.register",
                "organisation",
                org.id,
                after=_snapshot(org),
                reason=f"首位成员 {user.display_name}（{user.email}）",
                conn=conn,
            )
    except IntegrityError:
        raise Conflict(
            "单位或邮箱已注册，请直接登录或联系实验室运营人员",
            code="duplicate_registration",
            fields=await _duplicate_fields(data),
        ) from None
    return org, user


async def _duplicate_fields(data: RegistrationIn) -> dict[str, str]:
    fields = {}
    if await Organisation.exists(name=data.name):
        fields["name"] = "同名单位已注册"
    if data.credit_code and await Organisation.exists(credit_code=data.credit_code):
        fields["credit_code"] = "该统一社会信用代码已注册"
    if await User.exists(email=data.email.lower()):
        fields["email"] = "该邮箱已注册"
    return fields


async def _decide(actor: User, organisation_id: int, action: str) -> Organisation:
    org = await Organisation.get_or_none(id=organisation_id)
    if org is None:
        raise NotFound("找不到该单位")
    require(actor, action, org)
    return org


async def verify(actor: User, organisation_id: int) -> Organisation:
    """Give the verified mark; members registered with it (still inactive) can now sign in."""
    org = await _decide(actor, organisation_id, "organisation.verify")
    if org.verified:
        raise IllegalTransition("该单位已认证")
    async with in_transaction() as conn:
        updated = (
            await Organisation.filter(id=org.id, verified=False)
            .using_db(conn)
            .update(verified=True, pending=False, rejection_reason="")
        )
        if not updated:
            raise IllegalTransition("该单位已认证")
        activated = 0
        if org.pending:
            activated = await User.filter(organisation_id=org.id, active=False).using_db(conn).update(active=True)
        await audit.record(
            actor,
            "organisation.verify",
            "organisation",
            org.id,
            before=_snapshot(org),
            after={"status": "verified", "verified": True, "activated_members": activated},
            conn=conn,
        )
    return await Organisation.get(id=org.id)


async def reject(actor: User, organisation_id: int, data: RejectionIn) -> Organisation:
    """Refuse a pending registration (or withdraw a verified mark) with a reason the applicant
    can be told; members stay as they are (pending ones stay inactive)."""
    org = await _decide(actor, organisation_id, "organisation.verify")
    if not (org.pending or org.verified):
        raise IllegalTransition("该单位已被驳回")
    if org.kind == OrgKind.OPERATOR:
        raise Invalid({"organisation": "不能驳回实验室运营单位"})
    async with in_transaction() as conn:
        updated = (
            await Organisation.filter(id=org.id, pending=org.pending, verified=org.verified)
            .using_db(conn)
            .update(pending=False, verified=False, rejection_reason=data.reason)
        )
        if not updated:
            raise IllegalTransition("该单位的状态已被他人修改，请刷新后重试")
        await audit.record(
            actor,
            "organisation.reject",
            "organisation",
            org.id,
            before=_snapshot(org),
            after={"status": "rejected", "verified": False},
            reason=data.reason,
            conn=conn,
        )
    return await Organisation.get(id=org.id)
