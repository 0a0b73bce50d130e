"""The audit trail: operators read it by object; nothing can change or remove a record."""

from __future__ import annotations

import pytest

from lab.models import AuditRecord
from pipeline.models import Stage
from tests import factories
from tests.pipeline import builders


async def test_operators_read_the_audit_trail_of_one_object(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.REQUIREMENT, p)
    other = await builders.scenario(Stage.REQUIREMENT, p)
    for target in (s, other):
        await client.post(
            f"/api/scenarios/{target.id}/transitions", headers=operator.headers, json={"to": "design", "version": 1}
        )
    await client.post(
        f"/api/scenarios/{s.id}/transitions",
        headers=p.lead_actor.headers,
        json={"to": "requirement", "reason": "需求范围需重新梳理", "version": 2},
    )
    response = await client.get(f"/api/audit?object=scenario:{s.id}", headers=operator.headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["action"], i["before"]["stage"], i["after"]["stage"]) for i in items] == [
        ("scenario.return", "design", "requirement"),
        ("scenario.advance", "requirement", "design"),
    ]
    assert items[0]["reason"] == "需求范围需重新梳理" and items[0]["actor"] == p.lead_actor.user.display_name
    assert (await client.get("/api/audit?object=scenario", headers=operator.headers)).status_code == 422
    assert (await client.get("/api/audit", headers=p.lead_actor.headers)).status_code == 403
    assert (await client.get("/api/audit")).status_code == 401
    reviewer = await factories.actor("reviewer")
    assert (await client.get("/api/audit", headers=reviewer.headers)).status_code == 403


async def test_audit_records_cannot_be_changed_or_deleted(db):
    record = await AuditRecord.create(
        action="scenario.create", object_kind="scenario", object_id=1, after={"stage": "requirement"}
    )
    record.reason = "改写历史"
    with pytest.raises(PermissionError):
        await record.save()
    with pytest.raises(PermissionError):
        await record.delete()
    assert (await AuditRecord.get(id=record.id)).reason == ""


def test_no_pipeline_code_updates_or_deletes_audit_records():
    from pathlib import Path

    import pipeline

    root = Path(pipeline.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "AuditRecord" in line:
                assert ".update(" not in line and ".delete(" not in line, f"{path.name}: {line.strip()}"
