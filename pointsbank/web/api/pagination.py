"""Shared pagination for /api/v1 lists: the page arguments and the page answer (each page schema keeps its fields)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

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


def page_of_query(query: sa.Select, args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of a query's rows (items, total, page, per_page), counted and cut in the database."""
    from pointsbank.extensions import db

    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return page_of(items, args, total=total)
