"""Commands the showcase adds to ``scenario-lab``: ``bench web``."""

from __future__ import annotations

from showcase.bench_web import web_command

bench_commands = [web_command]
