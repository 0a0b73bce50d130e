"""Turning request input into validated values, with per-field messages in Chinese."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from lab.errors import Invalid, MalformedJSON, PayloadTooLarge

M = TypeVar("M", bound=BaseModel)

_TYPE_NAMES = {
    "string": "文本", "int": "整数", "float": "数字", "decimal": "数字", "bool": "布尔值",
    "list": "列表", "dict": "对象", "date": "日期（YYYY-MM-DD）", "datetime": "日期时间",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "此项为必填"
    if kind == "extra_forbidden":
        return "不支持的字段"
    if kind in ("enum", "literal_error"):
        expected = ctx.get("expected", "")
        return f"取值无效，可选值：{expected}".replace("' or '", "'、'").replace("', '", "'、'")
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少需要{ctx.get('min_length')}个字符"
    if kind == "string_too_long":
        return f"不能超过{ctx.get('max_length')}个字符"
    if kind == "too_short":
        return f"至少需要{ctx.get('min_length')}项"
    if kind == "too_long":
        return f"不能超过{ctx.get('max_length')}项"
    if kind == "greater_than_equal":
        return f"不能小于{ctx.get('ge')}"
    if kind == "greater_than":
        return f"必须大于{ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"不能大于{ctx.get('le')}"
    if kind == "less_than":
        return f"必须小于{ctx.get('lt')}"
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error") or error.get("msg", ""))
        return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind.endswith("_parsing") or kind.endswith("_type"):
        base = kind.removesuffix("_parsing").removesuffix("_type")
        base = {"int_from_float": "int", "date_from_datetime": "date", "decimal_max_digits": "decimal"}.get(base, base)
        name = _TYPE_NAMES.get(base)
        if name:
            return f"类型不正确，应为{name}"
    if kind.startswith("decimal_"):
        return "数字格式不正确"
    if kind in ("finite_number",):
        return "必须是有限的数字"
    return "取值无效"


def field_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        parts = [str(p) for p in error["loc"] if isinstance(p, int) or ("[" not in str(p) and "-" not in str(p))]
        loc = ".".join(parts) or "body"
        fields.setdefault(loc, _message(error))
    return fields


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model`` or raise :class:`Invalid` with Chinese field messages."""
    if not isinstance(data, Mapping):
        raise Invalid({"body": "请求体应为 JSON 对象"})
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise Invalid(field_errors(exc)) from None


async def read_body(request: Request, limit: int) -> bytes:
    """Read at most ``limit`` bytes of the body; more is a 413, whatever Content-Length said."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"请求体不能超过 {limit // 1024} KiB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"请求体不能超过 {limit // 1024} KiB")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> Any:
    return parse_json(await read_body(request, request.app.state.settings.max_json_bytes))


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise MalformedJSON("请求体为空，应为 JSON 对象")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJSON(f"请求体不是合法的 JSON：第{getattr(exc, 'lineno', 1)}行附近") from None


async def json_body(request: Request, model: type[M]) -> M:
    return parse(model, await read_json(request))


def query(request: Request, model: type[M]) -> M:
    """Validate query-string parameters; list-valued ones may repeat or be comma-separated."""
    data: dict[str, Any] = {}
    list_fields = {name for name, f in model.model_fields.items()
                   if getattr(f.annotation, "__origin__", None) is list
                   or "list[" in str(f.annotation)}
    for key in request.query_params.keys():
        values = request.query_params.getlist(key)
        if key in list_fields:
            data[key] = [v for value in values for v in value.split(",") if v]
        else:
            data[key] = values[-1]
    return parse(model, data)
