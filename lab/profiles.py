"""Use cases for capability profiles (能力): keep, publish, archive."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import IllegalTransition, Invalid, NotFound
from lab.models import CapabilityProfile, Organisation, ProfileStatus, User
from lab.outbox import append_outbox
from lab.permissions import can, require
from lab.records import apply_change
from lab.schemas import ProfileIn, ProfileUpdate


async def get_profile(user: User | None, profile_id: int) -> CapabilityProfile:
    profile = await CapabilityProfile.get_or_none(id=profile_id).select_related("organisation")
    if profile is None:
        raise NotFound("找不到该能力档案")
    require(user, "profile.read", profile)
    return profile


async def _owning_supplier(user: User, organisation_id: int | None) -> Organisation:
    if can(user, "profile.act_for_any_supplier"):
        if organisation_id is None:
            raise Invalid({"organisation_id": "运营人员代维护能力档案时须指定供给方"})
        org = await Organisation.get_or_none(id=organisation_id)
        if org is None or not org.is_supplier:
            raise Invalid({"organisation_id": "供给方不存在，或不是企业、高校或科研院所"})
        return org
    if organisation_id not in (None, user.organisation_id):
        raise Invalid({"organisation_id": "只能维护本单位的能力档案"})
    return await Organisation.get(id=user.organisation_id)


async def create_profile(user: User, data: ProfileIn) -> CapabilityProfile:
    require(user, "profile.create")
    org = await _owning_supplier(user, data.organisation_id)
    values = data.model_dump(exclude={"organisation_id"})
    async with in_transaction() as conn:
        profile = await CapabilityProfile.create(organisation=org, status=ProfileStatus.DRAFT, using_db=conn, **values)
        await audit.record(
            user,
            "profile.create",
            "profile",
            profile.id,
            after=audit.snapshot(profile, ("title", "status", "organisation_id")),
            conn=conn,
        )
        await append_outbox("capability", profile.id, using_db=conn)
    return await get_profile(user, profile.id)


def _check_publishable(values: dict) -> None:
    problems = {}
    if len((values.get("summary") or "").strip()) < 20:
        problems["summary"] = "发布前请把能力介绍写完整（至少20个字）"
    if not values.get("domains"):
        problems["domains"] = "发布前请至少选择一个领域"
    if problems:
        raise Invalid(problems, "能力档案还不能发布")


async def update_profile(user: User, profile_id: int, data: ProfileUpdate) -> CapabilityProfile:
    profile = await get_profile(user, profile_id)
    require(user, "profile.update", profile)
    changes = data.model_dump(exclude={"version"}, exclude_unset=True)
    if profile.status == ProfileStatus.PUBLISHED:
        _check_publishable({"summary": profile.summary, "domains": profile.domains, **changes})
    await apply_change(
        profile, changes, actor=user, action="profile.update", kind="profile", version=data.version, outbox="capability"
    )
    return await get_profile(user, profile.id)


TRANSITIONS = {
    "publish": ((ProfileStatus.DRAFT, ProfileStatus.ARCHIVED), ProfileStatus.PUBLISHED),
    "archive": ((ProfileStatus.DRAFT, ProfileStatus.PUBLISHED), ProfileStatus.ARCHIVED),
}


async def change_profile_status(user: User, profile_id: int, action: str, version: int | None) -> CapabilityProfile:
    profile = await get_profile(user, profile_id)
    require(user, f"profile.{action}", profile)
    allowed_from, target = TRANSITIONS[action]
    if profile.status not in allowed_from:
        raise IllegalTransition(f"能力档案当前为「{profile.status.value}」，不能执行此操作")
    if action == "publish":
        _check_publishable({"summary": profile.summary, "domains": profile.domains})
    await apply_change(
        profile,
        {"status": target},
        actor=user,
        action=f"profile.{action}",
        kind="profile",
        version=version,
        where={"status__in": list(allowed_from)},
        outbox="capability",
    )
    return await get_profile(user, profile.id)
