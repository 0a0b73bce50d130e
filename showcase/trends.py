"""An indicator over time, drawn on the server as an SVG line chart (one series, labelled points).
Labels are escaped here because the result is inserted into templates as markup."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from showcase.charts import PALETTE

WIDTH, HEIGHT = 400, 190
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 36


def fmt_number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def line_chart(points: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """``points`` are (period label, value) in time order."""
    if not points:
        return Markup(f'<p class="muted">{escape(title)}：暂无数据</p>')
    values = [float(v) for _, v in points]
    low, high = min(0.0, min(values)), max(values)
    span = (high - low) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(points) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = LEFT + (i * step if len(points) > 1 else plot_w / 2)
        return x, TOP + plot_h - (v - low) / span * plot_h

    parts = [
        (
            f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
            f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        ),
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#999"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" class="chart-value">{fmt_number(high)}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" class="chart-value">{fmt_number(low)}</text>',
    ]
    coords = [xy(i, v) for i, v in enumerate(values)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[1]}" stroke-width="2.5"/>')
    every = max(1, len(points) // 8)  # at most ~8 period labels on a phone-width axis
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        text = f"{escape(str(label))}：{fmt_number(float(value))}{escape(unit)}"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[0]}"><title>{text}</title></circle>')
        if i % every == 0 or i == len(points) - 1:
            anchor = "start" if i == 0 and len(points) > 1 else "end" if i == len(points) - 1 and i else "middle"
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 14}" text-anchor="{anchor}" class="chart-label">'
                f"{escape(str(label))}</text>"
            )
    last_x, last_y = coords[-1]
    parts.append(
        f'<text x="{last_x - 8:.1f}" y="{max(last_y - 10, TOP + 8):.1f}" '
        f'text-anchor="end" class="chart-value">{fmt_number(values[-1])}{escape(unit)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
