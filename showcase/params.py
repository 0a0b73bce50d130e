"""Lenient reading of query strings for pages: odd values fall back to defaults, never raise."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from starlette.datastructures import QueryParams

from lab.validation import INT32_MAX, ascii_int

MAX_PAGE = 10_000
MAX_TEXT = 100


def page_number(params: QueryParams, name: str = "page") -> int:
    """A page number from 1 to MAX_PAGE; anything else (``-1``, ``abc``) is page 1."""
    value = ascii_int(params.get(name, ""), low=-(10**18), high=10**18)
    return 1 if value is None else min(max(value, 1), MAX_PAGE)


def choice(params: QueryParams, name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
    """The value when it is one of ``allowed``; otherwise ``default`` (unknown sort keys, scripts)."""
    value = params.get(name)
    return value if value is not None and value in set(allowed) else default


def text(params: QueryParams, name: str = "q", max_length: int = MAX_TEXT) -> str:
    """Free text, stripped and cut to ``max_length`` characters (escaped later by the template).
    Control characters (NUL …) and lone surrogates are dropped: no database stores them."""
    words = " ".join(params.get(name, "").split())
    return "".join(ch for ch in words if unicodedata.category(ch) not in ("Cc", "Cs"))[:max_length]


def year(params: QueryParams, name: str = "year") -> int | None:
    return ascii_int(params.get(name, ""), low=2000, high=2100)


def positive_int(value: object) -> int | None:
    """An id from a path or form field (ASCII digits, 1 … 2**31 - 1), or None."""
    return ascii_int(value, low=1, high=INT32_MAX)


class Pager:
    """Offset arithmetic and the links a template needs for one page of ``total`` items."""

    def __init__(self, page: int, per_page: int, total: int) -> None:
        self.per_page = per_page
        self.total = total
        self.pages = max(1, -(-total // per_page))
        self.page = min(page, self.pages)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def links(self, params: QueryParams) -> dict:
        """Previous/next/numbered page links that keep the other query parameters."""

        def href(n: int) -> str:
            kept = [(k, v) for k, v in params.multi_items() if k != "page"]
            kept.append(("page", str(n)))
            return "?" + str(QueryParams(kept))

        window = range(max(1, self.page - 3), min(self.pages, self.page + 3) + 1)
        return {
            "page": self.page,
            "pages": self.pages,
            "total": self.total,
            "prev": href(self.page - 1) if self.page > 1 else None,
            "next": href(self.page + 1) if self.page < self.pages else None,
            "numbers": [{"n": n, "href": href(n), "current": n == self.page} for n in window],
        }
