"""Saved searches, follows and the alert settings of a user (我的订阅).

A saved search is a query (text, kind, filters) the worker checks every newly published or changed
item against; a follow names one demand, scenario or organisation. Both belong to the user who made
them and alert at the frequency chosen (follows: instantly). Suppliers also get "new demands that
fit your capabilities" unless they turn ``fit_alerts`` off."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from lab.conversation_models import Follow, SavedSearch
from lab.conversation_schemas import SavedSearchIn
from lab.demands import get_demand
from lab.errors import Conflict, Invalid, NotFound
from lab.models import Organisation, User
from lab.permissions import PUBLIC_STATUSES, can, require

MAX_SAVED_SEARCHES = 50
MAX_FOLLOWS = 500


async def save_search(user: User, data: SavedSearchIn) -> SavedSearch:
    require(user, "subscription.create")
    if await SavedSearch.filter(user_id=user.id).count() >= MAX_SAVED_SEARCHES:
        raise Invalid({"q": f"最多保存 {MAX_SAVED_SEARCHES} 个搜索，请先删除不用的"})
    filters = data.filters.model_dump(exclude_none=True)
    if not data.q and not filters and data.kind is None:
        raise Invalid({"q": "请填写关键词或至少选择一个筛选条件"})
    return await SavedSearch.create(
        user_id=user.id, q=data.q, kind=data.kind, filters=filters, frequency=data.frequency
    )


async def saved_searches(user: User) -> list[SavedSearch]:
    require(user, "subscription.read")
    return await SavedSearch.filter(user_id=user.id).order_by("-id")


async def delete_saved_search(user: User, search_id: int) -> None:
    found = await SavedSearch.get_or_none(id=search_id)
    if found is None or not can(user, "subscription.delete", found):
        raise NotFound("找不到该保存的搜索")
    await found.delete()


def parse_object(text: str) -> tuple[str, int]:
    kind, _, ident = (text or "").partition(":")
    if kind not in ("demand", "scenario", "organisation") or not ident.isdigit():
        raise Invalid({"object": "请用 demand:编号、scenario:编号 或 organisation:编号"})
    return kind, int(ident)


async def followed_title(user: User | None, kind: str, object_id: int) -> str:
    """The title of a followable object ``user`` may read; NotFound otherwise."""
    if kind == "demand":
        return (await get_demand(user, object_id)).title
    if kind == "organisation":
        org = await Organisation.get_or_none(id=object_id)
        if org is None:
            raise NotFound("找不到该单位")
        return org.name
    # scenarios are the pipeline's (lab does not import it); only public ones can be followed — their
    # parties already hear of every stage change
    model = Tortoise.apps.get_model("models", "Scenario")
    scenario = await model.get_or_none(id=object_id)
    if scenario is None or str(getattr(scenario.stage, "value", scenario.stage)) not in PUBLIC_STATUSES["scenario"]:
        raise NotFound("找不到该场景")
    return scenario.title


async def follow(user: User, text: str) -> Follow:
    require(user, "subscription.create")
    kind, object_id = parse_object(text)
    await followed_title(user, kind, object_id)
    if await Follow.filter(user_id=user.id).count() >= MAX_FOLLOWS:
        raise Invalid({"object": f"最多关注 {MAX_FOLLOWS} 项"})
    try:
        return await Follow.create(user_id=user.id, object_kind=kind, object_id=object_id)
    except IntegrityError:
        raise Conflict("已经关注过了", code="already_following") from None


async def follows(user: User) -> list[Follow]:
    require(user, "subscription.read")
    return await Follow.filter(user_id=user.id).order_by("-id")


async def unfollow(user: User, *, follow_id: int | None = None, text: str | None = None) -> None:
    if follow_id is not None:
        found = await Follow.get_or_none(id=follow_id)
    else:
        kind, object_id = parse_object(text or "")
        found = await Follow.get_or_none(user_id=user.id, object_kind=kind, object_id=object_id)
    if found is None or not can(user, "subscription.delete", found):
        raise NotFound("没有关注该对象")
    await found.delete()


async def set_fit_alerts(user: User, enabled: bool) -> User:
    await User.filter(id=user.id).update(fit_alerts=enabled)
    user.fit_alerts = enabled
    return user


def present_search(s: SavedSearch) -> dict[str, Any]:
    return {
        "id": s.id,
        "q": s.q,
        "kind": s.kind,
        "filters": s.filters,
        "frequency": s.frequency.value,
        "created_at": s.created_at.isoformat(),
    }


async def present_follow(user: User, f: Follow) -> dict[str, Any]:
    try:
        title = await followed_title(user, f.object_kind, f.object_id)
    except NotFound:
        title = None  # no longer visible (withdrawn, say): the follow stays until removed
    return {
        "id": f.id,
        "object": f"{f.object_kind}:{f.object_id}",
        "title": title,
        "created_at": f.created_at.isoformat(),
    }
