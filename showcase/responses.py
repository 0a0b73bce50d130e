"""Rendering pages: the shared template context (who is signed in, CSRF token, navigation,
one-time notices), redirects, form reading with a CSRF check, and the HTML error page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lab.auth import check_csrf, csrf_token, current_user
from lab.errors import Forbidden, Invalid, LabError, Unauthorized
from lab.models import Role, User
from lab.permissions import can
from lab.validation import text_problem
from pipeline.models import Notification

ROLE_LABELS = {
    Role.DEPARTMENT_MEMBER: "需求部门",
    Role.SUPPLIER_MEMBER: "供给方",
    Role.REVIEWER: "评审专家",
    Role.OPERATOR: "实验室运营",
}
PUBLIC_NAV = [
    ("/", "首页"),
    ("/showcase", "精选展示"),
    ("/reserve-list", "场景储备清单"),
    ("/cases", "全国优秀案例"),
    ("/events", "活动"),
    ("/data-catalogue", "数据目录"),
    ("/search", "搜索"),
]
WORKSPACE_NAV = {
    Role.DEPARTMENT_MEMBER: [
        ("/workspace/demands", "我的需求"),
        ("/workspace/demands/new", "发布需求"),
        ("/workspace/scenarios", "我的场景"),
        ("/workspace/data-requests", "数据申请"),
        ("/workspace/subscriptions", "我的订阅"),
    ],
    Role.SUPPLIER_MEMBER: [
        ("/workspace/recommended", "推荐需求"),
        ("/workspace/profiles", "能力档案"),
        ("/workspace/proposals", "我的方案"),
        ("/workspace/scenarios", "我的场景"),
        ("/workspace/data-requests", "数据申请"),
        ("/workspace/subscriptions", "我的订阅"),
    ],
    Role.REVIEWER: [("/workspace/reviews", "评审任务")],
    Role.OPERATOR: [
        ("/workspace/board", "场景看板"),
        ("/workspace/dashboard", "数据看板"),
        ("/workspace/editions", "清单与精选"),
        ("/workspace/data-requests", "数据申请"),
        ("/workspace/progress-import", "进展跟踪"),
        ("/workspace/events", "活动管理"),
        ("/workspace/organisations", "单位审核"),
        ("/workspace/users", "用户管理"),
        ("/workspace/audit", "审计记录"),
    ],
}
HOME_OF_ROLE = {role: items[0][0] for role, items in WORKSPACE_NAV.items() if items}


class LazyToken:
    """The session's CSRF token, made only when a form prints it, so pages without forms leave
    a visitor's session (and cookie) untouched."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request) if "session" in self.request.scope else ""

    def __html__(self) -> str:
        return str(escape(str(self)))


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A notice shown once on the next page."""
    # assigned, not appended in place: the session notices only assignments, so a second notice
    # before the next page would otherwise be lost
    request.session["flash"] = [*request.session.get("flash", []), {"kind": kind, "message": message}]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _nav(request: Request, user: User | None) -> list[dict]:
    path = request.url.path
    items = list(PUBLIC_NAV)
    if user is not None:
        items += WORKSPACE_NAV.get(user.role, [])
    matching = [href for href, _ in items if path == href or (href != "/" and path.startswith(href + "/"))]
    # only the closest entry is current: on /workspace/demands/new that is 发布需求, not 我的需求 too
    current = max(matching, key=len) if matching else None
    return [{"href": href, "label": label, "current": href == current} for href, label in items]


async def unread_count(user: User) -> int:
    return await Notification.filter(user_id=user.id, read_at=None).count()


async def base_context(request: Request) -> dict[str, Any]:
    user = await current_user(request) if "session" in request.scope else None
    notices = request.session.pop("flash", []) if "session" in request.scope else []
    return {
        "user": None
        if user is None
        else {
            "name": user.display_name,
            "role": ROLE_LABELS.get(user.role, ""),
            "organisation": getattr(getattr(user, "_organisation", None), "name", ""),
        },
        "nav": _nav(request, user),
        "unread": await unread_count(user) if user is not None else 0,
        "csrf": LazyToken(request),
        "notices": notices,
        "search_degraded": False,
        "search_index": await _index_banner(request),
    }


async def _index_banner(request: Request) -> dict[str, Any] | None:
    """What the banner says while the search index is being built or is degraded (None: nothing)."""
    search = getattr(request.app.state, "search", None)
    if search is None:
        return None
    try:
        status = await search.index_status()
    except Exception:  # noqa: BLE001 - a page never fails for its banner
        return None
    return status.as_dict() if status.banner else None


async def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    ctx = await base_context(request)
    ctx.update(context or {})
    return request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status)


async def html_error_page(request: Request, status: int, message: str) -> Response:
    """Errors on pages: a Chinese HTML page; signing in is offered by redirect on 401."""
    if status == 401 and request.method == "GET":
        return redirect(f"/sign-in?next={quote(request.url.path)}")
    titles = {
        400: "请求有误",
        401: "请先登录",
        403: "没有权限",
        404: "页面不存在",
        405: "不支持的请求",
        409: "操作冲突",
        413: "内容过大",
        422: "内容有误",
        429: "请求过于频繁",
    }
    try:
        return await render(
            request,
            "showcase/error.html",
            {"status": status, "title": titles.get(status, "出错了"), "message": message},
            status=status,
        )
    except LabError:
        # the error page must not fail on the same cause (e.g. an unusable session)
        return Response(f"{status} {message}", status_code=status, media_type="text/plain; charset=utf-8")


async def read_form(request: Request) -> tuple[dict[str, str], bool]:
    """The submitted form as a plain dict (last value wins; lists via ``form_list``) and whether its
    CSRF token was valid. Handlers re-render with what was typed when it was not."""
    form = await request.form()
    values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    for name, value in form.multi_items():  # NUL and other control characters never reach the database
        if isinstance(value, str) and (text_problem(value) or text_problem(name)):
            raise Invalid(
                {name if not text_problem(name) else "body": "内容不能包含控制字符（如 NUL）"},
                "提交的内容包含控制字符，请检查后重试",
            )
    values["__lists__"] = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form.keys()}  # type: ignore[assignment]
    try:
        check_csrf(request, values.get("csrf"))
    except Forbidden:
        return values, False
    return values, True


def form_list(values: dict, name: str) -> list[str]:
    return list(values.get("__lists__", {}).get(name, []))


# who each workspace area is for, in the words of the refusal
PAGE_AUDIENCE = {
    "workspace.department": "需求部门、实验室运营",
    "workspace.supplier": "供给方",
    "workspace.reviewer": "评审专家",
    "workspace.operator": "实验室运营",
    "workspace.scenarios": "需求部门、供给方",
    "organisation.verify": "实验室运营",
    "user.list": "实验室运营",
    "audit.list": "实验室运营",
}
PAGE_AUDIENCE.update(
    {
        "workspace.data_requests": "需求部门、供给方、实验室运营",
        "workspace.data_ask": "需求部门、供给方",
        "workspace.data_answer": "数据提供部门",
        "workspace.data_catalogue": "需求部门、实验室运营",
        "workspace.progress": "场景相关方、实验室运营",
        "progress.import": "实验室运营",
    }
)


async def require_page(request: Request, action: str = "workspace.enter") -> User:
    """The signed-in user when the policy registry lets it open this page (``action``)."""
    user = await current_user(request)
    if user is None:
        raise Unauthorized()
    if not can(user, action):
        audience = PAGE_AUDIENCE.get(action)
        raise Forbidden(f"该页面仅对{audience}开放" if audience else None)
    if getattr(user, "_organisation", None) is None:
        await user.fetch_related("organisation")
    return user


async def require_csrf(request: Request) -> dict[str, str]:
    """For action buttons: the form, or a 403 page when the token is wrong."""
    values, ok = await read_form(request)
    if not ok:
        raise Forbidden("表单已过期或来源不可信，请刷新页面后重试", code="csrf_failed")
    return values


CSRF_MESSAGE = "表单已过期或来源不可信，您填写的内容已保留，请再次提交"
