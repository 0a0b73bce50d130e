"""Commands of the matchmaking package, attached to ``scenario-lab`` by ``lab.cli``:
``worker``, ``reindex [--kind K]``, ``search "文本" [--kind K]`` and ``bench search --docs N``.

Each command is handed the assembly (click's ``obj``, a ``lab.runtime.Assembly``) and takes the
database, the embedder, the search service and the index sources from it: nothing here builds them
or imports the app."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import click

from matchmaking.bench.encoder import encoder_command
from matchmaking.bench.matching import matching_command
from matchmaking.bench.schedule import schedule_command

KIND = click.Choice(["demand", "capability", "scenario"])


@click.command(help="处理 outbox：向量化并写入搜索索引（Ctrl-C 停止）。")
@click.option("--once", is_flag=True, help="处理完当前到期的事件后退出")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 1000))
@click.pass_obj
def worker(assembly, once: bool, batch_size: int) -> None:
    settings = assembly.settings()

    async def run():
        import anyio

        from matchmaking.worker import pending_count

        async with assembly.opened(settings) as runtime:
            work = runtime.worker(
                await runtime.search.backend(), batch_size=batch_size, **({"check_every": None} if once else {})
            )
            if once:
                settled = await work.drain()
                await work.run_periodic()
                click.echo(f"已处理 {settled} 条，待处理 {await pending_count()} 条", err=True)
                return
            stop = anyio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            click.echo(f"worker 已启动（{settings.search_backend}），Ctrl-C 停止", err=True)
            await work.run_forever(stop)

    asyncio.run(run())


@click.command(help="从数据库重建搜索索引（全部或指定类型）。")
@click.option("--kind", type=KIND, help="只重建这一类")
@click.pass_obj
def reindex(assembly, kind: str | None) -> None:
    settings = assembly.settings()

    async def run():
        from matchmaking.reindex import reindex as rebuild

        async with assembly.opened(settings) as runtime:
            done = await rebuild(
                await runtime.search.backend(), runtime.embedder, [kind] if kind else None, sources=runtime.sources
            )
        for name, count in done.items():
            click.echo(f"{name}: {count}")

    asyncio.run(run())


@click.command(help="在索引中搜索并打印结果。")
@click.argument("text")
@click.option("--kind", type=KIND)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--semantic-ratio", default=0.5, show_default=True, type=click.FloatRange(0, 1))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.pass_obj
def search(assembly, text: str, kind: str | None, limit: int, semantic_ratio: float, as_json: bool) -> None:
    settings = assembly.settings()

    async def run():
        async with assembly.opened(settings) as runtime:
            return await runtime.search.search(
                text, kind=kind, limit=limit, semantic_ratio=semantic_ratio, facets=["kind", "domains"]
            )

    result = asyncio.run(run())
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    if result.degraded:
        click.echo("（搜索引擎不可用，以下为数据库检索结果）", err=True)
    click.echo(f"共 {result.total} 条")
    for hit in result.hits:
        lex = "-" if hit.lexical_score is None else f"{hit.lexical_score:.2f}"
        sem = "-" if hit.semantic_score is None else f"{hit.semantic_score:.3f}"
        click.echo(f"{hit.score:.3f}  [{hit.kind} {hit.id}] {hit.document.get('title')}  (词 {lex} · 义 {sem})")


@click.command("search", help="搜索基准：N 篇合成中文文档的写入速率、查询延迟与峰值内存。")
@click.option("--docs", "n_docs", default=10_000, show_default=True, type=click.IntRange(100, 1_000_000))
@click.option("--queries", default=200, show_default=True, type=click.IntRange(10, 10_000))
@click.option(
    "--embed-sample",
    default=2000,
    show_default=True,
    type=click.IntRange(0),
    help="实际向量化的文档数（0 = 全部）；其余向量由样本加噪声得到，写入速率按样本外推",
)
@click.pass_obj
def bench_search(assembly, n_docs: int, queries: int, embed_sample: int) -> None:
    from matchmaking.bench.search import run_bench

    report = asyncio.run(
        run_bench(assembly.settings(), n_docs, queries, embed_sample, progress=lambda m: click.echo(m, err=True))
    )
    click.echo(report)
    sys.stdout.flush()


@click.command(
    "matches", help="匹配读取基准：N 份已发布能力时一条需求的匹配（向量、混合检索、反馈、解释、覆盖）p50/p95。"
)
@click.option("--profiles", "n_profiles", default=100_000, show_default=True, type=click.IntRange(100, 1_000_000))
@click.option("--demands", "n_demands", default=40, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--embed-sample", default=1000, show_default=True, type=click.IntRange(1), help="实际向量化的能力数")
@click.option("--rounds", default=3, show_default=True, type=click.IntRange(1, 100))
@click.pass_obj
def bench_matches(assembly, n_profiles: int, n_demands: int, embed_sample: int, rounds: int) -> None:
    from matchmaking.bench.matches import run_matches_bench

    report = asyncio.run(
        run_matches_bench(
            assembly, n_profiles, n_demands, embed_sample, rounds, progress=lambda m: click.echo(m, err=True)
        )
    )
    click.echo(report)
    sys.stdout.flush()


@click.command(
    "startup", help="启动基准：/healthz 多久开始应答、启动期间每次应答的耗时；--fresh 时全新演示的索引多久建完。"
)
@click.option("--fresh", is_flag=True, help="全新的数据与模型目录，运行 scenario-lab demo，直到索引建完")
@click.option(
    "--seconds", default=20.0, show_default=True, type=click.FloatRange(1, 600), help="首次应答后继续询问的秒数"
)
@click.option("--interval", default=0.1, show_default=True, type=click.FloatRange(0.01, 5), help="询问间隔（秒）")
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(10, 3600))
@click.pass_obj
def bench_startup(assembly, fresh: bool, seconds: float, interval: float, timeout: float) -> None:
    from matchmaking.bench.startup import run_startup_bench

    report = run_startup_bench(
        assembly.settings().data_dir,
        fresh=fresh,
        seconds=seconds,
        interval=interval,
        timeout=timeout,
        progress=lambda m: click.echo(m, err=True),
    )
    click.echo(report)
    sys.stdout.flush()


commands = [worker, reindex, search]
bench_commands = [bench_search, matching_command, encoder_command, schedule_command, bench_matches, bench_startup]
