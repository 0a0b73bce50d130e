"""The operator's board and dashboard: live work by default, filters in the query string, and
every bar and funnel stage a link to the board filtered to the scenarios it counts."""

from __future__ import annotations

from starlette.requests import Request
from tortoise.timezone import now

from pipeline import progress as pipeline_progress
from pipeline.datasharing import reports as data_reports
from showcase import analytics, charts
from showcase.pages.datasharing import data_sharing_charts
from showcase.responses import render, require_page


async def _filters(request: Request) -> tuple[analytics.Filters, dict]:
    options = await analytics.filter_options()
    f = analytics.Filters.from_query(request.query_params, [e["id"] for e in options["editions"]])
    return f, options


async def board(request: Request):
    await require_page(request, "workspace.operator")
    f, options = await _filters(request)
    data = await analytics.board(f)
    stale = await pipeline_progress.stale_scenarios(now())
    return await render(
        request,
        "showcase/workspace/board.html",
        {
            **data,
            "stale": stale,
            "stale_ids": {s["id"] for s in stale},
            "stale_days": pipeline_progress.STALE_AFTER_DAYS,
            "f": f,
            "options": options,
            "scope_label": analytics.SCOPES[f.scope],
            "chosen": f.chosen,
            "reset": analytics.Filters(scope=f.scope).query(),
            "dashboard_href": "/workspace/dashboard" + f.query(stage=None, reached=None, waiting=None),
        },
    )


async def dashboard(request: Request):
    await require_page(request, "workspace.operator")
    f, options = await _filters(request)
    on_board = "/workspace/board" + f.query(stage=None, reached=None, waiting=None)
    keep = f.query(stage=None, reached=None, waiting=None)
    join = "&" if keep else "?"
    link = "/workspace/board" + keep + join
    return await render(
        request,
        "showcase/workspace/dashboard.html",
        {
            "f": f,
            "options": options,
            "scope_label": analytics.SCOPES[f.scope],
            "chosen": f.chosen,
            "board_href": on_board,
            "funnel": charts.funnel(
                await analytics.funnel(f), title="各阶段场景漏斗（曾到达该阶段的场景数）", href=link + "reached={key}"
            ),
            "medians": charts.bar_chart(
                await analytics.median_days_in_stage(f),
                title="各阶段停留时间中位数",
                unit="天",
                href=link + "stage={key}",
            ),
            "domains": charts.bar_chart(
                await analytics.counts_by(f, "domain"), title="场景数（按领域）", unit="个", href=link + "domain={key}"
            ),
            "districts": charts.bar_chart(
                await analytics.counts_by(f, "district"),
                title="场景数（按区（市）县）",
                unit="个",
                href=link + "district={key}",
            ),
            **data_sharing_charts(await data_reports.answer_times()),
        },
    )
