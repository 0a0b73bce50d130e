"""``scenario-lab demo`` seeds the lifecycle too (twice, changing nothing), and the reserve list exports
from the command line — a real subprocess against a real (SQLite) database."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.slow


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "LAB_DATA_DIR": str(data_dir),
        "LAB_DATABASE_URL": f"sqlite://{data_dir / 'lab.sqlite3'}",
        "LAB_INPROCESS_WORKER": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "lab.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_demo_seeds_the_pipeline_and_the_reserve_list_exports(tmp_path):
    first = cli(tmp_path, "demo", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert "新增 249 个场景" in first.stderr and "全国优秀案例：新增 18 个" in first.stderr
    again = cli(tmp_path, "demo", "--no-serve")
    assert again.returncode == 0 and "新增 0 个场景" in again.stderr and "实验室在途场景：新增 0 个" in again.stderr
    out = tmp_path / "清单.xlsx"
    exported = cli(tmp_path, "reserve-list", "export", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "249 个场景" in exported.stdout
    rows = list(openpyxl.load_workbook(io.BytesIO(out.read_bytes()), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 250
    missing = cli(tmp_path, "reserve-list", "export", "--edition", "999", "-o", str(tmp_path / "x.csv"))
    assert missing.returncode != 0 and "找不到该储备清单批次" in missing.stderr
