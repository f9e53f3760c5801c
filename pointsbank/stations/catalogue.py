"""Stations and their items: opening and editing them, the catalogue lists, clerks and low stock."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.errors import Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.people.models import Community, RoleGrant, User
from pointsbank.stations.models import ITEM_KINDS, LIMIT_PERIODS, Item, Station
from pointsbank.stations.scope import can_manage, can_operate


def create_station(
    actor: User, community: Community, name: str, *, address: str = "", opening_hours: str = ""
) -> Station:
    """Open a station in a community the actor coordinates."""
    if not (actor.is_admin or community.id in actor.coordinated_community_ids()):
        raise NotFound("community_not_found")
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid("invalid_name", _l("Enter a name of 1 to 80 characters."))
    station = Station(
        community_id=community.id,
        name=name,
        address=address.strip(),
        opening_hours=opening_hours.strip(),
        # The community's default; the station may change it.
        low_stock_threshold=community.low_stock_default if community.low_stock_default is not None else 5,
    )
    db.session.add(station)
    db.session.flush()
    return station


def update_station(actor: User, station: Station, **fields) -> Station:
    """Change a station's name, address, opening hours, low-stock threshold or active flag."""
    if not can_manage(actor, station):
        raise NotFound("station_not_found")
    for key in ("name", "address", "opening_hours", "active", "low_stock_threshold"):
        if key in fields and fields[key] is not None:
            setattr(station, key, fields[key])
    db.session.flush()
    return station


MAX_REFERENCE_FEN = 100_000_000  # 1,000,000 yuan: anything above is a typing mistake


def _check_reference_value(fen: int | None) -> None:
    if fen is None:
        return
    if not isinstance(fen, int) or isinstance(fen, bool) or not 0 <= fen <= MAX_REFERENCE_FEN:
        raise Invalid("invalid_reference_value", _l("The reference value is zero or more, up to 1,000,000 yuan."))


def _check_item_fields(kind: str, points: int, limit_qty: int | None, limit_period: str | None) -> None:
    if kind not in ITEM_KINDS:
        raise Invalid("invalid_kind", _l("An item is goods or a service."))
    if not isinstance(points, int) or points <= 0 or points > 1_000_000:
        raise Invalid("invalid_points", _l("The price is a whole number of points above zero."))
    if (limit_qty is None) != (limit_period is None):
        raise Invalid("invalid_limit", _l("A limit needs both a quantity and a period."))
    if limit_qty is not None and (limit_qty <= 0 or limit_period not in LIMIT_PERIODS):
        raise Invalid("invalid_limit", _l("A limit needs both a quantity and a period."))


def create_item(
    actor: User,
    station: Station,
    name: str,
    points: int,
    *,
    kind: str = "goods",
    limit_qty: int | None = None,
    limit_period: str | None = None,
    active: bool = True,
    reference_value_fen: int | None = None,
) -> Item:
    """Add goods or a service to a station's catalogue (stock starts at 0; add it by intake)."""
    if not can_operate(actor, station):
        raise NotFound("station_not_found")
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid("invalid_name", _l("Enter a name of 1 to 80 characters."))
    _check_item_fields(kind, points, limit_qty, limit_period)
    _check_reference_value(reference_value_fen)
    item = Item(
        station_id=station.id,
        name=name,
        kind=kind,
        points=points,
        stock=0,
        limit_qty=limit_qty,
        limit_period=limit_period,
        active=active,
        reference_value_fen=reference_value_fen,
    )
    db.session.add(item)
    db.session.flush()
    return item


def update_item(actor: User, item: Item, **fields) -> Item:
    """Change an item's name, price, limit, reference value or active flag (stock moves only by movements)."""
    if not can_operate(actor, item.station):
        raise NotFound("item_not_found")
    kind = fields.get("kind") or item.kind
    points = fields["points"] if fields.get("points") is not None else item.points
    limit_qty = fields.get("limit_qty", item.limit_qty)
    limit_period = fields.get("limit_period", item.limit_period)
    _check_item_fields(kind, points, limit_qty, limit_period)
    if "reference_value_fen" in fields:
        _check_reference_value(fields["reference_value_fen"])
        item.reference_value_fen = fields["reference_value_fen"]
    item.kind, item.points, item.limit_qty, item.limit_period = kind, points, limit_qty, limit_period
    if fields.get("name"):
        item.name = fields["name"].strip()[:80]
    if fields.get("active") is not None:
        item.active = fields["active"]
    db.session.flush()
    return item


def item_for_staff(user: User, item_id: int) -> Item:
    """An item of a station the user works; 404 otherwise."""
    item = db.session.get(Item, item_id)
    if item is None or not can_operate(user, item.station):
        raise NotFound("item_not_found")
    return item


def is_low(item: Item, station: Station) -> bool:
    """Goods at or below the station's low-stock threshold."""
    return item.tracks_stock and item.active and item.stock <= station.low_stock_threshold


def items_query(station: Station, *, active_only: bool = False) -> sa.Select:
    """A station's items by id (only those on offer when active_only)."""
    query = sa.select(Item).where(Item.station_id == station.id).order_by(Item.id)
    return query.where(Item.active.is_(True)) if active_only else query


def items_of(station: Station, *, active_only: bool = False) -> list[Item]:
    """A station's items by id, as a list."""
    return list(db.session.scalars(items_query(station, active_only=active_only)))


def catalogue_query(user: User, station: Station) -> sa.Select:
    """The items the user sees: staff see all, residents only those on offer."""
    return items_query(station, active_only=not can_operate(user, station))


def clerks_of(station: Station) -> list[User]:
    """The clerks who work a station, by id."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == "clerk", RoleGrant.station_id == station.id)
            .order_by(User.id)
        )
    )
