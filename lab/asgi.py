"""The app factory for ``uvicorn lab.asgi:app --factory`` (used by ``scenario-lab serve --workers N``):
every worker process builds its own app from the environment's settings."""

from __future__ import annotations

import os


def app():
    from lab.app import create_app
    from lab.settings import load_settings

    return create_app(load_settings(os.environ))
