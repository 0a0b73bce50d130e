"""Public pages that rest on the marketplace: home, search, a demand, a capability profile."""

from __future__ import annotations

from contextlib import nullcontext

from starlette.requests import Request

from lab.auth import current_user
from lab.demands import get_demand
from lab.domains import DOMAINS
from lab.limits import expensive
from lab.permissions import can
from lab.profiles import get_profile
from pipeline import queries as pipeline_queries
from showcase import cards, charts, object_history, params, presenters, queries
from showcase.pages.conversation import qa_context
from showcase.responses import render
from showcase.search_results import KIND_LABELS, public_search

PER_PAGE = 20
PUBLIC_AGGREGATES_TTL = 10.0  # seconds the public counts, featured cards and latest demands may lag


async def _home_data() -> dict:
    featured = await pipeline_queries.featured()
    reserve = await pipeline_queries.reserve_list(limit=1)
    by_domain = [(f["value"], f["count"]) for f in reserve["facets"]["domain"]]
    edition = reserve["edition"]
    return {
        "featured": cards.featured_cards(featured),
        "edition": edition,
        "domain_chart_title": f"{edition['name']}：各领域场景数" if edition else "各领域场景数",
        "totals": await queries.marketplace_totals(),
        "scenario_totals": [
            {"value": edition["listed"], "label": "储备清单场景"},
            {"value": len(featured["items"]), "label": "精选场景"},
        ]
        if edition
        else [],
        "domain_chart": charts.bar_chart(
            by_domain, title="储备清单各领域场景数", unit="个", href="/reserve-list?domain={label}"
        ),
        "latest": [presenters.demand_row(d) for d in await queries.latest_public_demands()],
    }


async def home(request: Request):
    data = await request.app.state.showcase_memo.get(("home",), _home_data, ttl=PUBLIC_AGGREGATES_TTL)
    return await render(request, "showcase/home.html", dict(data))


async def search(request: Request):
    q = request.query_params
    text = params.text(q)
    kind = params.choice(q, "kind", KIND_LABELS)
    domain = params.choice(q, "domain", DOMAINS)
    page = params.page_number(q)
    filters = {"domains": [domain]} if domain else {}
    found = None
    if text or domain or kind:
        # free text may encode a query with the model: the same per-caller budget as /api/search
        async with expensive(request, "search") if text else nullcontext():
            found = await public_search(
                request,
                text,
                kind=kind,
                filters=filters,
                facets=["kind", "domains"],
                limit=PER_PAGE,
                offset=(page - 1) * PER_PAGE,
            )
    pager = params.Pager(page, PER_PAGE, found.total if found else 0)
    return await render(
        request,
        "showcase/search.html",
        {
            "q": text,
            "kind": kind,
            "domain": domain,
            "found": found,
            "kinds": KIND_LABELS,
            "domains": DOMAINS,
            "kind_counts": (found.facets.get("kind", {}) if found else {}),
            "pager": pager.links(q),
            "search_degraded": bool(found and found.degraded),
        },
    )


async def demand_page(request: Request):
    user = await current_user(request)
    demand = await get_demand(user, request.path_params["demand_id"])
    mine = user is not None and user.organisation_id == demand.organisation_id
    proposal = None
    may_propose = user is not None and can(user, "demand.propose", demand)
    if can(user, "workspace.supplier"):
        existing = await queries.my_proposal_for(user, demand.id)
        proposal = presenters.proposal_row(existing) if existing else None
    profiles = [presenters.profile_row(p) for p in await queries.my_profiles(user)] if may_propose else []
    return await render(
        request,
        "showcase/demand.html",
        {
            "demand": presenters.demand_row(demand),
            "description": demand.description,
            "data_conditions": demand.data_conditions,
            "mine": mine,
            "may_propose": may_propose and not proposal,
            "proposal": proposal,
            "profile_options": [(p["id"], p["title"]) for p in profiles],
            "values": {},
            "errors": {},
            "signed_in": user is not None,
            "qa": await qa_context(user, demand),
            "history": await object_history.history(user, "demand", demand),
        },
    )


async def profile_page(request: Request):
    user = await current_user(request)
    profile = await get_profile(user, request.path_params["profile_id"])
    from showcase.pages.people import organisation_badge

    return await render(
        request,
        "showcase/profile.html",
        {
            "profile": presenters.profile_row(profile),
            "summary": profile.summary,
            "cases": profile.cases,
            "attributes": profile.attributes,
            "org": organisation_badge(profile.organisation),
            "history": await object_history.history(user, "profile", profile),
        },
    )
