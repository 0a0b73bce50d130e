"""Pages and API answer from the same policy registry: one table says, per object and role, whether
the role may see it, and both the JSON API and the HTML page are held to that one answer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lab.models import Organisation
from pipeline.models import ReviewAssignment, Stage
from tests import factories
from tests.pipeline import builders

ROLES = ("visitor", "dept_owner", "dept_other", "supplier_owner", "supplier_other", "reviewer", "operator")
EVERYONE = frozenset(ROLES)


@dataclass
class World:
    objects: dict
    headers: dict


async def build_world() -> World:
    lead = await factories.organisation("department")
    partner = await factories.organisation("enterprise")
    other_dept: Organisation = await factories.organisation("department")
    other_supplier: Organisation = await factories.organisation("university")
    p = builders.Parties(
        lead,
        partner,
        await factories.actor("department_member", lead),
        await factories.actor("supplier_member", partner),
    )
    reviewer = await factories.actor("reviewer")
    edition = await builders.edition()
    design = await builders.scenario(Stage.DESIGN, p, title="设计阶段的场景")
    await ReviewAssignment.create(scenario=design, reviewer=reviewer.user)
    listed = await builders.scenario(Stage.LISTING, p, edition_obj=edition, title="已上架的场景")
    await builders.reviews(listed, [80, 90, 70])
    objects = {
        "draft_demand": await factories.demand(lead, status="draft", title="草稿需求甲"),
        "published_demand": await factories.demand(lead, status="published", title="已发布需求乙"),
        "draft_profile": await factories.profile(partner, status="draft", title="草稿能力丙"),
        "published_profile": await factories.profile(partner, status="published", title="已发布能力丁"),
        "design": design,
        "listed": listed,
    }
    headers = {
        "visitor": {},
        "dept_owner": p.lead_actor.headers,
        "supplier_owner": p.partner_actor.headers,
        "reviewer": reviewer.headers,
    }
    for role, kind, org in (
        ("dept_other", "department_member", other_dept),
        ("supplier_other", "supplier_member", other_supplier),
        ("operator", "operator", None),
    ):
        headers[role] = (await factories.actor(kind, org)).headers
    return World(objects, headers)


# (name, API path, page path, text the page shows only when allowed, roles allowed)
ROWS = [
    (
        "draft demand",
        lambda o: f"/api/demands/{o['draft_demand'].id}",
        lambda o: f"/demands/{o['draft_demand'].id}",
        "草稿需求甲",
        {"dept_owner", "operator"},
    ),
    (
        "published demand",
        lambda o: f"/api/demands/{o['published_demand'].id}",
        lambda o: f"/demands/{o['published_demand'].id}",
        "已发布需求乙",
        EVERYONE,
    ),
    (
        "draft capability profile",
        lambda o: f"/api/capabilities/{o['draft_profile'].id}",
        lambda o: f"/capabilities/{o['draft_profile'].id}",
        "草稿能力丙",
        {"supplier_owner", "operator"},
    ),
    (
        "published capability profile",
        lambda o: f"/api/capabilities/{o['published_profile'].id}",
        lambda o: f"/capabilities/{o['published_profile'].id}",
        "已发布能力丁",
        EVERYONE,
    ),
    (
        "scenario before listing",
        lambda o: f"/api/scenarios/{o['design'].id}",
        lambda o: f"/scenarios/{o['design'].id}",
        "设计阶段的场景",
        {"dept_owner", "supplier_owner", "reviewer", "operator"},
    ),
    (
        "listed scenario",
        lambda o: f"/api/scenarios/{o['listed'].id}",
        lambda o: f"/scenarios/{o['listed'].id}",
        "已上架的场景",
        EVERYONE,
    ),
    (
        "scenario attachments and desk",
        lambda o: f"/api/scenarios/{o['design'].id}/attachments",
        lambda o: f"/workspace/scenarios/{o['design'].id}",
        "设计阶段的场景",
        {"dept_owner", "supplier_owner", "reviewer", "operator"},
    ),
    (
        "review scores of a listed scenario",
        lambda o: f"/api/scenarios/{o['listed'].id}/reviews",
        lambda o: f"/scenarios/{o['listed'].id}",
        "专家评审结果",
        {"dept_owner", "supplier_owner", "operator"},
    ),
]


@pytest.mark.parametrize("name,api_path,page_path,marker,allowed", ROWS, ids=[r[0] for r in ROWS])
async def test_page_and_api_follow_the_same_rule(client, name, api_path, page_path, marker, allowed):
    w = await build_world()
    api, page = {}, {}
    for role in ROLES:
        response = await client.get(api_path(w.objects), headers=w.headers[role])
        assert response.status_code in (200, 401, 403, 404), (role, response.status_code)
        api[role] = response.status_code == 200
        shown = await client.get(page_path(w.objects), headers=w.headers[role])
        assert shown.status_code in (200, 303, 403, 404), (role, shown.status_code)
        page[role] = shown.status_code == 200 and marker in shown.text
    expected = {role: role in allowed for role in ROLES}
    assert api == expected, f"API: {name}"
    assert page == expected, f"page: {name}"
