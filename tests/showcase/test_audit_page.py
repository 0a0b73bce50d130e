"""The operator's audit page: Chinese labels, filters by object, actor, action and date, links to
each object; nobody else may read it."""

from __future__ import annotations

from datetime import datetime, UTC

from lab import audit
from lab.models import AuditRecord
from tests import factories


async def _records():
    operator = await factories.user("operator")
    other = await factories.user("operator")
    await audit.record(
        operator,
        "scenario.advance",
        "scenario",
        7,
        before={"stage": "evaluation", "version": 3},
        after={"stage": "listing", "version": 4},
    )
    await audit.record(
        other,
        "organisation.reject",
        "organisation",
        3,
        before={"status": "pending"},
        after={"status": "rejected"},
        reason="证照<不符>",
    )
    await audit.record(None, "scenario.create", "scenario", 8, after={"stage": "listing"}, reason="导入")
    old = await audit.record(
        operator, "user.role", "user", 5, before={"role": "supplier_member"}, after={"role": "reviewer"}
    )
    await AuditRecord.filter(id=old.id).update(at=datetime(2024, 1, 2, 3, 0, tzinfo=UTC))
    return operator, other


async def test_audit_page_speaks_chinese_and_links_each_object(client, db, signed_in):
    operator, _ = await _records()
    await signed_in(operator)
    page = (await client.get("/workspace/audit")).text
    assert "推进阶段" in page and "阶段：评估论证 → 应用上架" in page and "版本" not in page.split("<tbody>")[1]
    assert "驳回单位" in page and "状态：待审核 → 已驳回" in page and "证照&lt;不符&gt;" in page
    assert "修改角色" in page and "角色：供给方 → 评审专家" in page
    assert 'href="/workspace/scenarios/7"' in page and 'href="/workspace/organisations?q=%233"' in page
    assert "系统" in page  # the import has no actor


async def test_audit_page_filters_by_object_actor_action_and_date(client, db, signed_in):
    operator, other = await _records()
    await signed_in(operator)

    def bodies(html: str) -> str:
        return html.split("<tbody>")[1].split("</tbody>")[0]

    by_object = bodies((await client.get("/workspace/audit?object=scenario:7")).text)
    assert "推进阶段" in by_object and "创建场景" not in by_object and "驳回单位" not in by_object
    by_kind = bodies((await client.get("/workspace/audit?object=scenario")).text)
    assert "推进阶段" in by_kind and "创建场景" in by_kind and "驳回单位" not in by_kind
    by_actor = bodies((await client.get("/workspace/audit", params={"actor": other.display_name})).text)
    assert "驳回单位" in by_actor and "推进阶段" not in by_actor
    system = bodies((await client.get("/workspace/audit", params={"actor": "系统"})).text)
    assert "创建场景" in system and "推进阶段" not in system
    by_action = bodies((await client.get("/workspace/audit?action=user.role")).text)
    assert "修改角色" in by_action and "推进阶段" not in by_action
    by_date = bodies((await client.get("/workspace/audit?since=2024-01-01&until=2024-01-31")).text)
    assert "修改角色" in by_date and "推进阶段" not in by_date
    odd = await client.get("/workspace/audit?object=<script>&since=yesterday&page=-3&action=<b>")
    assert odd.status_code == 200 and "<script>" not in odd.text and "对象格式应为" in odd.text
    assert "日期格式应为" in odd.text


async def test_only_operators_read_the_audit_page(client, db, signed_in):
    await _records()
    assert (await client.get("/workspace/audit")).status_code == 303
    await signed_in(await factories.user("department_member"))
    assert (await client.get("/workspace/audit")).status_code == 403
