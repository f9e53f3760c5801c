"""Shared pagination for /api/v1 lists: the page arguments and the page answer (each page schema keeps its fields)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import marshmallow as ma

PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
PAGE_MAX = 100_000


class PageArgsSchema(ma.Schema):
    """?page= (from 1) and ?per_page= (1 to 100, default 20); list query schemas extend it."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=PAGE_MAX))
    per_page = ma.fields.Integer(load_default=PER_PAGE_DEFAULT, validate=ma.validate.Range(min=1, max=PER_PAGE_MAX))


def page_of(items: Sequence[Any], args: Mapping[str, Any], total: int | None = None) -> dict[str, Any]:
    """One page answer (items, total, page, per_page); without a total, items is the whole list and is cut here."""
    page, per_page = args["page"], args["per_page"]
    if total is None:
        total = len(items)
        items = items[(page - 1) * per_page : page * per_page]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
