"""The demo seed: a full 2023 edition whose export opens in openpyxl, idempotent, with every stage populated."""

from __future__ import annotations

import csv
import io
import time

import openpyxl

from lab.demo import seed_core
from pipeline import demo
from pipeline.exports import COLUMNS
from lab.models import AuditRecord
from pipeline.models import Edition, FeaturedEntry, Notification, Origin, Review, ReviewAssignment, Scenario, Stage


async def _counts() -> tuple[int, ...]:
    return (
        await Scenario.all().count(),
        await AuditRecord.all().count(),
        await Review.all().count(),
        await ReviewAssignment.all().count(),
        await FeaturedEntry.all().count(),
        await Edition.all().count(),
        await Notification.all().count(),
    )


async def test_demo_edition_exports_249_rows_and_seeding_twice_changes_nothing(client, settings):
    await seed_core(progress=lambda m: None)
    started = time.perf_counter()
    await demo.seed(settings, progress=lambda m: None)
    assert time.perf_counter() - started < 15
    first = await _counts()
    await demo.seed(settings, progress=lambda m: None)
    assert await _counts() == first

    edition = await Edition.get(name=demo.EDITION_2023)
    response = await client.get(f"/api/reserve-lists/{edition.id}/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    data = [r for r in rows[1:] if any(v is not None for v in r)]
    assert len(data) == 249
    assert data[0][1] == "CD-2023-001" and data[-1][1] == "CD-2023-249"
    assert sum(1 for r in data if r[11] is not None) == 18

    text = (await client.get(f"/api/reserve-lists/{edition.id}/export.csv")).content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 250

    featured = (await client.get("/api/showcase/featured")).json()
    assert featured["edition"]["name"] == demo.EDITION_2023
    assert [item["rank"] for item in featured["items"]] == list(range(1, 19))
    assert featured["items"][0]["scenario"]["code"] == "CD-2023-052" and featured["items"][0]["metrics"]

    assert await Scenario.filter(origin=Origin.EXTERNAL).count() == 18
    lab_stages = set(await Scenario.filter(origin=Origin.LAB, demand_id__isnull=False).values_list("stage", flat=True))
    assert lab_stages == {s.value for s in Stage} - {Stage.PROMOTION.value}
    listed = await client.get(f"/api/reserve-lists/{edition.id}")
    facets = listed.json()["facets"]
    assert sum(f["count"] for f in facets["domain"]) == 249 and facets["year"] == [{"value": 2023, "count": 249}]
