"""Stock: the one guarded way it changes, manual intake and adjustments, movement lists and the consistency check."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.errors import Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.stations.models import Item, Station, StockMovement
from pointsbank.stations.scope import can_operate

MANUAL_STOCK_REASONS = ("intake", "donation", "adjustment")


def out_of_stock(name: str = "") -> Refused:
    """The refusal when goods have run out."""
    return Refused("out_of_stock", _l("Not enough in stock: %(name)s.", name=name), details={"item": name})


def move_stock(
    item: Item,
    delta: int,
    reason: str,
    *,
    actor_id: int | None,
    note: str = "",
    redemption_id: int | None = None,
    reservation_id: int | None = None,
) -> StockMovement:
    """The one way stock changes for one item (see move_stocks); returns the movement row."""
    _change_stock([(item, delta)])
    movement = StockMovement(
        item_id=item.id,
        delta=delta,
        reason=reason,
        note=(note or "")[:200],
        actor_id=actor_id,
        redemption_id=redemption_id,
        reservation_id=reservation_id,
    )
    db.session.add(movement)
    return movement


def move_stocks(
    moves: list[tuple[Item, int]],
    reason: str,
    *,
    actor_id: int | None,
    note: str = "",
    redemption_id: int | None = None,
    reservation_id: int | None = None,
) -> None:
    """The one way stock changes: one guarded UPDATE (no item below zero) plus one INSERT of every movement row.

    Items are updated in id order (the lock order); if any item would go below zero nothing changes.
    """
    moves = _change_stock(moves)
    db.session.execute(
        sa.insert(StockMovement.__table__),
        [
            {
                "item_id": item.id,
                "delta": delta,
                "reason": reason,
                "note": (note or "")[:200],
                "actor_id": actor_id,
                "redemption_id": redemption_id,
                "reservation_id": reservation_id,
            }
            for item, delta in moves
        ],
    )


def _change_stock(moves: list[tuple[Item, int]]) -> list[tuple[Item, int]]:
    """The guarded stock UPDATE of move_stocks; returns the moves in id order."""
    moves = sorted(moves, key=lambda m: m[0].id)
    if not moves or any(delta == 0 for _, delta in moves):
        raise Invalid("invalid_quantity", _l("Enter a quantity other than zero."))
    deltas = {item.id: delta for item, delta in moves}
    table = Item.__table__  # a Core UPDATE: the ORM's bulk-update bookkeeping is not needed here
    change = sa.case(deltas, value=table.c.id) if len(deltas) > 1 else next(iter(deltas.values()))
    ids = sorted(deltas)
    target = table.c.id.in_(ids)
    if len(ids) > 1 and db.session.get_bind().dialect.name == "postgresql":
        # Lock the rows in id order first: an UPDATE alone takes them in scan order and two baskets deadlock.
        locked = sa.select(table.c.id).where(target).order_by(table.c.id).with_for_update().cte("locked")
        target = table.c.id.in_(sa.select(locked.prefix_with("MATERIALIZED").c.id))
    rows = db.session.execute(
        sa.update(table)
        .where(target, table.c.stock + change >= 0)
        .values(stock=table.c.stock + change)
        .returning(table.c.id, table.c.stock)
    ).all()
    new_stock = dict(rows)
    if len(new_stock) != len(deltas):
        # Raising rolls the unit back, so the rows that did change are restored too.
        short = next(item for item, _ in moves if item.id not in new_stock)
        raise out_of_stock(short.name)
    for item, _delta in moves:
        sa.orm.attributes.set_committed_value(item, "stock", new_stock[item.id])
    return moves


def items_by_id(item_ids: Iterable[int]) -> dict[int, Item]:
    """Items by id, loaded in id order (the lock order)."""
    ids = sorted(set(item_ids))
    return {i.id: i for i in db.session.scalars(sa.select(Item).where(Item.id.in_(ids)).order_by(Item.id))}


def record_stock(actor: User, item: Item, delta: int, reason: str, note: str = "") -> StockMovement:
    """Intake, donated goods (爱心捐赠入库) or an adjustment with a reason, by station staff."""
    if not can_operate(actor, item.station):
        raise NotFound("item_not_found")
    if reason not in MANUAL_STOCK_REASONS:
        raise Invalid("invalid_reason", _l("Choose intake, donation or adjustment."))
    if not item.tracks_stock:
        raise Invalid("no_stock_for_service", _l("Services have no stock."))
    if reason in ("intake", "donation") and delta <= 0:
        raise Invalid("invalid_quantity", _l("Intake adds a quantity above zero."))
    if reason == "adjustment" and not (note or "").strip():
        raise Invalid("reason_required", _l("Say why the stock is adjusted."))
    if abs(delta) > 100_000:
        raise Invalid("invalid_quantity", _l("Enter a quantity other than zero."))
    before = item.stock
    movement = move_stock(item, delta, reason, actor_id=actor.id, note=note)
    db.session.flush()
    audit.record(
        "stock.changed",
        actor_id=actor.id,
        community_id=item.station.community_id,
        subject=("item", item.id),
        details={"reason": reason, "delta": delta, "before": {"stock": before}, "after": {"stock": item.stock}},
    )
    return movement


def stock_mismatches(item_ids: Iterable[int] | None = None) -> list[tuple[int, int, int]]:
    """Items whose cached stock differs from the sum of their movements: (item id, stock, sum)."""
    sums = (
        sa.select(StockMovement.item_id, sa.func.sum(StockMovement.delta).label("total"))
        .group_by(StockMovement.item_id)
        .subquery()
    )
    query = sa.select(Item.id, Item.stock, sa.func.coalesce(sums.c.total, 0)).outerjoin(sums, sums.c.item_id == Item.id)
    query = query.where(Item.stock != sa.func.coalesce(sums.c.total, 0))
    if item_ids is not None:
        query = query.where(Item.id.in_(list(item_ids)))
    return [tuple(row) for row in db.session.execute(query)]


def movements_query(item: Item) -> sa.Select:
    """An item's stock movements, newest first."""
    return sa.select(StockMovement).where(StockMovement.item_id == item.id).order_by(StockMovement.id.desc())


def recent_movements(station: Station, limit: int = 20) -> list[tuple[StockMovement, str]]:
    """A station's latest stock movements with the item name, newest first."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(StockMovement, Item.name)
            .join(Item, Item.id == StockMovement.item_id)
            .where(Item.station_id == station.id)
            .order_by(StockMovement.id.desc())
            .limit(limit)
        )
    ]
