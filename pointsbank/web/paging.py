"""Paging for the HTML pages: the ?page= argument read safely."""

from __future__ import annotations

from flask import request

from pointsbank.schemas import PAGE_MAX


def page_arg() -> int:
    """The ?page= argument: 1 when missing or not a number, kept within 1..PAGE_MAX."""
    value = request.args.get("page", type=int) or 1
    return max(1, min(value, PAGE_MAX))
