"""Commands of the matchmaking package, attached to ``scenario-lab`` by ``lab.cli``:
``worker``, ``reindex [--kind K]``, ``search "文本" [--kind K]`` and ``bench search --docs N``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from contextlib import asynccontextmanager

import click

from matchmaking.bench.matching import matching_command

KIND = click.Choice(["demand", "capability", "scenario"])


def _settings():
    from lab.settings import SettingsError, load_settings

    try:
        return load_settings(os.environ)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _plug_in_sources(settings) -> None:
    """Let the other packages register their document sources (scenarios come from the pipeline)
    exactly as they do in the app: the app factory runs every package's ``setup`` hook."""
    from lab.app import create_app

    create_app(settings, manage_database=False)


@asynccontextmanager
async def _runtime(settings):
    """Database open, model loaded, backend built: what every command here needs."""
    from lab import database
    from lab.app import model_modules
    from matchmaking.embedder import Embedder
    from matchmaking.search import make_backend

    _plug_in_sources(settings)
    async with database.connected(settings, model_modules()):
        embedder = Embedder(settings)
        await embedder.aload()
        backend = make_backend(settings, embedder.dimension)
        try:
            yield backend, embedder
        finally:
            await backend.close()


@click.command(help="处理 outbox：向量化并写入搜索索引（Ctrl-C 停止）。")
@click.option("--once", is_flag=True, help="处理完当前到期的事件后退出")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 1000))
def worker(once: bool, batch_size: int) -> None:
    settings = _settings()

    async def run():
        import anyio

        from matchmaking.worker import OutboxWorker, for_settings, pending_count

        async with _runtime(settings) as (backend, embedder):
            work = OutboxWorker(backend, embedder, batch_size=batch_size, check_every=None) if once else \
                for_settings(backend, embedder, settings, batch_size=batch_size)
            if once:
                settled = await work.drain()
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
def reindex(kind: str | None) -> None:
    settings = _settings()

    async def run():
        from matchmaking.reindex import reindex as rebuild

        async with _runtime(settings) as (backend, embedder):
            done = await rebuild(backend, embedder, [kind] if kind else None)
        for name, count in done.items():
            click.echo(f"{name}: {count}")

    asyncio.run(run())


@click.command(help="在索引中搜索并打印结果。")
@click.argument("text")
@click.option("--kind", type=KIND)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--semantic-ratio", default=0.5, show_default=True, type=click.FloatRange(0, 1))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def search(text: str, kind: str | None, limit: int, semantic_ratio: float, as_json: bool) -> None:
    settings = _settings()

    async def run():
        from lab import database
        from lab.app import model_modules
        from matchmaking.embedder import Embedder
        from matchmaking.service import SearchService

        _plug_in_sources(settings)
        async with database.connected(settings, model_modules()):
            service = SearchService(settings, Embedder(settings))
            try:
                return await service.search(text, kind=kind, limit=limit, semantic_ratio=semantic_ratio,
                                            facets=["kind", "domains"])
            finally:
                await service.close()

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
@click.option("--embed-sample", default=2000, show_default=True, type=click.IntRange(0),
              help="实际向量化的文档数（0 = 全部）；其余向量由样本加噪声得到，写入速率按样本外推")
def bench_search(n_docs: int, queries: int, embed_sample: int) -> None:
    from matchmaking.bench.search import run_bench

    report = asyncio.run(run_bench(_settings(), n_docs, queries, embed_sample,
                                   progress=lambda m: click.echo(m, err=True)))
    click.echo(report)
    sys.stdout.flush()


commands = [worker, reindex, search]
bench_commands = [bench_search, matching_command]
