"""Managing people: an operator changes a user's role, (de)activates an account or resets its
password; every user changes its own password. Each change writes an audit record in the same
transaction (never the password itself)."""

from __future__ import annotations

import secrets
from typing import Annotated

import anyio
from pydantic import Field
from tortoise.transactions import in_transaction

from lab import audit
from lab.accounts import ROLE_ORG_KINDS
from lab.errors import Invalid, NotFound
from lab.models import Role, User
from lab.passwords import hash_password, verify_password
from lab.permissions import require
from lab.schemas import Input

TEMPORARY_PASSWORD_BYTES = 9  # 12 URL-safe characters


class PasswordChangeIn(Input):
    current: Annotated[str, Field(min_length=1, max_length=200)]
    new: Annotated[str, Field(min_length=8, max_length=200)]
    confirm: Annotated[str, Field(min_length=1, max_length=200)]


async def _target(actor: User, user_id: int, action: str) -> User:
    user = await User.get_or_none(id=user_id).select_related("organisation")
    if user is None:
        raise NotFound("找不到该用户")
    require(actor, action, user)
    return user


async def set_role(actor: User, user_id: int, role: Role) -> User:
    user = await _target(actor, user_id, "user.change_role")
    if user.id == actor.id:
        raise Invalid({"role": "不能修改自己的角色"})
    if user.organisation.kind not in ROLE_ORG_KINDS[role]:
        raise Invalid({"role": "该角色与所属单位类型不符"})
    if role == user.role:
        return user
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(role=role)
        await audit.record(
            actor, "user.role", "user", user.id, before={"role": user.role.value}, after={"role": role.value}, conn=conn
        )
    return await User.get(id=user.id).select_related("organisation")


async def set_active(actor: User, user_id: int, active: bool) -> User:
    user = await _target(actor, user_id, "user.change_role")
    if user.id == actor.id and not active:
        raise Invalid({"active": "不能停用自己的账号"})
    if user.active == active:
        return user
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(active=active)
        await audit.record(
            actor,
            "user.activate" if active else "user.deactivate",
            "user",
            user.id,
            before={"active": user.active},
            after={"active": active},
            conn=conn,
        )
    return await User.get(id=user.id).select_related("organisation")


async def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """A new temporary password (returned once, to be handed over); the old one stops working."""
    user = await _target(actor, user_id, "user.reset_password")
    temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    password_hash = await anyio.to_thread.run_sync(hash_password, temporary)
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(password_hash=password_hash)
        await audit.record(actor, "user.reset_password", "user", user.id, conn=conn)
    return user, temporary


async def change_own_password(user: User, data: PasswordChangeIn) -> None:
    require(user, "user.change_password", user)
    fresh = await User.get(id=user.id)
    if not await anyio.to_thread.run_sync(verify_password, fresh.password_hash, data.current):
        raise Invalid({"current": "当前密码不正确"})
    if data.new != data.confirm:
        raise Invalid({"confirm": "两次输入的新密码不一致"})
    if data.new == data.current:
        raise Invalid({"new": "新密码不能与当前密码相同"})
    password_hash = await anyio.to_thread.run_sync(hash_password, data.new)
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(password_hash=password_hash)
        await audit.record(user, "user.change_password", "user", user.id, conn=conn)
