"""Read-only queries the pages need that no other package offers (counts, my records)."""

from __future__ import annotations

from tortoise.functions import Count

from lab.models import CapabilityProfile, Demand, Organisation, Proposal, User
from lab.permissions import OPEN_DEMAND_STATUSES, PUBLIC_STATUSES


async def marketplace_totals() -> dict[str, int]:
    return {
        "demands": await Demand.filter(status__in=list(OPEN_DEMAND_STATUSES)).count(),
        "profiles": await CapabilityProfile.filter(status__in=list(PUBLIC_STATUSES["capability"])).count(),
        "suppliers": await Organisation.filter(kind__in=["enterprise", "university", "institute"]).count(),
    }


async def latest_public_demands(limit: int = 6) -> list[Demand]:
    return (
        await Demand.filter(status__in=list(OPEN_DEMAND_STATUSES))
        .select_related("organisation")
        .order_by("-published_at", "-id")
        .limit(limit)
    )


async def my_demands(user: User) -> list[tuple[Demand, int]]:
    demands = (
        await Demand.filter(organisation_id=user.organisation_id)
        .select_related("organisation")
        .order_by("-updated_at", "-id")
    )
    counts = (
        dict(
            await Proposal.filter(demand_id__in=[d.id for d in demands])
            .annotate(n=Count("id"))
            .group_by("demand_id")
            .values_list("demand_id", "n")
        )
        if demands
        else {}
    )
    return [(d, counts.get(d.id, 0)) for d in demands]


async def proposals_for_demand(demand_id: int) -> list[Proposal]:
    return (
        await Proposal.filter(demand_id=demand_id).select_related("demand", "organisation", "profile").order_by("-id")
    )


async def my_profiles(user: User) -> list[CapabilityProfile]:
    return (
        await CapabilityProfile.filter(organisation_id=user.organisation_id)
        .select_related("organisation")
        .order_by("-updated_at", "-id")
    )


async def my_proposals(user: User) -> list[Proposal]:
    return (
        await Proposal.filter(organisation_id=user.organisation_id)
        .select_related("demand", "organisation", "profile")
        .order_by("-updated_at", "-id")
    )


async def my_proposal_for(user: User, demand_id: int) -> Proposal | None:
    return await Proposal.get_or_none(organisation_id=user.organisation_id, demand_id=demand_id).select_related(
        "demand", "organisation", "profile"
    )
