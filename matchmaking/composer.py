"""The one place where the text of a demand, profile or scenario is composed.

The text that is embedded, searched with and explained is the record's title, its description or
summary, its domain(s) and its keywords, one per line, empty parts left out. Indexing, matching,
explanations and the benchmarks all compose it here, so a query document and an indexed document
are always worded the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def compose(title: str = "", body: str = "", domains: Iterable[str] = (), keywords: Iterable[str] = ()) -> str:
    parts = [title or "", body or "", " ".join(domains), " ".join(keywords)]
    return "\n".join(p for p in parts if p)


def document_text(doc) -> str:
    """Text of a ``SearchDocument``."""
    return compose(doc.title, doc.body, doc.domains, doc.keywords)


def stored_text(document: Mapping[str, Any]) -> str:
    """Text of a stored document (a search hit's ``document`` mapping), composed as at indexing time."""
    return compose(
        document.get("title") or "",
        document.get("body") or "",
        [str(d) for d in document.get("domains") or []],
        [str(k) for k in document.get("keywords") or []],
    )


def query_text(doc) -> str:
    """What a stored document searches with (its e5 ``query:`` vector is stored at write time):
    a demand for profiles, a profile for demands, a scenario for similar scenarios. Scenarios search
    without their tags (title, summary and domain), as the similar-scenarios query always has."""
    if doc.kind == "scenario":
        return compose(doc.title, doc.body, doc.domains)
    return document_text(doc)
