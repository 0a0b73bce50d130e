"""Commands of the pipeline package, attached to ``scenario-lab`` by ``lab.cli``:
``reserve-list export [--edition ID] --format xlsx|csv -o FILE`` and
``data-requests sweep [--today YYYY-MM-DD]`` (reminders and escalation of data requests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click


@click.group("reserve-list", help="场景储备清单批次。")
def reserve_list() -> None:
    pass


@reserve_list.command("export", help="导出一个批次（缺省为最新已发布批次）为 Excel 或 CSV。")
@click.option("--edition", "edition_id", type=int, help="批次 id")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def export(assembly, edition_id: int | None, fmt: str, output: Path) -> None:
    """``assembly`` is what ``lab.cli`` hands every command (settings, database)."""
    settings = assembly.settings()

    async def run() -> tuple[str, int]:
        from pipeline import exports, queries
        from pipeline.models import Edition

        async with assembly.database(settings):
            edition = await (Edition.get_or_none(id=edition_id) if edition_id else queries.default_edition())
            if edition is None:
                raise click.ClickException("找不到该储备清单批次")
            content = await (exports.export_xlsx(edition) if fmt == "xlsx" else exports.export_csv(edition))
            output.write_bytes(content)
            return edition.name, len(await exports.rows(edition))

    name, count = asyncio.run(run())
    click.echo(f"已导出「{name}」{count} 个场景到 {output}")


@click.group("data-requests", help="公共数据共享申请。")
def data_requests() -> None:
    pass


@data_requests.command(
    "sweep",
    help="检查有条件共享申请的答复期限：剩 3 个工作日时提醒提供部门，逾期后提交运营督办。"
    "可重复执行（每件只提醒、督办一次）；由调度程序每天运行。",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="按哪一天检查（YYYY-MM-DD，缺省为北京时间今天）",
)
@click.pass_obj
def sweep(assembly, today) -> None:
    """``assembly`` is what ``lab.cli`` hands every command (settings, database)."""
    from pipeline.workdays import china_today

    settings = assembly.settings()
    day = today.date() if today else china_today()

    async def run():
        from pipeline.datasharing import deadlines

        async with assembly.database(settings):
            return await deadlines.sweep(day)

    result = asyncio.run(run())
    click.echo(f"{day.isoformat()}：提醒 {len(result.reminded)} 件，督办 {len(result.escalated)} 件")


commands = [reserve_list, data_requests]
