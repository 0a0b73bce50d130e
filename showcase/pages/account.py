"""Signing in and out with the session cookie, and the workspace entry that sends each role home."""

from __future__ import annotations

from starlette.requests import Request

from lab import signin
from lab.auth import authenticate, client_address, current_user, sign_in_session, sign_out_session
from lab.errors import TooManyRequests, Unauthorized
from showcase.responses import (
    CSRF_MESSAGE,
    HOME_OF_ROLE,
    flash,
    read_form,
    redirect,
    render,
    require_csrf,
    require_page,
)


def _safe_next(value: str | None) -> str:
    """Only same-site paths (no ``//host`` or scheme) are followed after signing in."""
    value = (value or "").strip()
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) < 300:
        return value
    return ""


async def sign_in_page(request: Request):
    if await current_user(request) is not None:
        return redirect(_safe_next(request.query_params.get("next")) or "/workspace")
    return await render(
        request,
        "showcase/sign_in.html",
        {"values": {}, "errors": {}, "message": "", "next": _safe_next(request.query_params.get("next"))},
    )


async def sign_in(request: Request):
    values, csrf_ok = await read_form(request)
    email, password = values.get("email", "").strip(), values.get("password", "")
    next_url = _safe_next(values.get("next"))
    errors = {}
    if not email:
        errors["email"] = "请填写邮箱"
    if not password:
        errors["password"] = "请填写密码"
    message, status = "", 422
    if not csrf_ok:
        message, status = CSRF_MESSAGE, 403
    elif not errors:
        try:
            user = await authenticate(
                email[:254], password[:200], client_address(request), signin.limits_for(request.app.state.settings)
            )
        except Unauthorized as exc:
            message, status = exc.message, 401
        except TooManyRequests as exc:
            message, status = exc.message, 429
        else:
            sign_in_session(request, user)
            flash(request, f"欢迎，{user.display_name}")
            return redirect(next_url or "/workspace")
    return await render(
        request,
        "showcase/sign_in.html",
        {"values": {"email": email}, "errors": errors, "message": message, "next": next_url},
        status=status,
    )


async def sign_out(request: Request):
    await require_csrf(request)
    sign_out_session(request)
    flash(request, "已安全退出")
    return redirect("/")


async def workspace(request: Request):
    user = await require_page(request)
    return redirect(HOME_OF_ROLE.get(user.role, "/"))
