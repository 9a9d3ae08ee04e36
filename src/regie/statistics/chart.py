"""A pivot as a chart: server-side SVG, every bar or point titled with its label and value.

Bars (:func:`bar_chart`): one per row, its total. Lines (:func:`line_chart`), when the rows
are months or days: one line per column (or the total), in date order.

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


#: Okabe–Ito colours (distinguishable with colour blindness) and dash patterns, so that lines
#: differ by more than their colour.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D1F")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3")
MAX_SERIES = len(COLOURS)
LEFT, TOP, PLOT_WIDTH, PLOT_HEIGHT, BOTTOM = 100, 12, 600, 240, 40
TICKS = 4


def line_chart(
    labels: list[str], series: list[tuple[str, list[int]]], *, title: str, formatted
) -> SafeString:
    """Return an accessible SVG of lines over ``labels`` (months or days, in order): one line
    per series (at most eight; the table under the chart holds them all), each point titled
    with its series, label and value, a legend naming each line by colour and dash."""
    series = series[:MAX_SERIES]
    values = [value for _name, points in series for value in points]
    step = nice_step(max([0, *values]) - min([0, *values]))
    low, high = min([0, *values]) // step * step, -(-max([0, *values]) // step) * step
    high = max(high, low + step)
    span = high - low

    def x(index: int) -> float:
        return LEFT + (
            PLOT_WIDTH * index / (len(labels) - 1) if len(labels) > 1 else PLOT_WIDTH / 2
        )

    def y(value: int) -> float:
        return TOP + PLOT_HEIGHT * (high - value) / span

    ticks = list(range(low, high + 1, step))
    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ccc"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>',
        (
            (
                LEFT,
                round(y(t), 1),
                LEFT + PLOT_WIDTH,
                round(y(t), 1),
                LEFT - 6,
                round(y(t) + 4, 1),
                formatted(t),
            )
            for t in ticks
        ),
    )
    step = max(1, -(-len(labels) // 12))  # at most about twelve labels under the axis
    axis = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="12">{}</text>',
        (
            (round(x(i), 1), TOP + PLOT_HEIGHT + 18, label)
            for i, label in enumerate(labels)
            if i % step == 0
        ),
    )
    lines = format_html_join(
        "",
        "{}",
        (
            (_line(n, name, points, labels, x, y, formatted),)
            for n, (name, points) in enumerate(series)
        ),
    )
    legend_top = TOP + PLOT_HEIGHT + BOTTOM
    legend = format_html_join(
        "",
        '<g><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>'
        '<text x="{}" y="{}" font-size="13">{}</text></g>',
        (
            (
                LEFT,
                legend_top + 20 * n + 6,
                LEFT + 30,
                legend_top + 20 * n + 6,
                COLOURS[n],
                _dash(n),
                LEFT + 38,
                legend_top + 20 * n + 11,
                name,
            )
            for n, (name, _points) in enumerate(series)
        ),
    )
    height = legend_top + 20 * len(series) + 6
    return format_html(
        '<svg class="chart line-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}"'
        ' width="100%" role="img" aria-labelledby="chart-title"><title id="chart-title">{}</title>'
        '{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>{}{}{}</svg>',
        LEFT + PLOT_WIDTH + 40,
        height,
        title,
        grid,
        LEFT,
        round(y(0), 1),
        LEFT + PLOT_WIDTH,
        round(y(0), 1),
        axis,
        lines,
        legend,
    )


def nice_step(span: int) -> int:
    """Return a round step (1, 2 or 5 times a power of ten) giving about four ticks.

    >>> nice_step(12500), nice_step(15700), nice_step(0)
    (5000, 5000, 1)
    """
    rough = max(span / TICKS, 1)
    power = 10 ** (len(str(int(rough))) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _dash(n: int) -> SafeString:
    return format_html(' stroke-dasharray="{}"', DASHES[n]) if DASHES[n] else SafeString("")


def _line(n: int, name: str, points: list[int], labels, x, y, formatted) -> SafeString:
    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(points))
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="4" fill="{}"><title>{} – {}: {}</title></circle>',
        (
            (round(x(i), 1), round(y(v), 1), COLOURS[n], name, labels[i], formatted(v))
            for i, v in enumerate(points)
        ),
    )
    return format_html(
        '<g><polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"{}/>{}</g>',
        path,
        COLOURS[n],
        _dash(n),
        dots,
    )
