"""Writes through the core's own commands, so every one appends its outbox row in its transaction."""

from __future__ import annotations

from lab import demands, profiles
from lab.models import User
from lab.schemas import DemandIn, ProfileIn


async def post_demand(
    user: User, title: str, description: str, domain: str = "水务与防汛", district: str = "武侯区", publish: bool = True
):
    demand = await demands.create_demand(
        user, DemandIn(title=title, description=description, domain=domain, district=district)
    )
    if publish:
        demand = await demands.change_demand_status(user, demand.id, "publish", demand.version)
    return demand


async def post_profile(
    user: User, title: str, summary: str, domains: list[str], keywords: list[str] = (), publish: bool = True
):
    profile = await profiles.create_profile(
        user, ProfileIn(title=title, summary=summary, domains=domains, keywords=list(keywords))
    )
    if publish:
        profile = await profiles.change_profile_status(user, profile.id, "publish", profile.version)
    return profile
