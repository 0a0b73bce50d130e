"""Matches on pages, from matchmaking's explained matches: capability profiles for a demand,
published demands for a profile, similar scenarios, and look-alike published demands for a draft.
This module only shapes them for templates (links, tags, one score line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from lab.models import CapabilityProfile, Demand
from matchmaking import matches

Matches = matches.Matches
HREFS = {"capability": "/capabilities/{id}", "demand": "/demands/{id}", "scenario": "/scenarios/{id}"}


def _service(request: Request):
    return getattr(request.app.state, "search", None)


def _shape(item: dict[str, Any]) -> dict[str, Any]:
    why = item.get("explanation") or {}
    return {
        "id": item["id"],
        "href": HREFS.get(item.get("kind") or "", "#").format(id=item["id"]),
        "title": item.get("title", ""),
        "organisation": item.get("organisation", ""),
        "domains": item.get("domains") or [],
        "district": item.get("district") or "",
        "terms": [t["term"] for t in why.get("shared_terms", [])[:6]],
        "shared_domains": why.get("shared_domains") or [],
        "sentence": why.get("best_sentence"),
        "text": why.get("text", ""),
        "score_line": strength_line(item),
        "strength_key": item.get("strength_key") or "",
        "coverage": item.get("coverage") or [],
    }


def strength_line(item: dict[str, Any]) -> str:
    """``匹配度 62%（较为匹配）`` — the one number a person sees for a match (calibrated, not a cosine)."""
    if item.get("strength") is None:
        return ""
    return f"匹配度 {item['strength']:.0%}（{item.get('strength_level', '')}）"


COVERAGE_MARKS = {"covered": ("✓", "覆盖"), "partial": ("◐", "部分覆盖"), "none": ("—", "未覆盖")}


def _coverage_view(found: Matches, shaped: list[dict[str, Any]]) -> dict[str, Any]:
    """Needs as rows, listed suppliers as columns (a readable table on the demand page), and teams."""
    needs = list(getattr(found, "needs", []) or [])
    if not needs:
        return {"needs": [], "teams": []}
    titles = {item["id"]: item["title"] for item in shaped}
    rows = []
    for index, need in enumerate(needs):
        cells = []
        for item in shaped:
            level = next((c["level"] for c in item.get("coverage", []) if c["need"] == index), "none")
            mark, label = COVERAGE_MARKS[level]
            cells.append({"level": level, "mark": mark, "label": label})
        rows.append({"need": need, "number": index + 1, "cells": cells})
    teams = []
    for team in getattr(found, "teams", []) or []:
        by_need = {b["need"]: b["id"] for b in team["by_need"]}
        teams.append(
            {
                "members": team["members"],
                "needs": [
                    {"number": i + 1, "need": needs[i], "by": titles.get(by_need.get(i), "") if i in by_need else ""}
                    for i in range(len(needs))
                ],
                "covered": len(team["covered"]),
                "total": len(needs),
            }
        )
    return {"needs": rows, "teams": teams}


@dataclass
class ShownMatches(Matches):
    """Matches shaped for a page, with the coverage table and the team proposals of a demand."""

    coverage_rows: list[dict[str, Any]] = field(default_factory=list)
    team_views: list[dict[str, Any]] = field(default_factory=list)


def _shaped(found: Matches) -> ShownMatches:
    items = [_shape(item) for item in found.items]
    view = _coverage_view(found, items)
    return ShownMatches(items, found.degraded, found.pending, coverage_rows=view["needs"], team_views=view["teams"])


async def for_demand(request: Request, demand: Demand, limit: int = 6) -> Matches:
    return _shaped(await matches.for_demand(_service(request), demand, limit=limit))


async def for_profile(request: Request, profile: CapabilityProfile, limit: int = 8) -> Matches:
    return _shaped(await matches.for_profile(_service(request), profile, limit=limit))


async def similar_scenarios(request: Request, scenario: dict[str, Any], limit: int = 6) -> Matches:
    found = await matches.similar_scenarios(
        _service(request), scenario["id"], scenario["title"], scenario["summary"], scenario["domain"], limit=limit
    )
    return _shaped(found)


async def look_alikes(
    request: Request, title: str, description: str, domain: str, *, exclude_id: int | None = None, limit: int = 3
) -> Matches:
    found = await matches.look_alike_demands(
        _service(request), title, description, domain, exclude_id=exclude_id, limit=limit
    )
    return Matches(
        [
            {**item, "href": f"/demands/{item['id']}", "similarity": round(item["similarity"], 2)}
            for item in found.items
        ],
        found.degraded,
    )
