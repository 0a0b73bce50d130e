"""Exports of a reserve-list edition as XLSX and CSV (UTF-8 with BOM so Excel opens it).

Columns, in order (one row per scenario listed in the edition, ordered by code):

| column | content |
|---|---|
| 序号 | row number, 1… |
| 场景编号 | code, e.g. CD-2023-001 |
| 场景名称 | title |
| 应用领域 | domain (the 20-domain taxonomy) |
| 所在区域 | district |
| 牵头单位 | lead department |
| 合作单位 | partner organisations, joined with 、 |
| 年度 | year |
| 标签 | tags, joined with 、 |
| 投资额（万元） | investment in 万元 (number; empty if unknown) |
| 所处阶段 | 应用上架 or 宣传推广 |
| 精选排名 | rank in the featured showcase (empty if not featured) |
| 场景简介 | summary |
"""

from __future__ import annotations

import csv
import io

import anyio
from openpyxl import Workbook
from openpyxl.styles import Font

from pipeline import presenters
from pipeline.models import Edition, FeaturedEntry
from pipeline.queries import scenario_queryset
from pipeline.stages import PUBLIC_STAGES

COLUMNS = ("序号", "场景编号", "场景名称", "应用领域", "所在区域", "牵头单位", "合作单位", "年度", "标签",
           "投资额（万元）", "所处阶段", "精选排名", "场景简介")


async def rows(edition: Edition) -> list[list]:
    scenarios = await scenario_queryset().filter(edition_id=edition.id, stage__in=list(PUBLIC_STAGES)) \
        .order_by("code", "id")
    ranks = dict(await FeaturedEntry.filter(edition_id=edition.id).values_list("scenario_id", "rank"))
    out = []
    for n, s in enumerate(scenarios, start=1):
        d = presenters.scenario(s)
        out.append([n, d["code"] or "", d["title"], d["domain"], d["district"], d["lead_department"] or "",
                    "、".join(d["partners"]), d["year"], "、".join(d["tags"]), d["investment_wan"],
                    d["stage_label"], ranks.get(s.id), d["summary"]])
    return out


def _xlsx(title: str, data: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "场景储备清单"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in data:
        ws.append(row)
    for letter, width in zip("ABCDEFGHIJKLM", (6, 14, 40, 14, 12, 30, 50, 8, 24, 14, 10, 10, 80)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.properties.title = title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _csv(data: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def export_xlsx(edition: Edition) -> bytes:
    """Row 1: the column headers; then one row per scenario (the edition's name is the document title)."""
    data = await rows(edition)
    return await anyio.to_thread.run_sync(_xlsx, edition.name, data)


async def export_csv(edition: Edition) -> bytes:
    """Header row, then one row per scenario."""
    return _csv(await rows(edition))
