"""Who is asking: bearer tokens for the JSON API, a session cookie for pages, slowed-down guessing,
and CSRF tokens for forms."""

from __future__ import annotations

import secrets
from datetime import timedelta

import anyio
from starlette.requests import Request
from tortoise.timezone import now

from lab import signin
from lab.errors import Forbidden, Unauthorized
from lab.models import ApiToken, User
from lab.passwords import new_token, token_digest, verify_password

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"
CSRF_HEADER = "x-csrf-token"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # a token's last use is recorded to the minute
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


async def authenticate(
    email: str, password: str, address: str = "", limits: signin.Limits = signin.DEFAULT_LIMITS
) -> User:
    """The active user with these credentials; raises Unauthorized or TooManyRequests.

    The attempt is counted before the password is checked (see ``lab.signin``), and the argon2
    check runs in a worker thread so a burst of sign-ins never blocks the event loop."""
    email = email.strip().lower()
    await signin.record_attempt(email, address or "unknown", limits)
    user = await User.get_or_none(email=email)
    valid = await anyio.to_thread.run_sync(verify_password, user.password_hash if user else _DUMMY_HASH, password)
    if not user or not valid or not user.active:
        raise Unauthorized("邮箱或密码不正确", code="invalid_credentials")
    await signin.clear_client(email, address or "unknown")
    return user


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def issue_token(user: User, label: str = "") -> tuple[ApiToken, str]:
    token = new_token()
    record = await ApiToken.create(user=user, token_hash=token_digest(token), label=label[:100])
    return record, token


async def revoke_token(user: User, token_id: int) -> bool:
    updated = await ApiToken.filter(id=token_id, user_id=user.id, revoked_at=None).update(revoked_at=now())
    return bool(updated)


async def _user_from_bearer(header: str) -> User:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("认证头格式应为 Bearer <token>", code="invalid_token")
    record = await ApiToken.get_or_none(token_hash=token_digest(token.strip()), revoked_at=None).select_related(
        "user__organisation"
    )
    if record is None or not record.user.active:
        raise Unauthorized("令牌无效或已吊销", code="invalid_token")
    moment = now()
    if record.last_used_at is None or moment - record.last_used_at >= LAST_USED_RESOLUTION:
        # to the minute: a write on every request would serialise readers behind the database's writer
        await ApiToken.filter(id=record.id).update(last_used_at=moment)
    return record.user


async def current_user(request: Request) -> User | None:
    """The signed-in user (bearer token first, then the session), cached on the request."""
    if "user" in request.scope.get("state", {}):
        return request.state.user
    user: User | None = None
    header = request.headers.get("authorization")
    if header:
        user = await _user_from_bearer(header)
    elif "session" in request.scope:
        user_id = request.session.get("user_id")
        if isinstance(user_id, int):
            user = await User.get_or_none(id=user_id, active=True).select_related("organisation")
            if user is None:
                request.session.clear()
        if user is not None and request.method not in SAFE_METHODS and request.url.path.startswith(API_PREFIX):
            # a cookie is sent by the browser on its own: a JSON API write from a session must also
            # carry the session's CSRF token in a header (bearer-token clients need none)
            check_csrf(request, request.headers.get(CSRF_HEADER))
    request.state.user = user
    return user


async def require_user(request: Request) -> User:
    user = await current_user(request)
    if user is None:
        raise Unauthorized()
    return user


def sign_in_session(request: Request, user: User) -> None:
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(24)
    request.state.user = user


def sign_out_session(request: Request) -> None:
    request.session.clear()
    request.state.user = None


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Compare the submitted token with the session's (as bytes: ``compare_digest`` refuses non-ASCII
    text, so a malformed token would otherwise be a 500 instead of a 403)."""
    expected = request.session.get("csrf")
    if (
        not isinstance(expected, str)
        or not expected
        or not isinstance(submitted, str)
        or not submitted
        or not secrets.compare_digest(
            submitted.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
        )
    ):
        raise Forbidden("表单已过期或来源不可信，请刷新页面后重试", code="csrf_failed")
