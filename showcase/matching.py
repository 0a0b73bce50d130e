"""Matches on pages, from matchmaking's explained matches: capability profiles for a demand,
published demands for a profile, similar scenarios, and look-alike published demands for a draft.
This module only shapes them for templates (links, tags, one score line)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from lab.models import CapabilityProfile, Demand
from matchmaking import matches
from matchmaking.explain import SCORE_LABELS

Matches = matches.Matches
HREFS = {"capability": "/capabilities/{id}", "demand": "/demands/{id}", "scenario": "/scenarios/{id}"}


def _service(request: Request):
    return getattr(request.app.state, "search", None)


def _shape(item: dict[str, Any]) -> dict[str, Any]:
    why = item.get("explanation") or {}
    scores = why.get("scores") or {}
    return {
        "id": item["id"], "href": HREFS.get(item.get("kind") or "", "#").format(id=item["id"]),
        "title": item.get("title", ""), "organisation": item.get("organisation", ""),
        "domains": item.get("domains") or [], "district": item.get("district") or "",
        "terms": [t["term"] for t in why.get("shared_terms", [])[:6]],
        "shared_domains": why.get("shared_domains") or [], "sentence": why.get("best_sentence"),
        "text": why.get("text", ""),
        "score_line": " · ".join(f"{SCORE_LABELS[k]} {v:.2f}" for k, v in scores.items() if k in SCORE_LABELS),
    }


def _shaped(found: Matches) -> Matches:
    return Matches([_shape(item) for item in found.items], found.degraded, found.pending)


async def for_demand(request: Request, demand: Demand, limit: int = 6) -> Matches:
    return _shaped(await matches.for_demand(_service(request), demand, limit=limit))


async def for_profile(request: Request, profile: CapabilityProfile, limit: int = 8) -> Matches:
    return _shaped(await matches.for_profile(_service(request), profile, limit=limit))


async def similar_scenarios(request: Request, scenario: dict[str, Any], limit: int = 6) -> Matches:
    found = await matches.similar_scenarios(_service(request), scenario["id"], scenario["title"],
                                            scenario["summary"], scenario["domain"], limit=limit)
    return _shaped(found)


async def look_alikes(request: Request, title: str, description: str, domain: str, *,
                      exclude_id: int | None = None, limit: int = 3) -> Matches:
    found = await matches.look_alike_demands(_service(request), title, description, domain,
                                             exclude_id=exclude_id, limit=limit)
    return Matches([{**item, "href": f"/demands/{item['id']}", "similarity": round(item["similarity"], 2)}
                    for item in found.items], found.degraded)
