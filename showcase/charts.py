"""Charts drawn on the server as SVG: horizontal bars and a funnel. Labels are escaped here
because the result is inserted into templates as markup."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 150
VALUE_WIDTH = 70
PALETTE = ("#0b5cad", "#1d7a8c", "#2f855a", "#b7791f", "#9b2c2c", "#6b46c1")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 560,
              href: str | None = None) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given. ``href`` may contain
    ``{label}`` to make each label a link (the label is URL-quoted)."""
    from urllib.parse import quote

    if not rows:
        return Markup(f'<p class="muted">{escape(title)}：暂无数据</p>')
    top = max((v for _, v in rows), default=0) or 1
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR_HEIGHT + GAP)
        w = max(2.0, plot * value / top)
        text = escape(str(label))
        label_svg = (f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" class="chart-label">{text}</text>')
        if href:
            label_svg = f'<a href="{escape(href.format(label=quote(str(label))))}">{label_svg}</a>'
        parts.append(label_svg)
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" rx="3" '
                     f'fill="{PALETTE[0]}"><title>{text}：{_fmt(value)}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{LABEL_WIDTH + w + 6:.1f}" y="{y + 16}" class="chart-value">'
                     f'{_fmt(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel(rows: Sequence[tuple[str, float]], *, title: str, width: int = 560) -> Markup:
    """A centred funnel: one trapezoid-ish bar per stage, widths proportional to the counts."""
    if not rows:
        return Markup(f'<p class="muted">{escape(title)}：暂无数据</p>')
    top = max((v for _, v in rows), default=0) or 1
    step = 40
    height = len(rows) * step + 4
    mid = width / 2
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        w = max(60.0, (width - 20) * value / top)
        y = 2 + i * step
        colour = PALETTE[i % len(PALETTE)]
        text = escape(str(label))
        parts.append(f'<rect x="{mid - w / 2:.1f}" y="{y}" width="{w:.1f}" height="{step - 6}" rx="4" '
                     f'fill="{colour}"><title>{text}：{_fmt(value)}</title></rect>')
        parts.append(f'<text x="{mid}" y="{y + 22}" text-anchor="middle" class="chart-inverse">'
                     f'{text} {_fmt(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
