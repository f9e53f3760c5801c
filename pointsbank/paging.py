"""One page of a list: the answer every list gives (items, total, page, per_page), cut in Python or in the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.schemas import PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX, PageArgsSchema

__all__ = ["PAGE_MAX", "PER_PAGE_DEFAULT", "PER_PAGE_MAX", "PageArgsSchema", "page_of", "page_of_query"]


def page_of(items: Sequence[Any], args: Mapping[str, Any], total: int | None = None) -> dict[str, Any]:
    """One page answer (items, total, page, per_page); without a total, items is the whole list and is cut here."""
    page, per_page = args["page"], args["per_page"]
    if total is None:
        total = len(items)
        items = items[(page - 1) * per_page : page * per_page]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def page_of_query(query: sa.Select, args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of a query's rows (items, total, page, per_page), counted and cut in the database."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return page_of(items, args, total=total)
