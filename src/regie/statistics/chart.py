"""A pivot as a bar chart: server-side SVG, one bar per row (its total), every bar titled.

No script and no inline style (the Content-Security-Policy allows neither): presentation
attributes only. The table stays under the chart, so the numbers remain readable by all.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH, ROW_HEIGHT = 220, 400, 110, 26


def bar_chart(rows: list[tuple[str, int]], *, title: str, formatted) -> SafeString:
    """Return an accessible SVG of horizontal bars; ``formatted`` turns a value into text."""
    largest = max((abs(value) for _label, value in rows), default=0) or 1
    negative = any(value < 0 for _label, value in rows)
    zero = LABEL_WIDTH + (BAR_WIDTH // 2 if negative else 0)
    scale = (BAR_WIDTH // 2 if negative else BAR_WIDTH) / largest
    height = ROW_HEIGHT * len(rows) + 10
    bars = format_html_join(
        "",
        BAR,
        (
            _bar(index, label, value, zero=zero, scale=scale, formatted=formatted)
            for index, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%"'
        ' role="img" aria-labelledby="chart-title"><title id="chart-title">{}</title>{}'
        '<line x1="{}" y1="0" x2="{}" y2="{}" stroke="#333"/></svg>',
        LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
        height,
        title,
        bars,
        zero,
        zero,
        height,
    )


BAR = (
    '<g><title>{}</title><text x="{}" y="{}" text-anchor="end" font-size="13">{}</text>'
    '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5f8b"/>'
    '<text x="{}" y="{}" font-size="13">{}</text></g>'
)


def _bar(index: int, label: str, value: int, *, zero: int, scale: float, formatted) -> tuple:
    """Return the values of one bar's template: its title, label, rectangle and value."""
    y = index * ROW_HEIGHT + 5
    length = round(abs(value) * scale)
    short = label if len(label) <= 30 else label[:29] + "…"
    return (
        f"{label}: {formatted(value)}",
        LABEL_WIDTH - 8,
        y + 16,
        short,
        zero - length if value < 0 else zero,
        y + 3,
        max(length, 1),
        ROW_HEIGHT - 8,
        LABEL_WIDTH + BAR_WIDTH + 6,
        y + 16,
        formatted(value),
    )
