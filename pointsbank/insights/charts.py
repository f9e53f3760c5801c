"""Weekly trend charts drawn on the server as small SVG bar charts (the numbers sit in a table beside them)."""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 320, 120, 18


def weekly_bars(weekly: list[dict[str, Any]], key: str, title: str) -> Markup:
    """One bar per week of `key`; the SVG is labelled and hidden from screen readers' table reading."""
    values = [float(row.get(key) or 0) for row in weekly]
    top = max(values + [1.0])
    step = (WIDTH - 2 * PAD) / max(len(values), 1)
    bars = []
    for i, value in enumerate(values):
        h = (HEIGHT - 2 * PAD) * value / top
        x = PAD + i * step + step * 0.15
        y = HEIGHT - PAD - h
        label = escape(f"{weekly[i]['week']}: {value:g}")
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="#2f6f4f">'
            f"<title>{label}</title></rect>"
        )
    axis = f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#555"/>'
    peak = f'<text x="{PAD}" y="{PAD - 4}" font-size="11" fill="#333">{top:g}</text>'
    return Markup(
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet">{axis}{peak}{"".join(bars)}</svg>'
    )
