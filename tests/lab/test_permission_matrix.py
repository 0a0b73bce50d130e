"""Every core endpoint × every role: the status each role gets, from one table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories

ROLES = ("visitor", "dept_owner", "dept_other", "supplier_owner", "supplier_other", "reviewer", "operator")


@dataclass
class World:
    dept_a: object
    dept_b: object
    sup_s: object
    sup_t: object
    draft: object
    published: object
    profile_draft: object
    profile_pub: object
    proposal: object
    headers: dict


async def build_world() -> World:
    dept_a = await factories.organisation("department")
    dept_b = await factories.organisation("department")
    sup_s = await factories.organisation("enterprise")
    sup_t = await factories.organisation("university")
    draft = await factories.demand(dept_a, status="draft", title="草稿需求")
    published = await factories.demand(dept_a, status="published", title="已发布需求")
    profile_draft = await factories.profile(sup_s, status="draft", title="草稿能力")
    profile_pub = await factories.profile(sup_s, status="published", title="已发布能力")
    from lab.models import Proposal

    proposal = await Proposal.create(
        demand=published, organisation=sup_s, approach="方案", cost_wan=10, duration_weeks=4
    )
    headers = {"visitor": {}}
    for role, kind, org in (
        ("dept_owner", "department_member", dept_a),
        ("dept_other", "department_member", dept_b),
        ("supplier_owner", "supplier_member", sup_s),
        ("supplier_other", "supplier_member", sup_t),
        ("reviewer", "reviewer", None),
        ("operator", "operator", None),
    ):
        headers[role] = (await factories.actor(kind, org)).headers
    return World(dept_a, dept_b, sup_s, sup_t, draft, published, profile_draft, profile_pub, proposal, headers)


def _demand_body(w):
    return {"title": "新需求", "domain": "消防", "organisation_id": w.dept_a.id}


def _own_demand_body(w):
    return {"title": "新需求", "domain": "消防"}


# (name, method, path(w), body(w) or None, {role: status})
CASES = [
    ("list organisations", "GET", lambda w: "/api/organisations", None, dict.fromkeys(ROLES, 200)),
    (
        "create organisation",
        "POST",
        lambda w: "/api/organisations",
        lambda w: {"kind": "department", "name": "成都市新设局"},
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "operator": 201},
    ),
    ("read organisation", "GET", lambda w: f"/api/organisations/{w.dept_a.id}", None, dict.fromkeys(ROLES, 200)),
    (
        "verify organisation",
        "PATCH",
        lambda w: f"/api/organisations/{w.sup_s.id}",
        lambda w: {"verified": True},
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "operator": 200},
    ),
    ("list users", "GET", lambda w: "/api/users", None, {**dict.fromkeys(ROLES, 403), "visitor": 401, "operator": 200}),
    (
        "create user",
        "POST",
        lambda w: "/api/users",
        lambda w: {
            "email": "new@example.cn",
            "display_name": "新人",
            "password": "password-123",
            "role": "department_member",
            "organisation_id": w.dept_a.id,
        },
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "operator": 201},
    ),
    ("list demands", "GET", lambda w: "/api/demands", None, dict.fromkeys(ROLES, 200)),
    (
        "read draft demand",
        "GET",
        lambda w: f"/api/demands/{w.draft.id}",
        None,
        {**dict.fromkeys(ROLES, 404), "dept_owner": 200, "operator": 200},
    ),
    ("read published demand", "GET", lambda w: f"/api/demands/{w.published.id}", None, dict.fromkeys(ROLES, 200)),
    (
        "create demand (own department)",
        "POST",
        lambda w: "/api/demands",
        _own_demand_body,
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "dept_owner": 201, "dept_other": 201, "operator": 422},
    ),  # operators must name the department
    (
        "create demand for a department",
        "POST",
        lambda w: "/api/demands",
        _demand_body,
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "dept_owner": 201, "dept_other": 422, "operator": 201},
    ),
    (
        "edit draft demand",
        "PATCH",
        lambda w: f"/api/demands/{w.draft.id}",
        lambda w: {"title": "改", "version": 1},
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 200, "operator": 200},
    ),
    (
        "edit published demand",
        "PATCH",
        lambda w: f"/api/demands/{w.published.id}",
        lambda w: {"title": "改", "version": 1},
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "dept_owner": 200, "operator": 200},
    ),
    (
        "publish draft demand",
        "POST",
        lambda w: f"/api/demands/{w.draft.id}/publish",
        None,
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 200, "operator": 200},
    ),
    (
        "close published demand",
        "POST",
        lambda w: f"/api/demands/{w.published.id}/close",
        None,
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "dept_owner": 200, "operator": 200},
    ),
    (
        "withdraw published demand",
        "POST",
        lambda w: f"/api/demands/{w.published.id}/withdraw",
        None,
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "dept_owner": 200, "operator": 200},
    ),
    (
        "read draft profile",
        "GET",
        lambda w: f"/api/capabilities/{w.profile_draft.id}",
        None,
        {**dict.fromkeys(ROLES, 404), "supplier_owner": 200, "operator": 200},
    ),
    (
        "read published profile",
        "GET",
        lambda w: f"/api/capabilities/{w.profile_pub.id}",
        None,
        dict.fromkeys(ROLES, 200),
    ),
    (
        "create profile",
        "POST",
        lambda w: "/api/capabilities",
        lambda w: {"title": "新能力"},
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "supplier_owner": 201, "supplier_other": 201, "operator": 422},
    ),
    (
        "edit published profile",
        "PATCH",
        lambda w: f"/api/capabilities/{w.profile_pub.id}",
        lambda w: {"keywords": ["新关键词"], "version": 1},
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "supplier_owner": 200, "operator": 200},
    ),
    (
        "publish draft profile",
        "POST",
        lambda w: f"/api/capabilities/{w.profile_draft.id}/publish",
        None,
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "supplier_owner": 200, "operator": 200},
    ),
    ("list proposals", "GET", lambda w: "/api/proposals", None, {**dict.fromkeys(ROLES, 200), "visitor": 401}),
    (
        "read proposal",
        "GET",
        lambda w: f"/api/proposals/{w.proposal.id}",
        None,
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 200, "supplier_owner": 200, "operator": 200},
    ),
    (
        "submit proposal",
        "POST",
        lambda w: "/api/proposals",
        lambda w: {"demand_id": w.published.id, "approach": "我们的方案", "cost_wan": 50, "duration_weeks": 8},
        {**dict.fromkeys(ROLES, 403), "visitor": 401, "supplier_owner": 409, "supplier_other": 201},
    ),
    (
        "edit proposal",
        "PATCH",
        lambda w: f"/api/proposals/{w.proposal.id}",
        lambda w: {"cost_wan": 12, "version": 1},
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 403, "supplier_owner": 200, "operator": 403},
    ),
    (
        "shortlist proposal",
        "POST",
        lambda w: f"/api/proposals/{w.proposal.id}/shortlist",
        None,
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 200, "supplier_owner": 403, "operator": 200},
    ),
    (
        "accept proposal",
        "POST",
        lambda w: f"/api/proposals/{w.proposal.id}/accept",
        None,
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 200, "supplier_owner": 403, "operator": 200},
    ),
    (
        "decline proposal",
        "POST",
        lambda w: f"/api/proposals/{w.proposal.id}/decline",
        lambda w: {"reason": "预算不符"},
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 200, "supplier_owner": 403, "operator": 200},
    ),
    (
        "withdraw proposal",
        "POST",
        lambda w: f"/api/proposals/{w.proposal.id}/withdraw",
        None,
        {**dict.fromkeys(ROLES, 404), "visitor": 401, "dept_owner": 403, "supplier_owner": 200, "operator": 200},
    ),
    ("me", "GET", lambda w: "/api/me", None, {**dict.fromkeys(ROLES, 200), "visitor": 401}),
]


@pytest.mark.parametrize("name,method,path,body,expected", CASES, ids=[c[0] for c in CASES])
async def test_permission_matrix(client, name, method, path, body, expected):
    assert set(expected) == set(ROLES)
    outcomes = {}
    for role in ROLES:
        # a fresh world per role so that one role's success cannot change another's answer
        w = await build_world()
        response = await client.request(method, path(w), json=body(w) if body else None, headers=w.headers[role])
        outcomes[role] = response.status_code
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert outcomes == expected
