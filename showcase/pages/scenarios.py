"""Public scenario pages: the reserve list, one scenario, the featured showcase, national cases."""

from __future__ import annotations

from starlette.requests import Request

from lab.auth import current_user
from lab.conversation_models import Follow
from lab.domains import DISTRICTS, DOMAINS
from lab.permissions import can
from pipeline import progress as pipeline_progress
from pipeline import queries as pipeline_queries
from pipeline.models import Edition, Review
from pipeline.permissions import load_access
from pipeline.reviews import aggregate
from showcase import cards, catalogue, matching, params, progress_view
from showcase.responses import render

PER_PAGE = 20


async def reserve_list(request: Request):
    q = request.query_params
    text = params.text(q)
    domain = params.choice(q, "domain", DOMAINS)
    district = params.choice(q, "district", DISTRICTS)
    year = params.year(q)
    sorts = dict(catalogue.SORTS)
    # "relevance" is the form's default: it ranks by relevance when there is a search text and
    # falls back to the list's code order without one, so searching from the form ranks results
    sort = params.choice(q, "sort", [*sorts, "relevance"], "relevance")
    page = params.page_number(q)
    result = await catalogue.browse(
        request,
        q=text,
        domain=domain,
        district=district,
        year=year,
        sort=sort,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    pager = params.Pager(page, PER_PAGE, result.total)
    if pager.offset != (page - 1) * PER_PAGE:  # asked past the end: show the last page
        result = await catalogue.browse(
            request, q=text, domain=domain, district=district, year=year, sort=sort, limit=PER_PAGE, offset=pager.offset
        )
    chosen = {"domain": domain, "district": district, "year": year}

    def facet_links(name: str) -> list[dict]:
        links = []
        for item in result.facets.get(name, []):
            value = item["value"]
            selected = chosen[name] is not None and str(chosen[name]) == str(value)
            kept = [(k, v) for k, v in q.multi_items() if k not in (name, "page")]
            if not selected:
                kept.append((name, str(value)))
            links.append(
                {"value": value, "count": item["count"], "selected": selected, "href": "?" + str(type(q)(kept))}
            )
        return links

    sort_options = [("relevance", "相关度" if text else "默认（搜索时按相关度）")] + [
        (k, label) for k, (_, label) in sorts.items()
    ]
    return await render(
        request,
        "showcase/reserve_list.html",
        {
            "edition": result.edition,
            "items": [cards.scenario_card(s) for s in result.items],
            "total": result.total,
            "q": text,
            "sort": sort,
            "sort_options": sort_options,
            "chosen": chosen,
            "facets": {name: facet_links(name) for name in ("domain", "district", "year")},
            "facet_titles": {"domain": "领域", "district": "区（市）县", "year": "年份"},
            "pager": pager.links(q),
            "search_degraded": result.degraded,
            "filtered": bool(text or domain or district or year),
        },
    )


async def scenario_page(request: Request):
    user = await current_user(request)
    access = await load_access(user, request.path_params["scenario_id"])  # loaded and checked once
    scenario, relations = access.scenario, set(access.relations)
    detail = await pipeline_queries.scenario_detail(user, scenario.id, access=access)
    history = await pipeline_queries.history(user, scenario.id, access=access)
    outcome = None
    # the same rule as the reviews API: the aggregate only for the operator and, once evaluation
    # has ended, the scenario's own parties
    if can(user, "review.aggregate", access):
        reviews = await Review.filter(scenario_id=scenario.id).order_by("id")
        outcome = cards.review_outcome(aggregate(reviews), with_comments=can(user, "review.comments", access))
    similar = await request.app.state.showcase_memo.get(
        ("similar", detail["id"], detail["version"]),
        lambda: matching.similar_scenarios(request, detail),
        keep=lambda found: bool(found.items) and not found.degraded,
    )
    others = [c for c in await pipeline_queries.national_cases(detail["domain"]) if c["id"] != detail["id"]][:6]
    progress = None
    if pipeline_progress.is_listed(scenario):
        progress = progress_view.progress_panel(await pipeline_progress.updates(scenario.id), scenario.entered_stage_at)
    return await render(
        request,
        "showcase/scenario.html",
        {
            "s": cards.scenario_card(detail),
            "summary": detail["summary"],
            "edition": detail.get("edition"),
            "featured": detail.get("featured"),
            "timeline": cards.timeline(detail["stage"], history),
            "history": cards.history_rows(history) if relations else [],
            "outcome": outcome,
            "similar": similar.items,
            "similar_degraded": similar.degraded,
            "similar_pending": similar.pending,
            "other_cities": [cards.scenario_card(c) for c in others],
            "manage": can(user, "scenario.manage", access),
            "relations": relations,
            "progress": progress,
            "following": user is not None
            and await Follow.exists(user_id=user.id, object_kind="scenario", object_id=scenario.id),
        },
    )


async def showcase_page(request: Request):
    editions = await Edition.all().order_by("-year", "-id").values("id", "name", "year")
    wanted = params.positive_int(request.query_params.get("edition"))
    chosen = wanted if wanted in {e["id"] for e in editions} else None
    featured = await pipeline_queries.featured(chosen)
    current = featured["edition"]["id"] if featured["edition"] else None
    return await render(
        request,
        "showcase/showcase.html",
        {
            "edition": featured["edition"],
            "featured": cards.featured_cards(featured),
            "editions": [
                {**e, "current": e["id"] == current, "href": f"/showcase?edition={e['id']}"} for e in editions
            ],
        },
    )


async def national_cases(request: Request):
    domain = params.choice(request.query_params, "domain", DOMAINS)
    cases = await pipeline_queries.national_cases(domain)
    everything = cases if domain is None else await pipeline_queries.national_cases()
    domains = sorted({c["domain"] for c in everything})
    return await render(
        request,
        "showcase/cases.html",
        {"groups": cards.cases_by_city(cases), "domain": domain, "domains": domains, "total": len(cases)},
    )
