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


def paired_bars(rows: list[dict[str, Any]], keys: tuple[str, str], names: tuple[str, str], title: str) -> Markup:
    """Two bars per row (e.g. issued and redeemed per month), solid and outlined, with a legend in words."""
    values = [[float(row.get(k) or 0) for k in keys] for row in rows]
    top = max([v for pair in values for v in pair] + [1.0])
    step = (WIDTH - 2 * PAD) / max(len(values), 1)
    styles = ('fill="#2f6f4f"', 'fill="#ffffff" stroke="#8a4b08" stroke-width="1.5"')
    bars = []
    for i, pair in enumerate(values):
        for j, value in enumerate(pair):
            h = (HEIGHT - 2 * PAD) * value / top
            x = PAD + i * step + step * (0.1 + 0.4 * j)
            label = escape(f"{rows[i]['month']} {names[j]}: {value:g}")
            bars.append(
                f'<rect x="{x:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{step * 0.38:.1f}" height="{h:.1f}" '
                f"{styles[j]}><title>{label}</title></rect>"
            )
    axis = f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#555"/>'
    peak = f'<text x="{PAD}" y="{PAD - 4}" font-size="11" fill="#333">{top:g}</text>'
    legend = "".join(
        f'<rect x="{80 + 115 * j}" y="4" width="10" height="10" {styles[j]}/>'
        f'<text x="{94 + 115 * j}" y="13" font-size="11" fill="#333">{escape(names[j])}</text>'
        for j in range(2)
    )
    return Markup(
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet">{axis}{peak}{legend}{"".join(bars)}</svg>'
    )
