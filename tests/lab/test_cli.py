"""The command line, run as a user would: a real subprocess with a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_settings

pytestmark = pytest.mark.slow


def cli_env(settings, **extra: str) -> dict[str, str]:
    """The environment a ``scenario-lab`` subprocess gets for these settings (plus ``extra``)."""
    return {
        **os.environ,
        "LAB_DATA_DIR": str(settings.data_dir),
        "LAB_DATABASE_URL": settings.database_url,
        "LAB_MODEL_DIR": str(settings.models_path),
        **extra,
    }


def cli(settings, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = cli_env(settings)
    return subprocess.run(
        [sys.executable, "-m", "lab.cli", *args], capture_output=True, text=True, env=env, input=input, timeout=300
    )


@pytest.fixture
def cli_settings(tmp_path: Path):
    settings = make_settings(tmp_path)
    yield settings
    if settings.database_url.startswith("postgres"):
        name = settings.database_url.rsplit("/", 1)[1]
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "test",
                "-c",
                f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
            ],
            capture_output=True,
        )


def _create_pg_database(settings) -> None:
    if settings.database_url.startswith("postgres"):
        name = settings.database_url.rsplit("/", 1)[1]
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c", f"CREATE DATABASE {name}"],
            check=True,
            capture_output=True,
        )


def create_department_member(cli_settings) -> subprocess.CompletedProcess:
    """``user create`` of li@dept.cn (password department-1), a member of 成都市水务局."""
    return cli(
        cli_settings,
        "user",
        "create",
        "--email",
        "li@dept.cn",
        "--password",
        "department-1",
        "--name",
        "李",
        "--role",
        "department_member",
        "--organisation",
        "成都市水务局",
        "--org-kind",
        "department",
    )


def test_init_user_and_token(cli_settings):
    _create_pg_database(cli_settings)
    first = cli(cli_settings, "init", "--email", "ops@lab.cn", "--password", "operator-pass-1")
    assert first.returncode == 0, first.stderr
    assert "已创建运营账号 ops@lab.cn" in first.stdout
    again = cli(cli_settings, "init")
    assert again.returncode == 0 and "已有运营账号" in again.stdout

    created = create_department_member(cli_settings)
    assert created.returncode == 0, created.stderr
    bad = cli(
        cli_settings,
        "user",
        "create",
        "--email",
        "x@corp.cn",
        "--password",
        "password-1",
        "--name",
        "X",
        "--role",
        "supplier_member",
        "--organisation",
        "错码公司",
        "--org-kind",
        "enterprise",
        "--credit-code",
        "911100001000013530",
    )
    assert bad.returncode != 0 and "校验位" in bad.stderr

    token = cli(cli_settings, "user", "token", "--email", "li@dept.cn")
    assert token.returncode == 0 and token.stdout.strip().startswith("lab_")
    missing = cli(cli_settings, "user", "token", "--email", "ghost@dept.cn")
    assert missing.returncode != 0 and "不存在" in missing.stderr


def test_init_without_credentials_and_no_terminal_explains(cli_settings):
    _create_pg_database(cli_settings)
    result = cli(cli_settings, "init", input="")
    assert result.returncode != 0 and "--email" in result.stderr


def test_bad_settings_are_reported_not_crashed(cli_settings):
    env_backup = dict(os.environ)
    try:
        os.environ["LAB_SEARCH_BACKEND"] = "elastic"
        result = cli(cli_settings, "init")
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    assert result.returncode != 0 and "LAB_SEARCH_BACKEND" in result.stderr and "Traceback" not in result.stderr
