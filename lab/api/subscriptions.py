"""Saved searches, follows and alert settings (我的订阅); the signed-out unsubscribe link."""

from __future__ import annotations

from starlette.requests import Request

from lab import subscriptions
from lab.auth import require_user
from lab.conversation_schemas import AlertSettingsIn, FollowIn, SavedSearchIn
from lab.http import ok
from lab.openapi import Doc, api_route
from lab.validation import json_body, parse, parse_json, read_body


async def create_saved_search(request: Request):
    user = await require_user(request)
    data = await json_body(request, SavedSearchIn)
    return ok(subscriptions.present_search(await subscriptions.save_search(user, data)), status=201)


async def list_saved_searches(request: Request):
    user = await require_user(request)
    return ok({"items": [subscriptions.present_search(s) for s in await subscriptions.saved_searches(user)]})


async def delete_saved_search(request: Request):
    user = await require_user(request)
    await subscriptions.delete_saved_search(user, request.path_params["search_id"])
    return ok({"deleted": True})


async def create_follow(request: Request):
    user = await require_user(request)
    data = await json_body(request, FollowIn)
    return ok(await subscriptions.present_follow(user, await subscriptions.follow(user, data.object)), status=201)


async def list_follows(request: Request):
    user = await require_user(request)
    return ok({"items": [await subscriptions.present_follow(user, f) for f in await subscriptions.follows(user)]})


async def delete_follow(request: Request):
    user = await require_user(request)
    if "follow_id" in request.path_params:
        await subscriptions.unfollow(user, follow_id=request.path_params["follow_id"])
    else:
        data = parse(FollowIn, parse_json(await read_body(request, request.app.state.settings.max_json_bytes)))
        await subscriptions.unfollow(user, text=data.object)
    return ok({"deleted": True})


async def alert_settings(request: Request):
    user = await require_user(request)
    if request.method == "PUT":
        data = await json_body(request, AlertSettingsIn)
        user = await subscriptions.set_fit_alerts(user, data.fit_alerts)
    return ok({"fit_alerts": user.fit_alerts})


_ERRORS = (400, 401, 404, 409, 413, 422)
routes = [
    api_route(
        "/saved-searches",
        create_saved_search,
        ["POST"],
        Doc(
            "保存搜索（instant 即时提醒，daily/weekly 汇总）",
            "订阅",
            body=SavedSearchIn,
            errors=_ERRORS,
            extra={"status": 201},
        ),
    ),
    api_route("/saved-searches", list_saved_searches, ["GET"], Doc("我保存的搜索", "订阅", errors=(401,))),
    api_route(
        "/saved-searches/{search_id:int}",
        delete_saved_search,
        ["DELETE"],
        Doc("删除保存的搜索", "订阅", errors=(401, 404)),
    ),
    api_route(
        "/follows",
        create_follow,
        ["POST"],
        Doc(
            "关注需求、场景或单位（object 如 demand:12）", "订阅", body=FollowIn, errors=_ERRORS, extra={"status": 201}
        ),
    ),
    api_route("/follows", list_follows, ["GET"], Doc("我的关注", "订阅", errors=(401,))),
    api_route(
        "/follows",
        delete_follow,
        ["DELETE"],
        Doc('取消关注（请求体 {"object": "demand:12"}）', "订阅", body=FollowIn, errors=_ERRORS),
    ),
    api_route("/follows/{follow_id:int}", delete_follow, ["DELETE"], Doc("按编号取消关注", "订阅", errors=(401, 404))),
    api_route("/alert-settings", alert_settings, ["GET"], Doc("我的提醒设置", "订阅", errors=(401,))),
    api_route(
        "/alert-settings",
        alert_settings,
        ["PUT"],
        Doc("设置是否接收“适合本单位能力的新需求”提醒", "订阅", body=AlertSettingsIn, errors=_ERRORS),
    ),
]
