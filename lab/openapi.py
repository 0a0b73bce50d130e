"""API routes that describe themselves, and the OpenAPI 3.1 document built from them.

Every JSON endpoint of every package is declared with :func:`api_route`; ``/openapi.json`` walks
the app's routes and collects them, so the document cannot drift from what is served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

from pydantic import BaseModel
from starlette.routing import BaseRoute, Mount, Route

import lab.paths  # noqa: F401 - bounds every {name:int} path id (see lab.paths)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid"]},
                "message": {"type": "string", "examples": ["提交的内容有误"]},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

ERROR_TEXT = {
    400: "请求格式错误",
    401: "未登录或令牌无效",
    403: "无权限",
    404: "记录不存在",
    409: "版本冲突或状态不允许",
    413: "请求体过大",
    415: "请求体须为 JSON",
    422: "字段校验失败",
    429: "请求或尝试过多（见 Retry-After）",
    503: "服务繁忙或数据库不可用（见 Retry-After）",
}


@dataclass(frozen=True)
class Doc:
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    auth: bool = True  # True: needs a signed-in user; False: open to visitors (may show more when signed in)
    errors: tuple[int, ...] = (400, 401, 403, 404, 422)
    description: str = ""
    response: str = "成功"
    content_type: str = "application/json"
    extra: dict = field(default_factory=dict)


def api_route(path: str, endpoint: Callable, methods: list[str], doc: Doc, name: str | None = None) -> Route:
    route = Route(path, endpoint, methods=methods, name=name)
    route.openapi = doc  # type: ignore[attr-defined]
    return route


def _walk(routes: list[BaseRoute], prefix: str = ""):
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(list(route.routes or []), prefix + route.path)
        elif isinstance(route, Route) and getattr(route, "openapi", None) is not None:
            yield prefix + route.path, route


def _defs_ref(schema: dict, defs: dict) -> dict:
    for name, sub in schema.pop("$defs", {}).items():
        defs[name] = sub
    return schema


def build_spec(routes: list[BaseRoute], title: str = "Scenario Lab API", version: str = "1.0") -> dict[str, Any]:
    paths: dict[str, dict] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for path, route in _walk(routes):
        doc: Doc = route.openapi  # type: ignore[attr-defined]
        oa_path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", path)
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if conv == ":int" else "string"},
            }
            for name, conv in re.findall(r"\{(\w+)(:\w+)?\}", path)
        ]
        if doc.query is not None:
            qschema = doc.query.model_json_schema(ref_template="#/components/schemas/{model}")
            _defs_ref(qschema, schemas)
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "schema": prop,
                        "description": prop.get("description", ""),
                    }
                )
        for method in sorted(route.methods or []):
            if method == "HEAD":
                continue
            op: dict[str, Any] = {
                "summary": doc.summary,
                "tags": [doc.tag],
                "operationId": f"{method.lower()}_{route.name}",
                "parameters": params,
                "responses": {
                    "200" if method != "POST" or doc.extra.get("status") != 201 else "201": {
                        "description": doc.response,
                        "content": {doc.content_type: {"schema": doc.extra.get("schema", {"type": "object"})}},
                    }
                },
            }
            if doc.description:
                op["description"] = doc.description
            if doc.auth:
                op["security"] = [{"bearer": []}, {"session": []}]
            if doc.body is not None:
                bschema = doc.body.model_json_schema(ref_template="#/components/schemas/{model}")
                _defs_ref(bschema, schemas)
                schemas[doc.body.__name__] = bschema
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{doc.body.__name__}"}}},
                }
            for status in doc.errors:
                op["responses"][str(status)] = {
                    "description": ERROR_TEXT.get(status, "错误"),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            paths.setdefault(oa_path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "智慧蓉城应用场景实验室 供需对接与场景全生命周期管理接口。错误统一为 "
            '{"error": {"code", "message", "fields"}}。',
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "POST /api/tokens 获取"},
                "session": {"type": "apiKey", "in": "cookie", "name": "lab_session"},
            },
        },
    }
