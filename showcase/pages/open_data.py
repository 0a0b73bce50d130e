"""The open-data page: every public dataset with its columns, each as CSV and XLSX, and the zip
with the 数据说明."""

from __future__ import annotations

from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import Response

from lab.errors import NotFound
from pipeline import exports, open_data
from showcase.responses import render

BUNDLE_NAME = "智慧蓉城应用场景实验室开放数据.zip"
OPEN_DATA_TTL = 300.0  # seconds the files and counts may lag behind the records (the page says so)
TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "public, max-age=300",
        },
    )


async def _listing() -> list[dict]:
    return [
        {
            "key": ds.key,
            "title": ds.title,
            "description": ds.description,
            "rows": len(await ds.load()),
            "columns": ds.columns,
        }
        for ds in await open_data.datasets()
    ]


async def open_data_page(request: Request):
    items = await request.app.state.showcase_memo.get(("open-data",), _listing, ttl=OPEN_DATA_TTL)
    return await render(
        request,
        "showcase/open_data.html",
        {
            "datasets": items,
            "licence": open_data.LICENCE,
            "dictionary": open_data.DICTIONARY,
            "lag_minutes": int(OPEN_DATA_TTL // 60),
        },
    )


async def _file(key: str, fmt: str) -> tuple[str, bytes] | None:
    ds = await open_data.dataset(key)
    if ds is None:
        return None
    data = await ds.rows()
    if fmt == "csv":
        return ds.title, exports.csv_bytes(ds.columns, data)
    return ds.title, await anyio.to_thread.run_sync(exports.xlsx, ds.title, ds.title, ds.columns, data)


async def dataset_file(request: Request):
    key, fmt = request.path_params["key"], request.path_params["fmt"]
    found = (
        await request.app.state.showcase_memo.get(
            ("open-data", key, fmt), lambda: _file(key, fmt), keep=lambda v: v is not None, ttl=OPEN_DATA_TTL
        )
        if fmt in TYPES
        else None
    )
    if found is None:
        raise NotFound("找不到该数据集")
    title, content = found
    return _download(content, TYPES[fmt], f"{title}.{fmt}")


async def bundle(request: Request):
    content = await request.app.state.showcase_memo.get(("open-data", "bundle"), open_data.bundle, ttl=OPEN_DATA_TTL)
    return _download(content, "application/zip", BUNDLE_NAME)
