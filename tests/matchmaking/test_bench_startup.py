"""``scenario-lab bench startup``: the /healthz watcher runs a real ``serve`` and reports what a client
saw; the report is made from those answers."""

from __future__ import annotations


import pytest

from matchmaking.bench.http import CLI, free_port
from matchmaking.bench.startup import Answer, summarise, watch
from tests.lab.test_cli import _create_pg_database, cli, cli_env, cli_settings  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def test_the_report_follows_the_answers():
    answers = [
        Answer(4.0, 3.0, "loading", {"status": "indexing", "pending": 5}),
        Answer(4.5, 61.0, "ready", {"status": "indexing", "pending": 5}),
        Answer(9.0, 2.0, "ready", {"status": "indexing", "pending": 1}),
        Answer(14.0, 2.0, "ready", {"status": "ok", "pending": 0}),
    ]
    report = summarise(answers, "test")
    assert (
        "first /healthz answer: 4.0 s after the process started (model loading, search indexing (5 pending))" in report
    )
    assert "over 50 ms: 1" in report and "max 61.0 ms" in report
    assert "model ready: +0.5 s after the first answer" in report
    assert (
        "search: indexing (5 pending) at +0.0 s -> indexing (1 pending) at +5.0 s -> ok (0 pending) at +10.0 s"
        in report
    )
    assert "index complete: 10.0 s after the first answer" in report
    assert "index complete: not within the run" in summarise(answers[:2], "test")
    assert "no answer from /healthz" in summarise([], "test")


def test_the_watcher_times_a_real_server_from_its_start(cli_settings):  # noqa: F811 - the fixture above
    _create_pg_database(cli_settings)
    assert cli(cli_settings, "init", "--email", "ops@lab.cn", "--password", "operator-pass-1").returncode == 0
    port = free_port()
    # nothing loads the model: the watcher alone is under test
    env = cli_env(cli_settings, LAB_INPROCESS_WORKER="0", LAB_WARM_UP="0")
    answers = watch(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        port,
        seconds=1.0,
        interval=0.1,
        timeout=60,
        until_complete=False,
    )
    assert len(answers) >= 5
    assert all(a.ms > 0 for a in answers) and answers[0].at > 0
    assert answers[-1].at - answers[0].at >= 1.0
    assert {a.model for a in answers} == {"loading"}  # /healthz never loads the model
    assert "/healthz answers: " in summarise(answers, "serve")
