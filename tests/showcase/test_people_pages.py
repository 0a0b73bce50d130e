"""Organisations and people on pages: registration waits for verification, operators verify or
reject with a reason and manage users, everyone changes its own password, suppliers edit profiles
with a version check. Every decision leaves an audit record."""

from __future__ import annotations

import httpx
import pytest

from lab.creditcode import check_character
from lab.demo import demo_credit_code
from lab.models import AuditRecord, CapabilityProfile, Organisation, Role, User
from tests import factories
from tests.showcase.conftest import csrf_of, sign_in


@pytest.fixture
async def new_client(app):
    clients: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.aclose()


def _registration(token: str, **changes) -> dict:
    data = {
        "csrf": token,
        "kind": "enterprise",
        "name": "成都锦城感知科技有限公司",
        "district": "高新区",
        "credit_code": demo_credit_code("成都锦城感知科技有限公司"),
        "display_name": "赵工",
        "email": "zhao@jincheng.cn",
        "password": "jincheng-2024",
        "password2": "jincheng-2024",
    }
    data.update(changes)
    return data


async def _signed_in_supplier(client, user) -> str:
    """Signed in (not via /workspace, whose supplier home ranks demands with the model); a CSRF token."""
    assert (await _sign_in_as(client, user.email, factories.PASSWORD)).status_code == 303
    return csrf_of((await client.get("/workspace/profiles")).text)


async def _sign_in_as(client, email: str, password: str) -> httpx.Response:
    token = csrf_of((await client.get("/sign-in")).text)
    return await client.post("/sign-in", data={"email": email, "password": password, "csrf": token})


async def test_registration_waits_for_verification_then_the_member_signs_in(client, db, new_client):
    token = csrf_of((await client.get("/register")).text)
    response = await client.post("/register", data=_registration(token))
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    org = await Organisation.get(name="成都锦城感知科技有限公司")
    member = await User.get(email="zhao@jincheng.cn")
    assert org.pending and not org.verified and not member.active and member.role == Role.SUPPLIER_MEMBER
    assert "审核通过后" in (await client.get("/sign-in")).text
    assert (await _sign_in_as(client, "zhao@jincheng.cn", "jincheng-2024")).status_code == 401  # not yet
    assert (await client.get(f"/organisations/{org.id}")).status_code == 404  # waiting: not public

    operator = new_client()
    op_token = await sign_in(operator, await factories.user("operator"))
    listing = await operator.get("/workspace/organisations?status=pending")
    assert "成都锦城感知科技有限公司" in listing.text and "待审核" in listing.text and org.credit_code in listing.text
    verified = await operator.post(f"/workspace/organisations/{org.id}/verify", data={"csrf": op_token})
    assert verified.status_code == 303
    await org.refresh_from_db()
    await member.refresh_from_db()
    assert org.verified and not org.pending and member.active
    assert (await _sign_in_as(client, "zhao@jincheng.cn", "jincheng-2024")).status_code == 303
    page = (await new_client().get(f"/organisations/{org.id}")).text
    assert "已认证" in page and org.credit_code in page
    actions = await AuditRecord.filter(object_kind="organisation", object_id=org.id).values_list("action", flat=True)
    assert actions == ["organisation.register", "organisation.verify"]


async def test_registration_refuses_a_bad_credit_code_and_changes_nothing(client, db):
    token = csrf_of((await client.get("/register")).text)
    code = demo_credit_code("x")
    wrong = code[:17] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != check_character(code[:17]))
    for changes, field, message in (
        ({"credit_code": wrong}, "credit_code", "校验位不正确"),
        ({"credit_code": ""}, "credit_code", "企业须填写统一社会信用代码"),
        ({"password2": "other-password"}, "password2", "两次输入的密码不一致"),
        ({"kind": "operator"}, "kind", "请选择单位类型"),
        ({"email": "not-an-email"}, "email", ""),
    ):
        response = await client.post("/register", data=_registration(token, **changes))
        assert response.status_code == 422, changes
        assert f'id="e-{field}"' in response.text and message in response.text
        assert 'value="成都锦城感知科技有限公司"' in response.text  # what was typed is kept
    assert not await Organisation.filter(name="成都锦城感知科技有限公司").exists()
    assert not await User.filter(email="zhao@jincheng.cn").exists()
    assert (await client.post("/register", data={k: v for k, v in _registration("bad").items()})).status_code == 403


async def test_registering_an_existing_name_or_email_is_a_conflict(client, db):
    existing = await factories.user("department_member")
    token = csrf_of((await client.get("/register")).text)
    response = await client.post(
        "/register", data=_registration(token, kind="department", credit_code="", email=existing.email)
    )
    assert response.status_code == 409 and "该邮箱已注册" in response.text
    assert not await Organisation.filter(name="成都锦城感知科技有限公司").exists()


async def test_operator_rejects_a_registration_with_a_reason_and_it_stays_inactive(client, db, new_client):
    token = csrf_of((await client.get("/register")).text)
    await client.post("/register", data=_registration(token, kind="university", credit_code="", name="蓉西大学"))
    org = await Organisation.get(name="蓉西大学")
    operator = new_client()
    op_token = await sign_in(operator, await factories.user("operator"))
    refused = await operator.post(f"/workspace/organisations/{org.id}/reject", data={"csrf": op_token, "reason": ""})
    assert refused.status_code == 303
    assert "请填写驳回原因" in (await operator.get("/workspace/organisations")).text
    await org.refresh_from_db()
    assert org.pending  # unchanged
    await operator.post(
        f"/workspace/organisations/{org.id}/reject", data={"csrf": op_token, "reason": "名称与证照不符"}
    )
    await org.refresh_from_db()
    assert not org.pending and not org.verified and org.rejection_reason == "名称与证照不符"
    assert not (await User.get(email="zhao@jincheng.cn")).active
    record = await AuditRecord.get(object_kind="organisation", object_id=org.id, action="organisation.reject")
    assert record.reason == "名称与证照不符" and record.before["status"] == "pending"
    listing = (await operator.get("/workspace/organisations?status=rejected")).text
    assert "蓉西大学" in listing and "名称与证照不符" in listing


async def test_only_operators_reach_organisation_and_user_management(client, db, signed_in):
    for path in ("/workspace/organisations", "/workspace/users"):
        assert (await client.get(path)).status_code == 303  # visitor: sign in first
    token = await _signed_in_supplier(client, await factories.user("supplier_member"))
    other = await factories.user("department_member")
    for path in ("/workspace/organisations", "/workspace/users"):
        assert (await client.get(path)).status_code == 403
    response = await client.post(f"/workspace/users/{other.id}/active", data={"csrf": token, "active": "no"})
    assert response.status_code == 403
    assert (await User.get(id=other.id)).active


async def test_operator_changes_role_deactivates_and_resets_a_password(client, db, new_client, signed_in):
    reviewer_org = await factories.organisation("university")
    person = await factories.user("supplier_member", org=reviewer_org)
    operator = await factories.user("operator")
    token = await signed_in(operator)
    page = await client.get("/workspace/users?q=" + person.email)
    assert person.email in page.text and "用户管理" in page.text
    await client.post(f"/workspace/users/{person.id}/role", data={"csrf": token, "role": "reviewer"})
    assert (await User.get(id=person.id)).role == Role.REVIEWER
    await client.post(f"/workspace/users/{person.id}/role", data={"csrf": token, "role": "operator"})
    assert (await User.get(id=person.id)).role == Role.REVIEWER  # not allowed for a university member
    listing = (await client.get("/workspace/users")).text
    assert "角色已改为「评审专家」" in listing and "该角色与所属单位类型不符" in listing  # both notices shown
    await client.post(f"/workspace/users/{operator.id}/active", data={"csrf": token, "active": "no"})
    assert (await User.get(id=operator.id)).active  # never locks oneself out

    await client.post(f"/workspace/users/{person.id}/active", data={"csrf": token, "active": "no"})
    assert not (await User.get(id=person.id)).active
    assert (await _sign_in_as(new_client(), person.email, factories.PASSWORD)).status_code == 401
    await client.post(f"/workspace/users/{person.id}/active", data={"csrf": token, "active": "yes"})

    reset = await client.post(f"/workspace/users/{person.id}/password", data={"csrf": token}, follow_redirects=True)
    temporary = reset.text.split("临时密码：", 1)[1].split("（", 1)[0]
    assert len(temporary) >= 12
    assert (await _sign_in_as(new_client(), person.email, factories.PASSWORD)).status_code == 401
    assert (await _sign_in_as(new_client(), person.email, temporary)).status_code == 303
    actions = (
        await AuditRecord.filter(object_kind="user", object_id=person.id)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["user.role", "user.deactivate", "user.activate", "user.reset_password"]
    assert all(temporary not in str(r.after) + r.reason for r in await AuditRecord.all())


async def test_every_user_changes_its_own_password(client, db, signed_in, new_client):
    user = await factories.user("reviewer")
    token = await signed_in(user)
    wrong = await client.post(
        "/account/password",
        data={"csrf": token, "current": "nope", "new": "new-password-1", "confirm": "new-password-1"},
    )
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    mismatch = await client.post(
        "/account/password",
        data={"csrf": token, "current": factories.PASSWORD, "new": "new-password-1", "confirm": "other-pass"},
    )
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    short = await client.post(
        "/account/password", data={"csrf": token, "current": factories.PASSWORD, "new": "short", "confirm": "short"}
    )
    assert short.status_code == 422 and 'id="e-new"' in short.text
    ok = await client.post(
        "/account/password",
        data={"csrf": token, "current": factories.PASSWORD, "new": "new-password-1", "confirm": "new-password-1"},
    )
    assert ok.status_code == 303
    assert (await _sign_in_as(new_client(), user.email, factories.PASSWORD)).status_code == 401
    assert (await _sign_in_as(new_client(), user.email, "new-password-1")).status_code == 303
    assert await AuditRecord.filter(object_kind="user", object_id=user.id, action="user.change_password").exists()


async def test_supplier_edits_a_profile_and_a_stale_version_is_refused_with_the_typing_kept(client, db, signed_in):
    supplier = await factories.user("supplier_member")
    profile = await factories.profile(supplier.organisation, status="published")
    token = await _signed_in_supplier(client, supplier)
    form = await client.get(f"/workspace/profiles/{profile.id}/edit")
    assert form.status_code == 200 and f'name="version" value="{profile.version}"' in form.text
    data = {
        "csrf": token,
        "version": str(profile.version),
        "title": "电梯阻车系统（第二代）",
        "summary": "通过电梯轿厢摄像头识别电动自行车，联动梯控阻止其进入电梯，并通知物业。",
        "domains": ["消防"],
        "keywords": "电梯、阻车",
        "attributes": "",
        "cases": "",
        "region": "成都",
        "maturity": "8",
    }
    saved = await client.post(f"/workspace/profiles/{profile.id}", data=data)
    assert saved.status_code == 303
    fresh = await CapabilityProfile.get(id=profile.id)
    assert fresh.title == "电梯阻车系统（第二代）" and fresh.version == profile.version + 1 and fresh.maturity == 8

    stale = await client.post(f"/workspace/profiles/{profile.id}", data={**data, "title": "过期的修改"})
    assert stale.status_code == 409
    assert "已被他人修改" in stale.text and 'value="过期的修改"' in stale.text
    assert f'name="version" value="{fresh.version}"' in stale.text  # saving again now applies over the latest
    assert (await CapabilityProfile.get(id=profile.id)).title == "电梯阻车系统（第二代）"

    other = await factories.user("supplier_member")
    theirs = await factories.profile(other.organisation, status="published")
    assert (await client.get(f"/workspace/profiles/{theirs.id}/edit")).status_code == 403
    refused = await client.post(f"/workspace/profiles/{theirs.id}", data={**data, "version": str(theirs.version)})
    assert refused.status_code == 403
    assert (await CapabilityProfile.get(id=theirs.id)).title == theirs.title


async def test_capability_page_shows_the_verified_mark_and_credit_code(client, db):
    org = await factories.organisation("enterprise")
    await Organisation.filter(id=org.id).update(verified=True)
    profile = await factories.profile(org, status="published")
    page = (await client.get(f"/capabilities/{profile.id}")).text
    assert "已认证" in page and org.credit_code in page and f'href="/organisations/{org.id}"' in page
