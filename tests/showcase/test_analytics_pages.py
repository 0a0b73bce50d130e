"""The operator's board and dashboard count live work by default (not the imported reserve list),
filter by scope, year, domain, district, stage and waiting time, and link every bar to the list
behind it."""

from __future__ import annotations

import re
from datetime import timedelta

from tortoise.timezone import now

from lab import audit
from pipeline.models import Scenario, Stage
from tests import factories
from tests.pipeline import builders
from tests.showcase.scenes import edition_with_scenarios


async def _world():
    await edition_with_scenarios([(f"导入场景{i}", "消防", "金牛区") for i in range(1, 6)], featured=1)
    p = await builders.parties()
    live = [
        await builders.scenario(stage, p, title=title)
        for stage, title in (
            (Stage.DESIGN, "在途设计甲"),
            (Stage.DESIGN, "在途设计乙"),
            (Stage.EVALUATION, "在途评估丙"),
        )
    ]
    for s in live:
        await Scenario.filter(id=s.id).update(demand_id=(await s.proposals.all().first()).demand_id, year=2024)
    await Scenario.filter(id=live[0].id).update(
        domain="智慧交通", district="武侯区", entered_stage_at=now() - timedelta(days=120)
    )
    for s in live[:2]:  # their history, which the median days in stage are measured from
        await audit.record(None, "scenario.create", "scenario", s.id, after={"stage": "requirement"})
        await audit.record(
            None, "scenario.advance", "scenario", s.id, before={"stage": "requirement"}, after={"stage": "design"}
        )
    return live


async def test_board_defaults_to_live_work_and_filters(client, db, signed_in):
    await _world()
    await signed_in(await factories.user("operator"))
    board = (await client.get("/workspace/board")).text
    assert "进行中的实验室场景 3 个" in board and "在途设计甲" in board and "导入场景1" not in board
    everything = (await client.get("/workspace/board?scope=all")).text
    assert "全部实验室场景 8 个" in everything
    assert "在途设计乙" not in (await client.get("/workspace/board?domain=智慧交通")).text
    assert "在途设计甲" in (await client.get("/workspace/board?district=武侯区")).text
    waiting = (await client.get("/workspace/board?waiting=90")).text
    assert "在途设计甲" in waiting and "在途设计乙" not in waiting and "停留90 天以上" in waiting
    stage = (await client.get("/workspace/board?stage=evaluation")).text
    assert "在途评估丙" in stage and "在途设计甲" not in stage
    reached = (await client.get("/workspace/board?reached=evaluation")).text
    assert "在途评估丙" in reached and "在途设计乙" not in reached
    odd = await client.get("/workspace/board?scope=<x>&year=abc&stage=mars&waiting=-1&edition=999")
    assert odd.status_code == 200 and "进行中的实验室场景 3 个" in odd.text


async def test_dashboard_counts_live_work_and_links_every_bar(client, db, signed_in):
    await _world()
    await signed_in(await factories.user("operator"))
    page = (await client.get("/workspace/dashboard")).text
    funnel = page.split('id="d-funnel"')[1].split("</section>")[0]
    assert "3个" in funnel and "5个" not in funnel  # the 5 imported items are not in the funnel
    links = re.findall(r'<a href="([^"]+)"', page.split('class="charts"')[1].split("<footer")[0])
    assert any("reached=requirement" in h for h in links) and any("domain=" in h for h in links)
    assert any("district=" in h for h in links) and any("stage=design" in h for h in links)
    assert all(h.startswith("/workspace/board") for h in links)
    imported = (await client.get("/workspace/dashboard?scope=imported")).text
    assert "金牛区" in imported.split('id="d-district"')[1] and "导入的往年清单" in imported
    by_year = (await client.get("/workspace/dashboard?scope=all&year=2023")).text
    assert "武侯区" not in by_year.split('id="d-district"')[1]


async def test_board_and_dashboard_are_for_operators_only(client, db, signed_in):
    await signed_in(await factories.user("department_member"))
    assert (await client.get("/workspace/board")).status_code == 403
    assert (await client.get("/workspace/dashboard")).status_code == 403
