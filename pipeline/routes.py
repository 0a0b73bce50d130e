"""What the pipeline plugs into the app: its JSON API and the scenario source for the search index."""

from __future__ import annotations

from starlette.applications import Starlette

from lab.settings import Settings
from pipeline.api import editions, events, inbox, reviews, scenarios

api_routes = [*scenarios.routes, *reviews.routes, *editions.routes, *inbox.routes, *events.routes]


def setup(app: Starlette, settings: Settings) -> None:
    """Let the matchmaking worker index listed scenarios (imports point inward: pipeline → matchmaking)."""
    from pipeline.search import register

    register()
