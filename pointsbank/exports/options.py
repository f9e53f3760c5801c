"""The communities and streets a user may export, for the exports page's picker."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.people.models import Community, Street
from pointsbank.people.scope import communities_in_view


def scopes(user) -> list[tuple[str, str]]:
    """(value, label) pairs: each community in view, then each street holding one."""
    ids = communities_in_view(user)
    if not ids:
        return []
    communities = db.session.scalars(sa.select(Community).where(Community.id.in_(ids)).order_by(Community.id)).all()
    street_ids = {c.street_id for c in communities if c.street_id}
    streets = db.session.scalars(sa.select(Street).where(Street.id.in_(street_ids)).order_by(Street.id)).all()
    return [(f"community:{c.id}", c.name) for c in communities] + [(f"street:{s.id}", s.name) for s in streets]
