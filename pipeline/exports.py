"""Exports of a reserve-list edition as XLSX and CSV (UTF-8 with BOM so Excel opens it), and the
column definitions every public export is written from.

A ``Column`` says what a column holds (name, meaning, type, unit); the files and the 数据说明 of
the open-data bundle (``pipeline.open_data``) are both generated from these definitions, so the
documentation cannot drift from the files. ``RESERVE_COLUMNS`` are the columns of a reserve-list
export, one row per scenario listed in the edition, ordered by code.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import anyio
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pipeline import presenters
from pipeline.models import Edition, FeaturedEntry
from pipeline.queries import scenario_queryset
from pipeline.stages import PUBLIC_STAGES

INTEGER, NUMBER, TEXT, DATE, LIST = "整数", "数字", "文本", "日期（YYYY-MM-DD）", "文本（多项以“、”分隔）"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    type: str = TEXT
    unit: str = ""
    width: int = 14  # in the spreadsheet, characters


RESERVE_COLUMNS = (
    Column("序号", "行号，从 1 开始", INTEGER, width=6),
    Column("场景编号", "储备清单编号，如 CD-2023-001（入库时授予）"),
    Column("场景名称", "场景的名称", width=40),
    Column("应用领域", "所属领域（实验室统一的 20 个领域之一）"),
    Column("所在区域", "场景所在的区（市）县", width=12),
    Column("牵头单位", "牵头的政府部门或单位", width=30),
    Column("合作单位", "参与建设的企业、高校或科研院所", LIST, width=50),
    Column("年度", "所属年度", INTEGER, "年", width=8),
    Column("标签", "如“创新场景”", LIST, width=24),
    Column("投资额（万元）", "场景投资额；未知时为空", NUMBER, "万元"),
    Column("所处阶段", "“应用上架”或“宣传推广”", width=10),
    Column("精选排名", "在精选展示中的排名；未入选为空", INTEGER, width=10),
    Column("场景简介", "场景的简介", width=80),
)
COLUMNS = tuple(c.name for c in RESERVE_COLUMNS)


async def rows(edition: Edition) -> list[list]:
    scenarios = (
        await scenario_queryset().filter(edition_id=edition.id, stage__in=list(PUBLIC_STAGES)).order_by("code", "id")
    )
    ranks = dict(await FeaturedEntry.filter(edition_id=edition.id).values_list("scenario_id", "rank"))
    out = []
    for n, s in enumerate(scenarios, start=1):
        d = presenters.scenario(s)
        out.append(
            [
                n,
                d["code"] or "",
                d["title"],
                d["domain"],
                d["district"],
                d["lead_department"] or "",
                "、".join(d["partners"]),
                d["year"],
                "、".join(d["tags"]),
                d["investment_wan"],
                d["stage_label"],
                ranks.get(s.id),
                d["summary"],
            ]
        )
    return out


def xlsx(title: str, sheet: str, columns: tuple[Column, ...], data: list[list]) -> bytes:
    """Row 1: the column names (bold, frozen); then the rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([c.name for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in data:
        ws.append(row)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    wb.properties.title = title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(columns: tuple[Column, ...], data: list[list]) -> bytes:
    """UTF-8 with a BOM (so Excel opens it); a header row of the column names, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in columns])
    for row in data:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def export_xlsx(edition: Edition) -> bytes:
    """Row 1: the column headers; then one row per scenario (the edition's name is the document title)."""
    data = await rows(edition)
    return await anyio.to_thread.run_sync(xlsx, edition.name, "场景储备清单", RESERVE_COLUMNS, data)


async def export_csv(edition: Edition) -> bytes:
    """Header row, then one row per scenario."""
    return csv_bytes(RESERVE_COLUMNS, await rows(edition))
