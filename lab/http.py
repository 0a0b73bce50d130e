"""The HTTP edge: JSON responses, one error shape, body-size limit, one log line per request."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import lab.paths  # noqa: F401 - bounds every {name:int} path id (see lab.paths)
from lab.database import unreachable as database_unreachable
from lab.errors import DatabaseUnavailable, LabError

log = logging.getLogger("lab.request")

_HTTP_MESSAGES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "找不到该页面或记录"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "不支持的请求体类型"),
}


def ok(data: Any, status: int = 200, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def error_response(
    status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status_code=status, headers=headers
    )


def wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api")
        or path == "/openapi.json"
        or path == "/healthz"
        or "application/json" in request.headers.get("accept", "")
    )


async def lab_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LabError)
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    html = getattr(request.app.state, "html_error_page", None)
    if html is not None and not wants_json(request):
        page = await html(request, exc.status, exc.message)
        if headers:
            page.headers.update(headers)
        return page
    return error_response(exc.status, exc.code, exc.message, exc.fields, headers)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, message = _HTTP_MESSAGES.get(exc.status_code, ("error", str(exc.detail)))
    html = getattr(request.app.state, "html_error_page", None)
    if html is not None and not wants_json(request):
        return await html(request, exc.status_code, message)
    return error_response(exc.status_code, code, message, headers=exc.headers)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    if database_unreachable(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return await lab_error_handler(request, DatabaseUnavailable(retry_after=5))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = "服务器内部错误，已记录，请稍后重试"
    html = getattr(request.app.state, "html_error_page", None)
    if html is not None and not wants_json(request):
        try:
            return await html(request, 500, message)
        except Exception:  # noqa: BLE001 - the error page itself failed: fall back to the JSON shape
            log.exception("error page failed")
    return error_response(500, "internal_error", message)


def _database_error_types() -> tuple[type[BaseException], ...]:
    """Exceptions an unreachable database raises; handled inside the app (a 503 answer, not an
    exception escaping to the server) — anything else of these types is still a logged 500."""
    import sqlite3

    from tortoise.exceptions import DBConnectionError, OperationalError

    kinds: list[type[BaseException]] = [OperationalError, DBConnectionError, ConnectionError, sqlite3.OperationalError]
    try:
        import asyncpg

        kinds += [
            asyncpg.exceptions.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.exceptions.CannotConnectNowError,
        ]
    except ImportError:  # pragma: no cover
        pass
    return tuple(kinds)


EXCEPTION_HANDLERS = {
    LabError: lab_error_handler,
    HTTPException: http_error_handler,
    **{kind: server_error_handler for kind in _database_error_types()},
    Exception: server_error_handler,
}


class BodyLimitMiddleware:
    """Refuse bodies over the largest allowed size (uploads) before they are read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                response = error_response(413, "payload_too_large", "请求体过大")
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)


class RequestLogMiddleware:
    """One structured (JSON) log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            state = scope.get("state") or {}
            user = state.get("user")
            log.info(
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - start) * 1000, 1),
                        "user": getattr(user, "id", None),
                    },
                    ensure_ascii=False,
                )
            )
