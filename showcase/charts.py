"""Charts drawn on the server as SVG: horizontal bars and a funnel. Labels are escaped here
because the result is inserted into templates as markup.

Legibility: the SVG scales with its box, so its drawing width is chosen small enough that text stays
at least 12 px on a 390 px phone (the stylesheet caps how wide a chart grows on a desktop), and the
label column is as wide as the longest label so no label is clipped. Every bar may link to the list
behind it (``href`` with ``{key}``); a chart with links is a group of links, not one image."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from markupsafe import Markup

WIDTH = 360  # drawing units; shown 330–440 px wide, so 14-unit text is 12.8–17 px
FONT = 14
BAR_HEIGHT = 22
GAP = 10
VALUE_WIDTH = 64
PALETTE = ("#0b5cad", "#1d7a8c", "#2f855a", "#8a5a00", "#9b2c2c", "#6b46c1")

Row = tuple[str, float] | tuple[str, float, str]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def text_width(text: str, font: float = FONT) -> float:
    """Width of ``text`` in drawing units: CJK and other wide characters take a full em, the rest
    about 0.6 em (enough for digits and Latin letters in the system fonts)."""
    return sum(font if ord(ch) > 0x2E7F else font * 0.6 for ch in text)


def _key(row: Row) -> str:
    return str(row[2]) if len(row) > 2 else str(row[0])


def _open(title: str, height: float, linked: bool) -> str:
    role = 'role="group"' if linked else 'role="img"'
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" {role} '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">'
        f"<title>{escape(title)}</title>"
    )


def _link(href: str | None, row: Row, label: str, value: float, unit: str, inner: str) -> str:
    if not href:
        return inner
    url = escape(href.format(key=quote(_key(row)), label=quote(str(row[0]))))
    return f'<a href="{url}" aria-label="{escape(label)}：{_fmt(value)}{escape(unit)}">{inner}</a>'


def bar_chart(rows: Sequence[Row], *, title: str, unit: str = "", href: str | None = None) -> Markup:
    """Horizontal bars, one per (label, value[, key]), in the order given. ``href`` may contain
    ``{key}`` (the row's key, else its label) or ``{label}``, URL-quoted, to link each bar."""
    if not rows:
        return Markup(f'<p class="muted">{escape(title)}：暂无数据</p>')
    top = max((float(r[1]) for r in rows), default=0) or 1
    label_width = max(text_width(str(r[0])) for r in rows) + 10
    plot = max(WIDTH - label_width - VALUE_WIDTH, 40)
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    parts = [_open(title, height, bool(href))]
    for i, row in enumerate(rows):
        label, value = str(row[0]), float(row[1])
        y = GAP + i * (BAR_HEIGHT + GAP)
        w = max(2.0, plot * value / top)
        text = escape(label)
        inner = (
            f'<text x="{label_width - 6:.1f}" y="{y + 16}" text-anchor="end" class="chart-label">{text}</text>'
            f'<rect x="{label_width:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" rx="3" '
            f'fill="{PALETTE[0]}"><title>{text}：{_fmt(value)}{escape(unit)}</title></rect>'
            f'<text x="{label_width + w + 5:.1f}" y="{y + 16}" class="chart-value">'
            f"{_fmt(value)}{escape(unit)}</text>"
        )
        parts.append(_link(href, row, label, value, unit, inner))
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel(rows: Sequence[Row], *, title: str, unit: str = "个", href: str | None = None) -> Markup:
    """A funnel: each stage's label on the left, a bar centred in the plot whose width is
    proportional to its count, and the count on the right (never white text on a short bar)."""
    if not rows:
        return Markup(f'<p class="muted">{escape(title)}：暂无数据</p>')
    top = max((float(r[1]) for r in rows), default=0) or 1
    label_width = max(text_width(str(r[0])) for r in rows) + 10
    value_width = max(text_width(_fmt(float(r[1])) + unit) for r in rows) + 8
    plot = max(WIDTH - label_width - value_width, 40)
    step = BAR_HEIGHT + GAP + 4
    height = len(rows) * step + GAP
    mid = label_width + plot / 2
    parts = [_open(title, height, bool(href))]
    for i, row in enumerate(rows):
        label, value = str(row[0]), float(row[1])
        y = GAP + i * step
        w = max(4.0, plot * value / top)
        text = escape(label)
        inner = (
            f'<text x="{label_width - 6:.1f}" y="{y + 17}" text-anchor="end" class="chart-label">{text}</text>'
            f'<rect x="{mid - w / 2:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT + 2}" rx="4" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{text}：{_fmt(value)}{escape(unit)}</title></rect>'
            f'<text x="{WIDTH - 2}" y="{y + 17}" text-anchor="end" class="chart-value">'
            f"{_fmt(value)}{escape(unit)}</text>"
        )
        parts.append(_link(href, row, label, value, unit, inner))
    parts.append("</svg>")
    return Markup("".join(parts))
