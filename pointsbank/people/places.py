"""The community hierarchy 区 › 街道 › 社区 › 网格: add, rename, delete, the whole tree (admins)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people.models import Community, District, Grid, RoleGrant, Street, User

# ------------------------------------------------------------------------------------

HIERARCHY = {"district": District, "street": Street, "community": Community, "grid": Grid}
PARENT = {"street": ("district_id", District), "community": ("street_id", Street), "grid": ("community_id", Community)}
CHILDREN = {"district": "streets", "street": "communities", "community": "grids"}


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid("invalid_name", _l("Enter a name of 1 to 80 characters."))
    return name


def _sibling_exists(kind: str, name: str, parent_id: int | None, exclude_id: int | None = None) -> bool:
    model = HIERARCHY[kind]
    query = sa.select(model.id).where(model.name == name)
    if kind in PARENT:
        query = query.where(getattr(model, PARENT[kind][0]) == parent_id)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def add_place(kind: str, name: str, parent_id: int | None = None):
    """Add a district, street, community or grid under its parent; names are unique among siblings."""
    if kind not in HIERARCHY:
        raise NotFound()
    name = _clean_name(name)
    fields: dict = {"name": name}
    if kind in PARENT:
        column, parent_model = PARENT[kind]
        if parent_id is None or db.session.get(parent_model, parent_id) is None:
            raise NotFound("parent_not_found", _l("The place above it does not exist."))
        fields[column] = parent_id
    if _sibling_exists(kind, name, parent_id):
        raise Conflict("duplicate_name", _l("This name is already used here."))
    place = HIERARCHY[kind](**fields)
    db.session.add(place)
    db.session.flush()
    return place


def get_place(kind: str, place_id: int):
    """A place of the hierarchy by kind and id, or NotFound."""
    model = HIERARCHY.get(kind)
    place = db.session.get(model, place_id) if model is not None else None
    if place is None:
        raise NotFound()
    return place


def rename_place(kind: str, place_id: int, name: str):
    """Rename a place; the new name must be free among its siblings."""
    place = get_place(kind, place_id)
    name = _clean_name(name)
    parent_id = getattr(place, PARENT[kind][0]) if kind in PARENT else None
    if _sibling_exists(kind, name, parent_id, exclude_id=place.id):
        raise Conflict("duplicate_name", _l("This name is already used here."))
    place.name = name
    db.session.flush()
    return place


def delete_place(kind: str, place_id: int) -> None:
    """Delete an empty place; one with places, people or stations under it is refused."""
    place = get_place(kind, place_id)
    in_use = bool(getattr(place, CHILDREN[kind])) if kind in CHILDREN else False
    if kind == "community":
        from pointsbank.stations.models import Station

        in_use = in_use or db.session.scalar(sa.select(sa.func.count()).where(User.community_id == place.id)) > 0
        in_use = in_use or db.session.scalar(sa.select(sa.func.count()).where(Station.community_id == place.id)) > 0
        in_use = in_use or db.session.scalar(sa.select(sa.func.count()).where(RoleGrant.community_id == place.id)) > 0
    if kind == "grid":
        in_use = db.session.scalar(sa.select(sa.func.count()).where(User.grid_id == place.id)) > 0
    if in_use:
        raise Refused("place_in_use", _l("It still has places, people or stations; it cannot be deleted."))
    db.session.delete(place)
    db.session.flush()


def hierarchy_tree() -> list[District]:
    """Every district with its streets, communities and grids loaded in a few queries."""
    return list(
        db.session.scalars(
            sa.select(District)
            .order_by(District.id)
            .options(selectinload(District.streets).selectinload(Street.communities).selectinload(Community.grids))
        )
    )
