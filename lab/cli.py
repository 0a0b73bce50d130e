"""The ``scenario-lab`` command line: init, serve, demo, user, plus the commands of each package
(worker, reindex, search, bench ...)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time

import click

from lab import database
from lab.runtime import Assembly, model_modules, register_policies
from lab.settings import Settings


def _settings() -> Settings:
    return Assembly(os.environ).settings()


def run(coro):
    return asyncio.run(coro)


async def _with_db(settings: Settings, fn):
    async with database.connected(settings, model_modules()):
        return await fn()


def _migrate(settings: Settings) -> None:
    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            click.echo(f"  已应用迁移 {name}", err=True)

    run(database.migrate(settings, model_modules(), progress=progress))


@click.group(help="智慧蓉城应用场景实验室 · Scenario Lab")
@click.pass_context
def main(ctx: click.Context) -> None:
    register_policies()
    ctx.obj = Assembly(os.environ)  # what every command (this package's and the others') is handed


@main.command(help="创建数据库、应用迁移，并创建第一个运营账号。")
@click.option("--email", help="运营账号邮箱")
@click.option("--password", help="运营账号密码（至少8位）")
@click.option("--name", "display_name", default="实验室运营", show_default=True, help="显示名称")
@click.option("--organisation", default="智慧蓉城应用场景实验室", show_default=True, help="运营单位名称")
def init(email: str | None, password: str | None, display_name: str, organisation: str) -> None:
    settings = _settings()
    _migrate(settings)

    async def first_operator():
        from lab.accounts import create_user
        from lab.errors import LabError
        from lab.models import Organisation, OrgKind, Role, User
        from lab.schemas import UserIn
        from lab.validation import parse

        if await User.exists(role=Role.OPERATOR):
            click.echo("已有运营账号，跳过创建。")
            return
        nonlocal email, password
        if not email or not password:
            if not sys.stdin.isatty():
                raise click.ClickException("还没有运营账号：请用 --email 和 --password 指定")
            email = email or click.prompt("运营账号邮箱")
            password = password or click.prompt("密码", hide_input=True, confirmation_prompt=True)
        org, _ = await Organisation.get_or_create(name=organisation, defaults={"kind": OrgKind.OPERATOR})
        try:
            data = parse(
                UserIn,
                {
                    "email": email,
                    "password": password,
                    "display_name": display_name,
                    "role": "operator",
                    "organisation_id": org.id,
                },
            )
            user = await create_user(None, data, bootstrap=True)
        except LabError as exc:
            raise click.ClickException(f"{exc.message}：{exc.fields}") from None
        click.echo(f"已创建运营账号 {user.email}")

    run(_with_db(settings, first_operator))
    click.echo(f"数据库已就绪：{settings.database_url}")


@main.command(help="（开发者）根据模型变化生成迁移文件，写入 lab/migrations。")
@click.option("--name", default=None, help="迁移名称")
def makemigrations(name: str | None) -> None:
    import json
    import tempfile

    from tortoise.cli.cli import CLIContext
    from tortoise.cli.cli import makemigrations as tortoise_makemigrations

    settings = _settings()
    database.ensure_data_dir(settings)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(database.tortoise_config(settings, model_modules()), handle)
    run(tortoise_makemigrations(CLIContext(None, handle.name), (), False, name))


@main.command(help="启动 Web 服务。")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="uvicorn 进程数（嵌入式索引只由其中一个进程写入）",
)
def serve(host: str, port: int, workers: int) -> None:
    _serve(_settings(), host, port, workers)


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    if workers > 1:  # each process builds its own app from the same environment (lab.app.app_from_environment)
        # a worker busy loading the model (or on a loaded machine) answers the supervisor's liveness
        # ping late: a generous timeout keeps it from being killed and restarted in a loop
        uvicorn.run(
            "lab.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            timeout_worker_healthcheck=120,
        )
        return
    from lab.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)


@main.command(help="初始化并写入演示数据（可重复执行），然后在 127.0.0.1:8000 启动服务。")
@click.option("--no-serve", is_flag=True, help="只写入数据，不启动服务")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(no_serve: bool, host: str, port: int) -> None:
    settings = _settings()
    if not no_serve:
        _prepare_model_aside(settings)
    _migrate(settings)

    async def seed():
        from lab.demo import seed_core
        from pipeline.demo import seed as seed_pipeline

        accounts = await seed_core(progress=lambda m: click.echo(m, err=True))
        await seed_pipeline(settings, progress=lambda m: click.echo(m, err=True))
        return accounts

    accounts = run(_with_db(settings, seed))
    click.echo("\n演示账号（密码相同）：")
    for a in accounts:
        click.echo(f"  {a.role:<18} {a.email:<24} 密码 {a.password}   {a.organisation}")
    if no_serve:
        return
    click.echo(f"\n服务地址：http://{host}:{port}/   接口文档：http://{host}:{port}/api/docs")
    threading.Thread(
        target=_index_progress, args=(f"http://{host}:{port}",), daemon=True, name="index-progress"
    ).start()
    _serve(settings, host, port)


def _prepare_model_aside(settings: Settings) -> None:
    """Make the model's files in another process while the demo migrates and seeds (a fresh machine
    converts the packaged model and exports it to ONNX: about 35 s of mostly one core). A process,
    not a thread: the export holds the GIL for long stretches and slowed the seeding beside it
    fourfold. The server's first ``Embedder.load`` then finds the files made, or waits on their lock."""
    import multiprocessing

    from matchmaking.embedder import prepare_files

    multiprocessing.get_context("spawn").Process(
        target=prepare_files, args=(settings,), name="model-files", daemon=True
    ).start()


def _index_progress(url: str, poll: float = 0.5, give_up: float = 3600.0) -> None:
    """While the demo's first index build runs in the server, a progress bar from /healthz on stderr;
    then one line saying search is ready."""
    import httpx
    from tqdm import tqdm

    bar, started = None, time.monotonic()
    while time.monotonic() - started < give_up:
        time.sleep(poll)
        try:
            body = httpx.get(url + "/healthz", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            continue
        search = body.get("search") or {}
        status, pending = search.get("status"), search.get("pending") or 0
        if status == "ok":
            if bar is not None:
                bar.update(bar.total - bar.n)
                bar.close()
            click.echo(f"搜索已就绪（用时 {time.monotonic() - started:.0f} 秒）：{url}/search", err=True)
            return
        if status in ("indexing", "empty") and pending:
            if bar is None:
                bar = tqdm(total=pending, desc="建立搜索索引", unit="条", file=sys.stderr)
            bar.total = max(bar.total, pending)
            bar.update(max(0, bar.total - pending - bar.n))
        elif body.get("model") == "loading" and bar is None:
            continue


@main.group(help="账号管理。")
def user() -> None:
    pass


@user.command("create", help="创建用户（单位不存在时按类型新建）。")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["department_member", "supplier_member", "reviewer", "operator"])
)
@click.option("--organisation", required=True, help="单位名称")
@click.option(
    "--org-kind",
    type=click.Choice(["department", "enterprise", "university", "institute", "operator"]),
    help="新建单位时的类型",
)
@click.option("--credit-code", help="新建企业时的统一社会信用代码")
def user_create(email, password, display_name, role, organisation, org_kind, credit_code) -> None:
    settings = _settings()

    async def create():
        from lab.accounts import create_user
        from lab.errors import LabError
        from lab.models import Organisation
        from lab.schemas import OrganisationIn, UserIn
        from lab.validation import parse

        try:
            org = await Organisation.get_or_none(name=organisation)
            if org is None:
                if not org_kind:
                    raise click.ClickException(f"单位「{organisation}」不存在：请用 --org-kind 指定类型以新建")
                data = parse(OrganisationIn, {"kind": org_kind, "name": organisation, "credit_code": credit_code})
                org = await Organisation.create(**data.model_dump())
            data = parse(
                UserIn,
                {
                    "email": email,
                    "password": password,
                    "display_name": display_name,
                    "role": role,
                    "organisation_id": org.id,
                },
            )
            created = await create_user(None, data, bootstrap=True)
        except LabError as exc:
            detail = "；".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise click.ClickException(f"{exc.message}{'：' + detail if detail else ''}") from None
        click.echo(f"已创建用户 #{created.id} {created.email}（{role}，{org.name}）")

    run(_with_db(settings, create))


@user.command("token", help="为用户签发 API 令牌（打印一次，请妥善保存）。")
@click.option("--email", required=True)
@click.option("--label", default="cli")
def user_token(email: str, label: str) -> None:
    settings = _settings()

    async def issue():
        from lab.auth import issue_token
        from lab.models import User

        found = await User.get_or_none(email=email.strip().lower(), active=True)
        if found is None:
            raise click.ClickException(f"用户 {email} 不存在或已停用")
        _, token = await issue_token(found, label)
        click.echo(token)

    run(_with_db(settings, issue))


@main.group(help="基准测试（打印数字）。")
def bench() -> None:
    pass


def _attach_package_commands() -> None:
    """Commands contributed by the other packages: ``commands`` (top level) and ``bench_commands``."""
    from matchmaking import cli as matchmaking_cli
    from pipeline import cli as pipeline_cli
    from showcase import cli as showcase_cli

    for module in (matchmaking_cli, pipeline_cli, showcase_cli):
        for command in getattr(module, "commands", []):
            main.add_command(command)
        for command in getattr(module, "bench_commands", []):
            bench.add_command(command)


_attach_package_commands()
if __name__ == "__main__":
    main()
