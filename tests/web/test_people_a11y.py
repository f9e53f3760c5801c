"""The ageing-friendly numbers in the shared stylesheet: contrast, line height, tap targets, elder sizes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = re.sub(
    r"/\*.*?\*/",
    "",
    (Path(__file__).resolve().parents[2] / "pointsbank" / "static" / "css" / "app.css").read_text(),
    flags=re.DOTALL,
)
VARS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    "text, background",
    [
        ("fg", "bg"),
        ("fg", "card"),
        ("muted", "bg"),
        ("muted", "card"),
        ("primary", "card"),
        ("primary-fg", "primary"),
        ("ok", "card"),
        ("warn", "card"),
        ("err", "card"),
        ("err", "bg"),
    ],
)
def test_text_contrast_at_least_4_5(text, background):
    assert contrast(VARS[text], VARS[background]) >= 4.5


def test_link_colour_contrast():
    link = re.search(r"\ba\s*\{\s*color:\s*(#[0-9a-fA-F]{6})", CSS).group(1)
    assert contrast(link, VARS["bg"]) >= 4.5 and contrast(link, VARS["card"]) >= 4.5


def test_line_height_and_sizes():
    body_line_height = float(re.search(r"body\s*\{[^}]*line-height:\s*([\d.]+)", CSS).group(1))
    assert body_line_height >= 1.3
    assert re.search(r"--tap:\s*44px", CSS), "tap targets at least 44px in the standard view"
    elder = re.search(r"html\.elder\s*\{([^}]*)\}", CSS).group(1)
    assert int(re.search(r"font-size:\s*(\d+)px", elder).group(1)) >= 18
    assert int(re.search(r"--tap:\s*(\d+)px", elder).group(1)) >= 60


def test_no_fixed_pixel_font_sizes_outside_the_root():
    """Sizes in rem follow the elder switch; a px font size elsewhere would not grow."""
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", CSS)
    fixed = [sel.strip() for sel, body in rules if re.search(r"font-size:\s*\d+px", body)]
    assert set(fixed) <= {":root", "html.elder"}, fixed
