"""Commands of the pipeline package, attached to ``scenario-lab`` by ``lab.cli``:
``reserve-list export [--edition ID] --format xlsx|csv -o FILE``."""

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


commands = [reserve_list]
