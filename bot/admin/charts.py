"""Tiny server-side charts: inline SVG a page embeds, so the console needs no chart library or JS.

Two shapes cover the dashboard: horizontal bars (categories with long Chinese
names read best left of their bar) and a line over months. Colours and fonts
come from admin.css through class names; every text is escaped.
"""
from __future__ import annotations

from markupsafe import Markup, escape

LABEL_WIDTH = 132   # room for a label of about eight Chinese characters
VALUE_ROOM = 56     # right of the longest bar, for its number
ROW = 26


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(items: list[tuple[str, float]], title: str, width: int = 480, value_text=_number) -> Markup:
    """One horizontal bar per (label, value), longest first as given; `value_text` words the number."""
    top = max((value for _, value in items), default=0) or 1
    span = width - LABEL_WIDTH - VALUE_ROOM
    body = []
    for i, (label, value) in enumerate(items):
        y = i * ROW
        length = max(value / top * span, 1 if value else 0)
        body.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW - 8}" rx="3"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 17}">'
            f'{escape(value_text(value))}</text>')
    return _svg(width, max(len(items), 1) * ROW, title, body)


def line_chart(points: list[tuple[str, float]], title: str, width: int = 480, height: int = 200) -> Markup:
    """A line through (label, value) points left to right, each point labelled with its value."""
    left, right, top, bottom = 28, 28, 22, 26
    high = max((value for _, value in points), default=0) or 1
    step = (width - left - right) / max(len(points) - 1, 1)
    plot = height - top - bottom

    def at(i: int, value: float) -> tuple[float, float]:
        return left + i * step, top + plot - value / high * plot

    coords = [at(i, value) for i, (_, value) in enumerate(points)]
    body = [f'<line class="chart-axis" x1="{left}" y1="{top + plot}" x2="{width - right}" y2="{top + plot}"/>',
            '<polyline class="chart-line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>']
    for (label, value), (x, y) in zip(points, coords):
        body.append(
            f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>'
            f'<text class="chart-value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">{escape(_number(value))}</text>'
            f'<text class="chart-label" x="{x:.1f}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>')
    return _svg(width, height, title, body)
