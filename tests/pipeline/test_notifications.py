"""The in-app inbox: stage changes reach the scenario's parties, newest first, and can be marked read."""

from __future__ import annotations

from pipeline.models import Stage
from tests import factories
from tests.pipeline import builders


async def test_parties_are_told_of_stage_changes_and_mark_them_read(client, operator):
    p = await builders.parties()
    s = await builders.scenario(Stage.REQUIREMENT, p)
    colleague = await factories.actor("supplier_member", p.partner)
    outsider = await factories.actor("supplier_member")
    await client.post(
        f"/api/scenarios/{s.id}/transitions", headers=operator.headers, json={"to": "design", "version": 1}
    )
    await client.post(
        f"/api/scenarios/{s.id}/transitions",
        headers=p.lead_actor.headers,
        json={"to": "requirement", "reason": "补充现场数据", "version": 2},
    )
    inbox = (await client.get("/api/notifications", headers=colleague.headers)).json()
    assert inbox["unread"] == 2 and inbox["total"] == 2
    assert "方案设计" in inbox["items"][0]["message"] and "补充现场数据" in inbox["items"][0]["message"]
    assert inbox["items"][0]["id"] > inbox["items"][1]["id"]
    lead_inbox = (await client.get("/api/notifications", headers=p.lead_actor.headers)).json()
    assert lead_inbox["total"] == 1  # not told of its own move
    assert (await client.get("/api/notifications", headers=outsider.headers)).json()["total"] == 0
    first = inbox["items"][0]["id"]
    assert (await client.post(f"/api/notifications/{first}/read", headers=outsider.headers)).status_code == 404
    assert (await client.post(f"/api/notifications/{first}/read", headers=colleague.headers)).json() == {"marked": 1}
    unread = (await client.get("/api/notifications?unread=true", headers=colleague.headers)).json()
    assert unread["total"] == 1 and unread["unread"] == 1
    assert (await client.post("/api/notifications/read-all", headers=colleague.headers)).json() == {"marked": 1}
    assert (await client.get("/api/notifications")).status_code == 401
