"""What the pipeline plugs into the app: its JSON API (its search source and permission rules are
joined in by the assembly, ``lab.runtime``)."""

from __future__ import annotations

from pipeline.api import datasharing, editions, events, inbox, progress, reviews, scenarios

api_routes = [
    *scenarios.routes,
    *reviews.routes,
    *editions.routes,
    *inbox.routes,
    *datasharing.routes,
    *progress.routes,
    *events.routes,
]
