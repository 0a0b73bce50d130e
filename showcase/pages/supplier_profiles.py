"""A supplier edits one of its capability profiles. The form carries the version it was read at:
if someone else saved in between, the save is refused (409) with what was typed kept, and nothing
changes (optimistic concurrency, as in the API)."""

from __future__ import annotations

from starlette.requests import Request

from lab import profiles
from lab.errors import Conflict, Invalid, VersionConflict
from lab.models import CapabilityProfile
from lab.permissions import require
from lab.schemas import ProfileUpdate
from lab.validation import parse
from showcase import forms, params
from showcase.responses import CSRF_MESSAGE, flash, form_list, read_form, redirect, render, require_page


def form_values(p: CapabilityProfile) -> dict[str, str]:
    return {
        "title": p.title,
        "summary": p.summary,
        "keywords": "、".join(p.keywords),
        "attributes": "、".join(p.attributes),
        "cases": "\n".join(p.cases),
        "region": p.region,
        "maturity": "" if p.maturity is None else str(p.maturity),
        "version": str(p.version),
    }


async def _form(
    request: Request,
    profile: CapabilityProfile,
    *,
    values: dict,
    chosen: list[str],
    errors: dict,
    message: str = "",
    status: int = 200,
):
    return await render(
        request,
        "showcase/workspace/profile_form.html",
        {
            "profile": {
                "id": profile.id,
                "title": profile.title,
                "version": profile.version,
                "status": profile.status.value,
            },
            "values": values,
            "chosen": chosen,
            "errors": errors,
            "message": message,
            "labels": forms.PROFILE_LABELS,
            "domains": forms.DOMAIN_OPTIONS,
        },
        status=status,
    )


async def edit_profile(request: Request):
    user = await require_page(request)  # the profile's own rule decides (owner supplier or operator)
    profile = await profiles.get_profile(user, request.path_params["profile_id"])
    require(user, "profile.update", profile)
    return await _form(request, profile, values=form_values(profile), chosen=list(profile.domains), errors={})


async def update_profile(request: Request):
    user = await require_page(request)  # the profile's own rule decides (owner supplier or operator)
    profile = await profiles.get_profile(user, request.path_params["profile_id"])
    require(user, "profile.update", profile)
    values, csrf_ok = await read_form(request)
    typed = {**forms.kept(values, forms.PROFILE_FIELDS), "version": str(values.get("version", ""))}
    chosen = form_list(values, "domains")
    if not csrf_ok:
        return await _form(request, profile, values=typed, chosen=chosen, errors={}, message=CSRF_MESSAGE, status=403)
    try:
        data = forms.profile_in(values, chosen).model_dump(exclude={"organisation_id"})
        update = parse(ProfileUpdate, {**data, "version": params.positive_int(values.get("version")) or 0})
        saved = await profiles.update_profile(user, profile.id, update)
    except VersionConflict:
        fresh = await profiles.get_profile(user, profile.id)
        return await _form(
            request,
            fresh,
            values={**typed, "version": str(fresh.version)},
            chosen=chosen,
            errors={},
            message="保存前该能力档案已被他人修改（当前为第 %d 版）。您填写的内容已保留，"
            "请对照公开页面上的最新内容后再次保存。" % fresh.version,
            status=409,
        )
    except (Invalid, Conflict) as exc:
        errors = {k.split(".")[0]: v for k, v in exc.fields.items() if k != "version"}
        if "version" in exc.fields and not errors:
            errors = {"title": "表单已过期，请刷新页面"}
        return await _form(
            request, profile, values=typed, chosen=chosen, errors=errors, message=exc.message, status=exc.status
        )
    flash(request, f"能力档案已保存（第 {saved.version} 版）")
    return redirect("/workspace/profiles")
