"""What the pipeline plugs into the app: its JSON API and the scenario source for the search index."""

from __future__ import annotations

from starlette.applications import Starlette

from lab.settings import Settings
from pipeline.api import editions, events, inbox, reviews, scenarios

api_routes = [*scenarios.routes, *reviews.routes, *editions.routes, *inbox.routes, *events.routes]


def setup(app: Starlette, settings: Settings) -> None:
    """Let the matchmaking worker index listed scenarios (imports point inward: pipeline → matchmaking)."""
    from lab.permissions import RULES
    from pipeline.permissions import RULES as EVENT_RULES
    from pipeline.search import register

    register()
    RULES.update(EVENT_RULES)  # until the core's policy registry collects every package's rules
