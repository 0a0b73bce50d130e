"""Start-up as a client sees it: how soon ``/healthz`` answers, how fast each answer is while the
service starts (none should take 50 ms: health never waits for the model or for a lock), and, on a
fresh demo, how long the first index build takes after the first answer.

- Default: the demo in ``LAB_DATA_DIR`` is seeded and embedded (``demo --no-serve``, ``worker --once``),
  then ``serve`` starts and ``/healthz`` is asked every ``interval`` seconds from the moment the
  process starts until ``seconds`` after its first answer.
- ``fresh``: new data and model folders (the model converted and exported anew, as on a new machine),
  ``scenario-lab demo`` (it seeds, makes the model's files in another process and serves with the
  in-process worker), asked until the index is complete (model ready, search ``ok`` with nothing
  pending) or ``timeout``.

Subprocesses, not imports: the bench sees the service the way a client (or a load balancer) does;
times are taken on the client, so a request waiting for the event loop counts.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from matchmaking.bench.http import CLI, free_port, seed_demo, stop_process

SLOW_MS = 50.0  # what /healthz must stay under


@dataclass(frozen=True)
class Answer:
    at: float  # seconds since the server process started
    ms: float  # the request, timed on the client
    model: str | None
    search: dict | None


def complete(answer: Answer) -> bool:
    return answer.model == "ready" and answer.search == {"status": "ok", "pending": 0}


def summarise(answers: list[Answer], label: str) -> str:
    """The report: first answer, latency of every answer, when the model got ready and how search
    moved (each change of status), and for a fresh demo when the index was complete."""
    if not answers:
        return f"# bench startup: {label}\nno answer from /healthz"
    first = answers[0].at
    ms = np.array([a.ms for a in answers])
    lines = [
        f"# bench startup: {label}",
        f"first /healthz answer: {first:.1f} s after the process started "
        f"(model {answers[0].model}, search {_search(answers[0].search)})",
        f"/healthz answers: {len(answers)} over {answers[-1].at - first:.1f} s; p50 {np.percentile(ms, 50):.1f} ms, "
        f"p95 {np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms; over {SLOW_MS:.0f} ms: {int((ms > SLOW_MS).sum())}",
    ]
    ready = next((a for a in answers if a.model == "ready"), None)
    lines.append(
        "model ready: " + (f"+{ready.at - first:.1f} s after the first answer" if ready else "not within the run")
    )
    moves, last = [], object()
    for a in answers:
        if a.search != last:
            moves.append(f"{_search(a.search)} at +{a.at - first:.1f} s")
            last = a.search
    lines.append("search: " + " -> ".join(moves))
    done = next((a for a in answers if complete(a)), None)
    lines.append(
        "index complete: " + (f"{done.at - first:.1f} s after the first answer" if done else "not within the run")
    )
    return "\n".join(lines)


def _search(search: dict | None) -> str:
    if not search:
        return "-"
    return f"{search.get('status')} ({search.get('pending')} pending)"


def watch(
    command: list[str],
    env: dict[str, str],
    port: int,
    *,
    seconds: float,
    interval: float,
    timeout: float,
    until_complete: bool,
) -> list[Answer]:
    """Start ``command`` and ask its /healthz every ``interval`` seconds: for ``seconds`` after the
    first answer, or (``until_complete``) until the index is complete; ``timeout`` bounds the run."""
    answers: list[Answer] = []
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with httpx.Client(timeout=10) as client:
            while time.monotonic() - started < timeout:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}")
                sent = time.monotonic()
                try:
                    body = client.get(url).json()
                except (httpx.HTTPError, ValueError):
                    time.sleep(interval)
                    continue
                now = time.monotonic()
                answers.append(Answer(sent - started, (now - sent) * 1000, body.get("model"), body.get("search")))
                if until_complete and complete(answers[-1]):
                    break
                if not until_complete and answers[-1].at - answers[0].at >= seconds:
                    break
                time.sleep(max(0.0, interval - (time.monotonic() - sent)))
    finally:
        stop_process(process, timeout=30)
    return answers


def run_startup_bench(
    data_dir: Path, *, fresh: bool, seconds: float, interval: float, timeout: float, progress=print
) -> str:
    port = free_port()
    if fresh:
        with tempfile.TemporaryDirectory(prefix="lab-bench-startup-") as scratch:
            env = {
                **os.environ,
                "LAB_DATA_DIR": str(Path(scratch) / "data"),
                "LAB_MODEL_DIR": str(Path(scratch) / "models"),
            }
            progress("a fresh demo: new data and model folders, scenario-lab demo …")
            answers = watch(
                [*CLI, "demo", "--port", str(port)],
                env,
                port,
                seconds=seconds,
                interval=interval,
                timeout=timeout,
                until_complete=True,
            )
        return summarise(answers, "a fresh demo (new data and model folders), scenario-lab demo")
    env = {**os.environ, "LAB_DATA_DIR": str(data_dir)}
    progress("seeding the demo and embedding it (worker --once) …")
    seed_demo(env)
    progress(f"serve, /healthz every {interval:.2f} s …")
    answers = watch(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        port,
        seconds=seconds,
        interval=interval,
        timeout=timeout,
        until_complete=False,
    )
    return summarise(answers, f"scenario-lab serve on the demo in {data_dir}")
