"""Turning request input into validated values, with per-field messages in Chinese.

This is the input edge: every JSON body, query string and form goes through :func:`parse` (via
:func:`json_body`, :func:`query` or a form adapter), which is where the checks that hold for every
field live, so a new route gets them by using these functions and the shared types of
``lab.schemas``:

- JSON deeper than :data:`MAX_JSON_DEPTH` is refused (400 ``json_too_deep``) before ``json.loads``
  recurses; a non-JSON media type on a body is refused (415 ``unsupported_media_type``);
- text anywhere in the input (values and keys, nested) holding NUL, other control characters or
  lone surrogates is refused (422) — PostgreSQL cannot store NUL, so this is checked before either
  database sees it;
- explicit ``null`` for a field of a :class:`lab.schemas.Patch` model that is not listed in its
  ``nullable`` is refused (422) instead of reaching a NOT NULL column;
- integers are bounded by the ``lab.schemas.Input`` base (32-bit unless a field says otherwise),
  path ids by the bounded ``{name:int}`` convertor of :mod:`lab.paths`, and loose strings from
  pages and forms go through :func:`ascii_int`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from lab.errors import Invalid, JSONTooDeep, MalformedJSON, PayloadTooLarge, UnsupportedMediaType

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_JSON_DEPTH = 64
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")

M = TypeVar("M", bound=BaseModel)

_TYPE_NAMES = {
    "string": "文本",
    "int": "整数",
    "float": "数字",
    "decimal": "数字",
    "bool": "布尔值",
    "list": "列表",
    "dict": "对象",
    "date": "日期（YYYY-MM-DD）",
    "datetime": "日期时间",
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


def ascii_int(value: object, low: int = 1, high: int = INT32_MAX) -> int | None:
    """An integer written in ASCII digits (optionally signed) within ``[low, high]``, else None.

    ``str.isdigit`` and ``int`` accept superscripts and other scripts' digits (``"²"``, ``"٣"``);
    this does not, and it never builds a huge int from a long digit string."""
    text = str(value if value is not None else "").strip()
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit() or len(body) > 19:
        return None
    number = int(text)
    return number if low <= number <= high else None


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (control characters, NUL, lone surrogates), or None."""
    for ch in text:
        if ch in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            return "不能包含控制字符（如 NUL）"
        if category == "Cs":
            return "包含无效的 Unicode 字符"
    return None


def _control_fields(data: Any, path: str, found: dict[str, str]) -> None:
    if isinstance(data, str):
        problem = text_problem(data)
        if problem:
            found.setdefault(path or "body", problem)
    elif isinstance(data, Mapping):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and text_problem(key):
                found.setdefault(path or "body", "字段名包含控制字符")
                continue
            _control_fields(value, sub, found)
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            _control_fields(value, f"{path}.{index}" if path else str(index), found)


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model`` or raise :class:`Invalid` with Chinese field messages."""
    if not isinstance(data, Mapping):
        raise Invalid({"body": "请求体应为 JSON 对象"})
    problems: dict[str, str] = {}
    _control_fields(data, "", problems)
    nullable = getattr(model, "nullable", None)
    if nullable is not None:  # a Patch: an explicit null only where the column may hold one
        for name, value in data.items():
            if value is None and name in model.model_fields and name not in nullable:
                problems.setdefault(name, "不能为 null；不修改此项请省略该字段")
    if problems:
        raise Invalid(problems)
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


def require_json_media_type(request: Request, body: bytes) -> None:
    """A body sent to a JSON route must say it is JSON (``text/plain`` would dodge CORS preflight)."""
    if not body.strip():
        return
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise UnsupportedMediaType("请求体须为 JSON（Content-Type: application/json）")


async def read_json_bytes(request: Request) -> bytes:
    """The body of a JSON route: size-limited and of a JSON media type."""
    body = await read_body(request, request.app.state.settings.max_json_bytes)
    require_json_media_type(request, body)
    return body


async def read_json(request: Request) -> Any:
    return parse_json(await read_json_bytes(request))


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays/objects nest deeper than ``limit``, decided without recursion."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise MalformedJSON("请求体为空，应为 JSON 对象")
    if json_too_deep(body):
        raise JSONTooDeep(f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJSON(f"请求体不是合法的 JSON：第{getattr(exc, 'lineno', 1)}行附近") from None
    except (ValueError, RecursionError):  # e.g. an integer literal of thousands of digits
        raise MalformedJSON("请求体不是合法的 JSON：数值过大") from None


async def json_body(request: Request, model: type[M]) -> M:
    return parse(model, await read_json(request))


def query(request: Request, model: type[M]) -> M:
    """Validate query-string parameters; list-valued ones may repeat or be comma-separated."""
    data: dict[str, Any] = {}
    list_fields = {
        name
        for name, f in model.model_fields.items()
        if getattr(f.annotation, "__origin__", None) is list or "list[" in str(f.annotation)
    }
    for key in request.query_params.keys():
        values = request.query_params.getlist(key)
        if key in list_fields:
            data[key] = [v for value in values for v in value.split(",") if v]
        else:
            data[key] = values[-1]
    return parse(model, data)
