"""Bulk import of progress updates from an xlsx workbook by operators.

One row per indicator value (a row may carry only a milestone); rows with the same scenario, period
and milestone form one update. Every row is validated first; any row error rejects the whole file
with the row numbers and Chinese messages, and nothing is imported. Valid files are written in one
transaction, with an audit record per update.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import anyio
from openpyxl import Workbook, load_workbook
from tortoise.transactions import in_transaction

from lab.errors import Invalid, Unauthorized
from lab.models import User
from lab.permissions import require
from pipeline.models import Scenario
from pipeline.notifications import notify, party_users
from pipeline.progress import (
    PERIOD_HINT,
    Indicator,
    ProgressIn,
    create_update,
    is_listed,
    period_start,
)

COLUMNS = ("场景编号", "期间", "里程碑", "指标", "数值", "单位", "说明")
MAX_ROWS = 5000


@dataclass
class Group:
    scenario: Scenario
    period: str
    milestone: str
    indicators: dict[str, Indicator] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    updates: int
    rows: int
    scenarios: int


def template() -> bytes:
    """An empty workbook with the header row and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "进展"
    sheet.append(COLUMNS)
    sheet.append(("CD-2023-001", "2025-Q3", "覆盖全区老旧小区", "覆盖小区", 56, "个", "第三季度新增12个小区"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(content: bytes) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of the first sheet below the header; raises Invalid for a file that is
    not an xlsx workbook or whose header is not ``COLUMNS``."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any failure to open the upload means it is not a usable workbook
        raise Invalid({"file": "不是有效的 xlsx 文件"}, "无法读取上传的文件") from None
    try:
        return _rows(book)
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - a sheet openpyxl cannot read is the file's fault, not a server error
        raise Invalid({"file": "文件内容已损坏，无法读取工作表"}, "无法读取上传的文件") from None
    finally:
        book.close()


def _rows(book) -> list[tuple[int, list[Any]]]:
    if not book.worksheets:
        raise Invalid({"file": "文件中没有工作表"}, "无法读取上传的文件")
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())][: len(COLUMNS)]
    if tuple(header) != COLUMNS:
        raise Invalid({"file": "第1行须为表头：" + "、".join(COLUMNS)}, "表头不正确")
    out = []
    for n, cells in enumerate(rows, start=2):
        values = list(cells[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(cells[: len(COLUMNS)]))
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        out.append((n, values))
        if len(out) > MAX_ROWS:
            raise Invalid({"file": f"一次最多导入 {MAX_ROWS} 行"}, "文件行数过多")
    return out


def _period(value: Any) -> str:
    """Spreadsheets turn a typed ``2025-09`` into a date; read it back as the month."""
    if isinstance(value, (date, datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


async def _scenarios(refs: set[str]) -> dict[str, Scenario]:
    codes = [r for r in refs if not r.isdigit()]
    ids = [int(r) for r in refs if r.isdigit() and len(r) < 10]
    found: dict[str, Scenario] = {}
    for s in await Scenario.filter(code__in=codes) if codes else []:
        found[s.code] = s
    for s in await Scenario.filter(id__in=ids) if ids else []:
        found[str(s.id)] = s
    return found


async def validate(rows: list[tuple[int, list[Any]]]) -> tuple[list[Group], dict[str, str]]:
    """The updates the rows describe, and the errors by row (``第N行`` → message)."""
    if not rows:
        return [], {"file": "文件中没有数据行"}
    scenarios = await _scenarios({_text(cells[0]) for _, cells in rows if _text(cells[0])})
    groups: dict[tuple[int, str, str], Group] = {}
    errors: dict[str, str] = {}
    for n, cells in rows:
        ref, period, milestone, name, value, unit, note = (
            cells[0],
            _period(cells[1]),
            _text(cells[2]),
            _text(cells[3]),
            cells[4],
            _text(cells[5]),
            _text(cells[6]),
        )
        ref = _text(ref)
        problems = []
        scenario = scenarios.get(ref)
        if not ref:
            problems.append("场景编号不能为空")
        elif scenario is None:
            problems.append(f"找不到场景「{ref}」")
        elif not is_listed(scenario):
            problems.append(f"场景「{ref}」尚未上架，不能报送进展")
        if period_start(period) is None:
            problems.append(PERIOD_HINT)
        if not milestone:
            problems.append("里程碑不能为空")
        elif len(milestone) > 200:
            problems.append("里程碑不能超过200个字符")
        number = None
        if name:
            if len(name) > 40:
                problems.append("指标名称不能超过40个字符")
            number = _number(value)
            if number is None:
                problems.append(
                    f"指标「{name}」的数值「{_text(value)}」不是数字" if _text(value) else f"指标「{name}」缺少数值"
                )
            if len(unit) > 20:
                problems.append("单位不能超过20个字符")
        elif _text(value) or unit:
            problems.append("填写了数值或单位，但没有填写指标名称")
        if len(note) > 5000:
            problems.append("说明不能超过5000个字符")
        if not problems and scenario is not None:
            key = (scenario.id, period, milestone)
            group = groups.setdefault(key, Group(scenario, period, milestone))
            if name and name in group.indicators:
                problems.append(f"指标「{name}」在同一场景、期间和里程碑下重复（另见第{group.rows[0]}行）")
            elif name and len(group.indicators) >= 20:
                problems.append("同一次进展最多20个指标")
            else:
                if name:
                    group.indicators[name] = Indicator(value=number, unit=unit)
                if note and note not in group.notes:
                    group.notes.append(note)
                group.rows.append(n)
        if problems:
            errors[f"第{n}行"] = "；".join(problems)
    return list(groups.values()), errors


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().replace(",", ""))
        except ValueError:
            return None
    return number if math.isfinite(number) and abs(number) <= 1e12 else None


async def import_progress(user: User | None, content: bytes) -> ImportResult:
    if user is None:
        raise Unauthorized()
    require(user, "progress.import", None, message="仅实验室运营可以批量导入进展")
    rows = await anyio.to_thread.run_sync(read_rows, content)
    groups, errors = await validate(rows)
    if errors:
        bad = sum(1 for k in errors if k.startswith("第"))
        raise Invalid(
            errors,
            f"导入失败：{bad} 行有误，未导入任何数据；请修改后重新上传" if bad else "导入失败，未导入任何数据",
            code="import_failed",
        )
    async with in_transaction() as conn:
        for g in groups:
            data = ProgressIn(
                period=g.period, milestone=g.milestone, indicators=g.indicators, note="\n".join(g.notes)[:5000]
            )
            await create_update(user, g.scenario, data, source="import", conn=conn)
        for scenario in {g.scenario.id: g.scenario for g in groups}.values():
            await notify(
                await party_users(scenario, conn),
                "progress",
                f"实验室运营为「{scenario.title}」导入了进展记录",
                scenario,
                conn=conn,
            )
    return ImportResult(len(groups), len(rows), len({g.scenario.id for g in groups}))
