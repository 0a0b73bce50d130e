"""Each object's page shows its own history (the audit trail of that demand, capability profile or
organisation) to operators and the owning organisation's members, and nothing of it to visitors or
other organisations."""

from __future__ import annotations

from lab import audit
from tests import factories


def _history(html: str) -> str | None:
    """The 变更记录 section of a page, or None when the page has none."""
    if 'id="own-history-title"' not in html:
        return None
    return html.split('id="own-history-title"')[1].split("</section>")[0]


async def _objects():
    department = await factories.organisation("department")
    supplier = await factories.organisation("enterprise")
    owner_d = await factories.user("department_member", department)
    owner_s = await factories.user("supplier_member", supplier)
    demand = await factories.demand(department)
    profile = await factories.profile(supplier)
    await audit.record(
        owner_d,
        "demand.publish",
        "demand",
        demand.id,
        before={"status": "draft", "version": 1},
        after={"status": "published", "version": 2},
    )
    await audit.record(
        owner_s, "profile.update", "profile", profile.id, before={"title": "旧名称秘"}, after={"title": profile.title}
    )
    operator = await factories.user("operator")
    await audit.record(
        operator,
        "organisation.verify",
        "organisation",
        supplier.id,
        before={"status": "pending"},
        after={"status": "verified"},
        reason="证照核验<通过>",
    )
    # a record about another object of the same kind never shows on this page
    await audit.record(operator, "demand.close", "demand", demand.id + 1000, before={}, after={})
    return department, supplier, owner_d, owner_s, demand, profile, operator


async def test_owners_see_their_objects_history_in_chinese(client, db, signed_in):
    _, supplier, owner_d, owner_s, demand, profile, _ = await _objects()
    await signed_in(owner_d)
    section = _history((await client.get(f"/demands/{demand.id}")).text)
    assert section is not None and "发布需求" in section and "状态：草稿 → 已发布" in section
    assert owner_d.display_name in section and "关闭需求" not in section and "版本" not in section

    client.cookies.clear()
    await signed_in(owner_s)
    section = _history((await client.get(f"/capabilities/{profile.id}")).text)
    assert section is not None and "修改能力档案" in section and "名称：旧名称秘 →" in section
    section = _history((await client.get(f"/organisations/{supplier.id}")).text)
    assert section is not None and "认证单位" in section and "证照核验&lt;通过&gt;" in section


async def test_operators_see_every_objects_history(client, db, signed_in):
    _, supplier, _, _, demand, profile, operator = await _objects()
    await signed_in(operator)
    assert "发布需求" in (_history((await client.get(f"/demands/{demand.id}")).text) or "")
    assert "修改能力档案" in (_history((await client.get(f"/capabilities/{profile.id}")).text) or "")
    assert "认证单位" in (_history((await client.get(f"/organisations/{supplier.id}")).text) or "")


async def test_visitors_and_other_organisations_see_no_history(client, db, signed_in):
    department, supplier, _, _, demand, profile, _ = await _objects()
    pages = (f"/demands/{demand.id}", f"/capabilities/{profile.id}", f"/organisations/{supplier.id}")
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200 and _history(response.text) is None
        assert "旧名称秘" not in response.text and "证照核验" not in response.text
    # a member of another department and of another supplier: the pages, but none of the history
    await signed_in(await factories.user("department_member"))
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200 and _history(response.text) is None
    client.cookies.clear()
    await signed_in(await factories.user("supplier_member"))
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200 and _history(response.text) is None
        assert "发布需求" not in response.text and "旧名称秘" not in response.text
    # the department owns the demand but neither the profile nor the supplier
    client.cookies.clear()
    await signed_in(await factories.user("department_member", department))
    assert _history((await client.get(f"/demands/{demand.id}")).text) is not None
    assert _history((await client.get(f"/capabilities/{profile.id}")).text) is None
    assert _history((await client.get(f"/organisations/{supplier.id}")).text) is None
