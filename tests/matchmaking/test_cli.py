"""The matchmaking commands, run as a person would: ``scenario-lab reindex / worker --once / search``."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO, SHARED_MODEL_DIR


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "LAB_DATA_DIR": str(tmp_path / "data"),
        "LAB_MODEL_DIR": str(SHARED_MODEL_DIR),
        "LAB_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
    }
    env.pop("LAB_SEARCH_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "lab.cli", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=600
    )


def test_reindex_worker_and_search_commands(tmp_path, embedder):
    assert run(tmp_path, "init", "--email", "ops@example.cn", "--password", "correct-horse-42").returncode == 0
    out = run(tmp_path, "reindex", "--kind", "demand")
    assert out.returncode == 0, out.stderr
    assert "demand: 0" in out.stdout
    out = run(tmp_path, "worker", "--once")
    assert out.returncode == 0, out.stderr
    assert "已处理" in out.stderr
    out = run(tmp_path, "search", "城市内涝")
    assert out.returncode == 0, out.stderr
    assert "共 0 条" in out.stdout
    out = run(tmp_path, "search", "内涝", "--kind", "people")
    assert out.returncode != 0 and "people" in out.stderr


def test_bench_matches_answers_from_stored_vectors_only(tmp_path, embedder):
    out = run(
        tmp_path, "bench", "matches", "--profiles", "200", "--demands", "3", "--embed-sample", "20", "--rounds", "1"
    )
    assert out.returncode == 0, out.stderr
    assert "# bench matches: 200 published profiles, 3 demands" in out.stdout
    assert "3 answers: p50" in out.stdout
    assert "first ask of each demand (round 0, memos cold): p50" in out.stdout
    # every demand got matches, none degraded or pending, and answering called no model
    assert "degraded 0, pending 0; model calls while answering: 0" in out.stdout
    assert "items per answer: min 0," not in out.stdout
    assert not (tmp_path / "cli.sqlite3").exists()  # the bench used its own scratch database, not LAB_DATABASE_URL
