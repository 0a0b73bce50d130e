"""The project's own errors. Domain code raises these; the app maps them to HTTP statuses once."""

from __future__ import annotations

from collections.abc import Mapping


class LabError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, fields: Mapping[str, str] | None = None
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.fields = dict(fields or {})
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class BadRequest(LabError):
    status, code, message = 400, "bad_request", "请求有误"


class MalformedJSON(BadRequest):
    code, message = "malformed_json", "请求体不是合法的 JSON"


class JSONTooDeep(BadRequest):
    code, message = "json_too_deep", "JSON 嵌套层数过多"


class Unauthorized(LabError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(LabError):
    status, code, message = 403, "forbidden", "没有权限执行此操作"


class NotFound(LabError):
    status, code, message = 404, "not_found", "找不到该记录"


class Conflict(LabError):
    status, code, message = 409, "conflict", "操作与当前状态冲突"


class VersionConflict(Conflict):
    code, message = "version_conflict", "记录已被他人修改，请刷新后重试"


class IllegalTransition(Conflict):
    code, message = "illegal_transition", "当前状态不允许此操作"


class PayloadTooLarge(LabError):
    status, code, message = 413, "payload_too_large", "请求体过大"


class UnsupportedMediaType(LabError):
    status, code, message = 415, "unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）"


class Invalid(LabError):
    status, code, message = 422, "invalid", "提交的内容有误"

    def __init__(
        self, fields: Mapping[str, str] | None = None, message: str | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message, code=code, fields=fields)


class TooManyRequests(LabError):
    status, code, message = 429, "too_many_attempts", "尝试次数过多，请稍后再试"

    def __init__(self, retry_after: int, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))


class ServiceUnavailable(LabError):
    """503; ``retry_after`` (seconds) becomes a ``Retry-After`` header when given."""

    status, code, message = 503, "unavailable", "服务暂时不可用"

    def __init__(self, message: str | None = None, *, code: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class DatabaseUnavailable(ServiceUnavailable):
    code, message = "database_unavailable", "数据库暂时不可用，请稍后重试"
