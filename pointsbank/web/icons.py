"""Draws the app icons (a heart on a coin, in the bank's red) into static/icons: `python -m pointsbank.web.icons`."""

from __future__ import annotations

import math
from pathlib import Path

RED = "#b3261e"
WHITE = "#ffffff"
SIZE = 512
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def heart(cx: float = 256, cy: float = 262, scale: float = 6.4, steps: int = 96) -> list[tuple[float, float]]:
    """Points of the classic heart curve around (cx, cy)."""
    points = []
    for i in range(steps):
        t = 2 * math.pi * i / steps
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((round(cx + scale * x, 1), round(cy - scale * y, 1)))
    return points


def svg() -> str:
    """The icon as SVG (browsers that take an SVG favicon use it)."""
    poly = " ".join(f"{x},{y}" for x, y in heart())
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}">'
        f'<rect width="{SIZE}" height="{SIZE}" rx="112" fill="{RED}"/>'
        f'<circle cx="256" cy="256" r="176" fill="{WHITE}"/>'
        f'<polygon points="{poly}" fill="{RED}"/></svg>\n'
    )


def png(size: int, *, maskable: bool = False):
    """The icon drawn at 4x and scaled down (smooth edges); maskable ones fill the square."""
    from PIL import Image, ImageDraw

    big = SIZE * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=RED)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=112 * 4, fill=RED)
    radius = (150 if maskable else 176) * 4
    centre = big / 2
    draw.ellipse((centre - radius, centre - radius, centre + radius, centre + radius), fill=WHITE)
    scale = 5.4 if maskable else 6.4
    draw.polygon([(x * 4, y * 4) for x, y in heart(scale=scale, cy=256 + 6 * scale / 6.4)], fill=RED)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg(), encoding="utf-8")
    for size in (192, 512):
        png(size).save(OUT / f"icon-{size}.png", optimize=True)
    png(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    png(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    png(64).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
