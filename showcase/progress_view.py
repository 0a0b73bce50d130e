"""Shapes a scenario's progress reports for templates: the timeline entries, one line chart per
indicator, and whether the scenario has been silent too long."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.timezone import now

from pipeline import progress
from showcase.trends import fmt_number, line_chart


def _display(item: dict) -> str:
    return f"{fmt_number(float(item['value']))}{item.get('unit', '')}"


def progress_panel(
    items: list[dict[str, Any]], listed_since: datetime | None = None, current: datetime | None = None
) -> dict[str, Any]:
    current = current or now()
    last = max((datetime.fromisoformat(u["created_at"]) for u in items), default=listed_since)
    silent = (current - last).days if last else 0
    return {
        "items": [
            {
                **u,
                "reported": u["created_at"][:10],
                "indicators": {k: {**v, "display": _display(v)} for k, v in u["indicators"].items()},
            }
            for u in items
        ],
        "charts": [
            {
                "name": s["name"],
                "unit": s["unit"],
                "svg": line_chart(s["points"], title=f"{s['name']}随时间变化", unit=s["unit"]),
            }
            for s in progress.series(items)
            if len(s["points"]) >= 1
        ],
        "stale": silent > progress.STALE_AFTER_DAYS,
        "stale_days": progress.STALE_AFTER_DAYS,
    }
