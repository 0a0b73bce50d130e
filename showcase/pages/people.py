"""Organisations and people: self-registration, the operator's organisation verification and user
management, each user's own password, and the public organisation page."""

from __future__ import annotations

from starlette.requests import Request
from tortoise.expressions import Q

from lab import people, registration
from lab.accounts import ROLE_ORG_KINDS
from lab.auth import current_user
from lab.domains import DISTRICTS
from lab.errors import Conflict, Invalid, NotFound
from lab.models import CapabilityProfile, Organisation, ProfileStatus, Role, User
from lab.validation import parse
from showcase import object_history, params
from showcase.presenters import day, excerpt
from showcase.responses import CSRF_MESSAGE, ROLE_LABELS, flash, read_form, redirect, render, require_csrf, require_page

REGISTER_FIELDS = ("kind", "name", "district", "credit_code", "display_name", "email")
REGISTER_LABELS = {
    "kind": "单位类型",
    "name": "单位名称",
    "district": "所在区（市）县",
    "credit_code": "统一社会信用代码",
    "display_name": "联系人姓名",
    "email": "邮箱",
    "password": "密码",
    "password2": "确认密码",
}
PASSWORD_LABELS = {"current": "当前密码", "new": "新密码", "confirm": "确认新密码"}
PER_PAGE = 30
STATUS_FILTERS = {
    "pending": Q(pending=True),
    "verified": Q(verified=True),
    "rejected": Q(pending=False, verified=False) & ~Q(rejection_reason=""),
    "unverified": Q(pending=False, verified=False, rejection_reason=""),
}


def organisation_badge(org: Organisation) -> dict:
    """What pages show about an organisation's standing (the credit code is public record)."""
    status = registration.status_of(org)
    return {
        "id": org.id,
        "name": org.name,
        "kind": registration.KIND_LABELS.get(org.kind.value, ""),
        "verified": org.verified,
        "status": status,
        "status_label": registration.STATUS_LABELS[status],
        "credit_code": org.credit_code or "",
        "district": org.district,
        "href": f"/organisations/{org.id}",
    }


# -- registration --------------------------------------------------------------------------------


async def _register_form(request: Request, values: dict, errors: dict, message: str = "", status: int = 200):
    return await render(
        request,
        "showcase/register.html",
        {
            "values": values,
            "errors": errors,
            "message": message,
            "labels": REGISTER_LABELS,
            "kinds": [
                (k, registration.KIND_LABELS[k]) for k in ("department", "enterprise", "university", "institute")
            ],
            "districts": list(DISTRICTS),
        },
        status=status,
    )


async def register_page(request: Request):
    if await current_user(request) is not None:
        return redirect("/workspace")
    return await _register_form(request, {}, {})


async def register(request: Request):
    values, csrf_ok = await read_form(request)
    typed = {k: str(values.get(k, "")).strip() for k in REGISTER_FIELDS}
    if not csrf_ok:
        return await _register_form(request, typed, {}, CSRF_MESSAGE, 403)
    errors: dict[str, str] = {}
    if values.get("password", "") != values.get("password2", ""):
        errors["password2"] = "两次输入的密码不一致"
    try:
        data = parse(
            registration.RegistrationIn,
            {
                **{k: v for k, v in typed.items() if v or k in ("kind", "name", "display_name", "email")},
                "credit_code": typed["credit_code"].upper() or None,
                "password": values.get("password", ""),
            },
        )
    except Invalid as exc:
        errors = {**_registration_errors(exc.fields), **errors}
    if errors:
        return await _register_form(request, typed, errors, "", 422)
    try:
        org, user = await registration.register(data)
    except Conflict as exc:
        return await _register_form(request, typed, exc.fields, exc.message, 409)
    flash(request, f"「{org.name}」的注册已提交，实验室运营人员审核通过后，{user.email} 即可登录")
    return redirect("/sign-in")


def _registration_errors(fields: dict[str, str]) -> dict[str, str]:
    errors = {}
    for key, text in fields.items():
        if "enterprise_needs_credit_code" in text:
            errors["credit_code"] = "企业须填写统一社会信用代码"
        elif key in REGISTER_LABELS:
            errors[key] = "请选择单位类型" if key == "kind" else text
        else:
            errors.setdefault("name", text)
    return errors


# -- own password --------------------------------------------------------------------------------


async def password_page(request: Request):
    await require_page(request)
    return await render(
        request, "showcase/account_password.html", {"errors": {}, "message": "", "labels": PASSWORD_LABELS}
    )


async def change_password(request: Request):
    user = await require_page(request)
    values, csrf_ok = await read_form(request)
    if not csrf_ok:
        return await render(
            request,
            "showcase/account_password.html",
            {"errors": {}, "message": CSRF_MESSAGE, "labels": PASSWORD_LABELS},
            status=403,
        )
    try:
        data = parse(people.PasswordChangeIn, {k: values.get(k, "") for k in ("current", "new", "confirm")})
        await people.change_own_password(user, data)
    except Invalid as exc:
        return await render(
            request,
            "showcase/account_password.html",
            {"errors": exc.fields, "message": "", "labels": PASSWORD_LABELS},
            status=422,
        )
    flash(request, "密码已修改，下次登录请使用新密码")
    return redirect("/workspace")


# -- organisations (operator) --------------------------------------------------------------------


async def organisations(request: Request):
    await require_page(request, "organisation.verify")
    q = request.query_params
    status = params.choice(q, "status", STATUS_FILTERS, None)
    text = params.text(q)
    qs = Organisation.all()
    if status:
        qs = qs.filter(STATUS_FILTERS[status])
    if text.startswith("#") and text[1:].isdigit():  # one organisation, as the audit page links it
        qs = qs.filter(id=int(text[1:]))
    elif text:
        qs = qs.filter(Q(name__icontains=text) | Q(credit_code__icontains=text))
    pager = params.Pager(params.page_number(q), PER_PAGE, await qs.count())
    rows = await qs.order_by("-pending", "verified", "-id").offset(pager.offset).limit(PER_PAGE)
    members = {}
    for u in await User.filter(organisation_id__in=[o.id for o in rows]).order_by("id"):
        members.setdefault(u.organisation_id, []).append({"name": u.display_name, "email": u.email, "active": u.active})
    counts = {name: await Organisation.filter(cond).count() for name, cond in STATUS_FILTERS.items()}
    return await render(
        request,
        "showcase/workspace/organisations.html",
        {
            "rows": [
                {
                    **organisation_badge(o),
                    "reason": o.rejection_reason,
                    "registered": day(o.created_at),
                    "members": members.get(o.id, []),
                    "may_reject": o.kind.value != "operator",
                }
                for o in rows
            ],
            "status": status,
            "q": text,
            "pager": pager.links(q),
            "counts": counts,
            "filters": [(k, registration.STATUS_LABELS[k]) for k in STATUS_FILTERS],
        },
    )


async def organisation_decision(request: Request):
    user = await require_page(request, "organisation.verify")
    action = request.path_params["action"]
    if action not in ("verify", "reject"):
        raise NotFound("没有这个操作")
    values = await require_csrf(request)
    organisation_id = request.path_params["organisation_id"]
    try:
        if action == "verify":
            org = await registration.verify(user, organisation_id)
            flash(request, f"已认证「{org.name}」，其待审核成员现在可以登录")
        else:
            org = await registration.reject(
                user, organisation_id, parse(registration.RejectionIn, {"reason": values.get("reason", "")})
            )
            flash(request, f"已驳回「{org.name}」：{org.rejection_reason}")
    except (Invalid, Conflict) as exc:
        detail = "；".join(exc.fields.values())
        if "reason" in exc.fields:
            detail = "请填写驳回原因"
        flash(request, f"{exc.message}{'：' + detail if detail else ''}", "error")
    back = values.get("back", "")
    return redirect(back if back.startswith("/workspace/organisations") else "/workspace/organisations")


# -- users (operator) ----------------------------------------------------------------------------


async def users(request: Request):
    await require_page(request, "user.list")
    q = request.query_params
    role = params.choice(q, "role", [r.value for r in Role], None)
    active = params.choice(q, "active", ("yes", "no"), None)
    text = params.text(q)
    qs = User.all().select_related("organisation")
    if role:
        qs = qs.filter(role=role)
    if active:
        qs = qs.filter(active=active == "yes")
    if text.startswith("#") and text[1:].isdigit():
        qs = qs.filter(id=int(text[1:]))
    elif text:
        qs = qs.filter(
            Q(email__icontains=text) | Q(display_name__icontains=text) | Q(organisation__name__icontains=text)
        )
    pager = params.Pager(params.page_number(q), PER_PAGE, await qs.count())
    rows = await qs.order_by("id").offset(pager.offset).limit(PER_PAGE)
    return await render(
        request,
        "showcase/workspace/users.html",
        {
            "rows": [
                {
                    "id": u.id,
                    "name": u.display_name,
                    "email": u.email,
                    "role": u.role.value,
                    "role_label": ROLE_LABELS[u.role],
                    "active": u.active,
                    "organisation": organisation_badge(u.organisation),
                    "roles": [(r.value, ROLE_LABELS[r]) for r in Role if u.organisation.kind in ROLE_ORG_KINDS[r]],
                    "created": day(u.created_at),
                }
                for u in rows
            ],
            "role": role,
            "active": active,
            "q": text,
            "pager": pager.links(q),
            "role_filters": [(r.value, ROLE_LABELS[r]) for r in Role],
        },
    )


async def user_action(request: Request):
    actor = await require_page(request, "user.list")
    action = request.path_params["action"]
    if action not in ("role", "active", "password"):
        raise NotFound("没有这个操作")
    values = await require_csrf(request)
    user_id = request.path_params["user_id"]
    try:
        if action == "role":
            role = values.get("role", "")
            if role not in {r.value for r in Role}:
                raise Invalid({"role": "请选择有效的角色"})
            user = await people.set_role(actor, user_id, Role(role))
            flash(request, f"{user.display_name} 的角色已改为「{ROLE_LABELS[user.role]}」")
        elif action == "active":
            user = await people.set_active(actor, user_id, values.get("active") == "yes")
            flash(request, f"{user.display_name} 的账号已{'启用' if user.active else '停用'}")
        else:
            user, temporary = await people.reset_password(actor, user_id)
            flash(
                request,
                f"已重置 {user.display_name}（{user.email}）的密码，临时密码：{temporary}"
                "（只显示这一次，请当面或电话告知本人，并提醒其登录后修改）",
                "warn",
            )
    except Invalid as exc:
        flash(request, f"{exc.message}：{'；'.join(exc.fields.values())}", "error")
    back = values.get("back", "")
    return redirect(back if back.startswith("/workspace/users") else "/workspace/users")


# -- public organisation page -------------------------------------------------------------------


async def organisation_page(request: Request):
    org = await Organisation.get_or_none(id=request.path_params["organisation_id"])
    if org is None or (org.pending or (not org.verified and org.rejection_reason)):
        raise NotFound("找不到该单位")  # registrations waiting or refused are not public
    profiles = await CapabilityProfile.filter(organisation_id=org.id, status=ProfileStatus.PUBLISHED).order_by("-id")
    return await render(
        request,
        "showcase/organisation.html",
        {
            "org": organisation_badge(org),
            "profiles": [
                {"id": p.id, "title": p.title, "excerpt": excerpt(p.summary, 110), "domains": p.domains}
                for p in profiles
            ],
            "history": await object_history.history(await current_user(request), "organisation", org),
        },
    )
