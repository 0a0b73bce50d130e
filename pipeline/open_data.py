"""Open data: the public datasets visitors may download (reserve lists, featured showcases, national
cases, published demands and capability profiles, event and data-request statistics from
``pipeline.public_stats``), each as CSV and XLSX, and one zip of them all with a 数据说明 (data
dictionary) generated from the same column definitions as the files.

Only what a signed-out visitor may read goes in: every dataset selects its records with the
visitor's read rule from the policy registry (``visible_*`` for visitors), and its columns name no
private field (no drafts, proposals, reviews, reviewers, contacts or accounts)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any

import anyio
from tortoise.models import Model

from lab.domains import ORG_KINDS
from lab.models import CapabilityProfile, Demand, DemandStatus
from lab.permissions import visible_demands, visible_profiles
from pipeline import exports, public_stats
from pipeline.permissions import visible_scenarios
from pipeline.exports import DATE, INTEGER, LIST, NUMBER, TEXT, Column
from pipeline.models import Edition, EditionStatus, FeaturedEntry, Origin, Scenario, Stage
from pipeline.queries import scenario_queryset
from pipeline.stages import PUBLIC_STAGES

DICTIONARY = "数据说明"
LICENCE = "可自由下载、使用和转载，请注明来源：智慧蓉城应用场景实验室。"

FEATURED_COLUMNS = (
    Column("精选排名", "在该批次精选展示中的排名", INTEGER, width=8),
    Column("场景编号", "储备清单编号"),
    Column("场景名称", "场景的名称", width=40),
    Column("应用领域", "所属领域"),
    Column("所在区域", "场景所在的区（市）县", width=12),
    Column("牵头单位", "牵头的政府部门或单位", width=30),
    Column("亮点", "精选展示中的场景故事", width=80),
    Column("关键成效", "成效指标，“指标：数值”，多项以“；”分隔", TEXT, width=50),
    Column("批次", "所属储备清单批次", width=30),
)
CASE_COLUMNS = (
    Column("城市", "案例所在城市", width=10),
    Column("案例名称", "案例的名称", width=40),
    Column("应用领域", "所属领域"),
    Column("年份", "案例的年份", INTEGER, "年", width=8),
    Column("案例简介", "案例的简介", width=80),
    Column("来源", "案例资料的出处", width=40),
)
DEMAND_COLUMNS = (
    Column("需求编号", "需求在本平台的编号（页面地址 /demands/编号）", INTEGER, width=8),
    Column("需求名称", "需求的名称", width=40),
    Column("发布单位", "发布需求的政府部门或单位", width=30),
    Column("应用领域", "所属领域"),
    Column("所在区域", "需求所在的区（市）县", width=12),
    Column("预算（万元）", "需求部门的预算；未填写为空", NUMBER, "万元"),
    Column("发布日期", "需求发布的日期", DATE, width=12),
    Column("截止日期", "揭榜截止日期；未填写为空", DATE, width=12),
    Column("状态", "“征集中”或“已关闭”", width=8),
    Column("需求描述", "需求部门描述的现状、痛点和期望成效", width=80),
    Column("数据与场地条件", "可开放的数据、点位、测试场地等", width=40),
)
PROFILE_COLUMNS = (
    Column("档案编号", "能力档案在本平台的编号（页面地址 /capabilities/编号）", INTEGER, width=8),
    Column("能力名称", "能力的名称", width=40),
    Column("供给单位", "提供能力的企业、高校或科研院所", width=30),
    Column("单位类型", "企业、高校或科研院所", width=10),
    Column("已认证", "供给单位是否经实验室运营人员核实（是/否）", TEXT, width=8),
    Column("统一社会信用代码", "供给单位的统一社会信用代码（企业）；未登记为空", width=20),
    Column("领域", "能力适用的领域", LIST, width=24),
    Column("关键词", "能力的关键词", LIST, width=30),
    Column("技术成熟度", "技术成熟度等级 TRL（1–9）；未填写为空", INTEGER, "级", width=10),
    Column("服务区域", "能力可服务的区域", width=16),
    Column("资质", "如“等保三级”“信创适配”", LIST, width=24),
    Column("能力介绍", "供给单位对能力的介绍", width=80),
    Column("案例", "已实施的案例", LIST, width=60),
)


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    description: str
    columns: tuple[Column, ...]
    load: Callable[[], Awaitable[list[tuple[Model, list[Any]]]]]  # (record, row) pairs

    async def rows(self) -> list[list[Any]]:
        return [row for _, row in await self.load()]


def _join(items) -> str:
    return "、".join(str(i) for i in items)


def _day(value) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _reserve_list(edition: Edition) -> Dataset:
    async def load():
        scenarios = (
            await scenario_queryset()
            .filter(visible_scenarios(None), edition_id=edition.id, stage__in=list(PUBLIC_STAGES))
            .order_by("code", "id")
        )
        by_id = {s.id: s for s in scenarios}
        rows = await exports.rows(edition)
        ordered = [s.id for s in scenarios]
        return [(by_id[sid], row) for sid, row in zip(ordered, rows, strict=True)]

    return Dataset(
        f"reserve-list-{edition.year}-{edition.id}",
        f"{edition.name}",
        f"{edition.name}的全部入库场景，每行一个场景，按清单编号排列。",
        exports.RESERVE_COLUMNS,
        load,
    )


def _featured(edition: Edition) -> Dataset:
    async def load():
        entries = (
            await FeaturedEntry.filter(edition_id=edition.id)
            .order_by("rank")
            .prefetch_related("scenario__lead_department")
        )
        out = []
        for e in entries:
            s = e.scenario
            if s.stage not in PUBLIC_STAGES:
                continue
            lead = s.lead_department.name if s.lead_department else ""
            metrics = "；".join(f"{k}：{v}" for k, v in e.metrics.items())
            out.append(
                (s, [e.rank, s.code or "", s.title, s.domain, s.district, lead, e.highlight, metrics, edition.name])
            )
        return out

    return Dataset(
        f"featured-{edition.year}-{edition.id}",
        f"{edition.name}·精选展示",
        f"{edition.name}精选展示的场景、亮点和成效指标，按排名排列。",
        FEATURED_COLUMNS,
        load,
    )


async def _national_cases():
    cases = (
        await Scenario.filter(visible_scenarios(None), origin=Origin.EXTERNAL)
        .exclude(stage=Stage.WITHDRAWN)
        .order_by("-year", "id")
    )
    return [(c, [c.city, c.title, c.domain, c.year, c.summary, c.source_note]) for c in cases]


async def _demands():
    demands = await Demand.filter(visible_demands(None)).select_related("organisation").order_by("id")
    status = {DemandStatus.PUBLISHED: "征集中", DemandStatus.CLOSED: "已关闭"}
    return [
        (
            d,
            [
                d.id,
                d.title,
                d.organisation.name,
                d.domain,
                d.district,
                None if d.budget_wan is None else float(d.budget_wan),
                _day(d.published_at),
                _day(d.deadline),
                status.get(d.status, ""),
                d.description,
                d.data_conditions,
            ],
        )
        for d in demands
    ]


async def _profiles():
    profiles = await CapabilityProfile.filter(visible_profiles(None)).select_related("organisation").order_by("id")
    return [
        (
            p,
            [
                p.id,
                p.title,
                p.organisation.name,
                ORG_KINDS.get(p.organisation.kind.value, ""),
                "是" if p.organisation.verified else "否",
                p.organisation.credit_code or "",
                _join(p.domains),
                _join(p.keywords),
                p.maturity,
                p.region,
                _join(p.attributes),
                p.summary,
                _join(p.cases),
            ],
        )
        for p in profiles
    ]


async def datasets() -> list[Dataset]:
    """Every public dataset, newest editions first."""
    editions = await Edition.filter(status=EditionStatus.PUBLISHED).order_by("-year", "-id")
    found: list[Dataset] = []
    for e in editions:
        found.append(_reserve_list(e))
        if await FeaturedEntry.filter(edition_id=e.id).exists():
            found.append(_featured(e))
    found += [
        Dataset(
            "national-cases",
            "全国优秀案例",
            "其他城市的优秀智慧城市应用场景，附资料来源。",
            CASE_COLUMNS,
            _national_cases,
        ),
        Dataset(
            "demands",
            "已发布的场景需求",
            "政府部门发布的场景需求（征集中和已关闭的；不含草稿和已撤回的）。",
            DEMAND_COLUMNS,
            _demands,
        ),
        Dataset(
            "capabilities",
            "能力档案",
            "企业、高校和科研院所发布的能力档案（不含草稿和已归档的）。",
            PROFILE_COLUMNS,
            _profiles,
        ),
        Dataset(
            "events",
            "活动统计",
            "每场活动（供需对接会、培训、参观接待）的报名单位数、洽谈场次和达成合作意向的场次；不含单位名单和洽谈双方。",
            public_stats.EVENT_COLUMNS,
            public_stats.event_rows,
        ),
        Dataset(
            "data-requests",
            "数据申请答复统计",
            "各数据提供部门收到和答复有条件共享数据申请的情况；不含申请单位和申请用途。",
            public_stats.DATA_REQUEST_COLUMNS,
            public_stats.data_request_rows,
        ),
    ]
    return found


async def dataset(key: str) -> Dataset | None:
    return next((d for d in await datasets() if d.key == key), None)


def dictionary_markdown(items: list[tuple[Dataset, int]], generated: datetime) -> str:
    """The 数据说明: every file and every column (name, meaning, type, unit)."""
    lines = [
        f"# {DICTIONARY}",
        "",
        f"智慧蓉城应用场景实验室开放数据，生成于 {generated:%Y-%m-%d %H:%M} UTC。",
        "",
        LICENCE,
        "",
        "每个数据集有两个文件：CSV（UTF-8，带 BOM，首行为列名）和 XLSX（第 1 行为列名）。",
        "",
    ]
    for ds, count in items:
        lines += [
            f"## {ds.title}",
            "",
            f"文件：`{ds.key}.csv`、`{ds.key}.xlsx`，共 {count} 行。{ds.description}",
            "",
            "| 列名 | 含义 | 类型 | 单位 |",
            "|---|---|---|---|",
        ]
        lines += [f"| {c.name} | {c.meaning} | {c.type} | {c.unit or '—'} |" for c in ds.columns]
        lines.append("")
    return "\n".join(lines)


def dictionary_rows(items: list[tuple[Dataset, int]]) -> list[list[str]]:
    return [[f"{ds.key}.csv", c.name, c.meaning, c.type, c.unit] for ds, _ in items for c in ds.columns]


DICTIONARY_COLUMNS = (
    Column("文件", "数据文件名", width=30),
    Column("列名", "文件中的列名", width=20),
    Column("含义", "该列的含义", width=60),
    Column("类型", "取值类型", width=20),
    Column("单位", "数值的单位；无单位为空", width=8),
)


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files:
            zf.writestr(name, content)
    return buffer.getvalue()


async def bundle() -> bytes:
    """One zip: every dataset as CSV and XLSX, plus 数据说明.md and 数据说明.csv."""
    items = []
    files: list[tuple[str, bytes]] = []
    for ds in await datasets():
        data = await ds.rows()
        items.append((ds, len(data)))
        files.append((f"{ds.key}.csv", exports.csv_bytes(ds.columns, data)))
        files.append(
            (f"{ds.key}.xlsx", await anyio.to_thread.run_sync(exports.xlsx, ds.title, ds.title, ds.columns, data))
        )
    generated = datetime.now(UTC)
    files.append((f"{DICTIONARY}.md", dictionary_markdown(items, generated).encode("utf-8")))
    files.append((f"{DICTIONARY}.csv", exports.csv_bytes(DICTIONARY_COLUMNS, dictionary_rows(items))))
    return await anyio.to_thread.run_sync(_zip, files)
