"""Escape first, highlight after: the text is HTML-escaped piecewise and matched spans wrapped in <mark>.

Both backends use this one function, so ``<script>`` in a title always comes out as ``&lt;script&gt;``
whatever the engine returns.
"""

from __future__ import annotations

from html import escape

SNIPPET_CHARS = 160


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        start = lowered.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = lowered.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, terms: list[str], snippet: int | None = None) -> str:
    """``text`` escaped, with each occurrence of a term wrapped in ``<mark>``; optionally cropped."""
    text = text or ""
    spans = _spans(text, [t.lower() for t in terms])
    lo, hi = 0, len(text)
    if snippet and len(text) > snippet:
        first = spans[0][0] if spans else 0
        lo = max(0, first - snippet // 4)
        hi = min(len(text), lo + snippet)
    out = ["…" if lo > 0 else ""]
    pos = lo
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:hi]))
    if hi < len(text):
        out.append("…")
    return "".join(out)


def highlights(fields: dict, terms: list[str]) -> dict[str, str]:
    """Escaped, marked title, body snippet and keywords of one document."""
    return {
        "title": mark(fields.get("title") or "", terms),
        "body": mark(fields.get("body") or "", terms, snippet=SNIPPET_CHARS),
        "keywords": mark("、".join(fields.get("keywords") or []), terms),
    }
