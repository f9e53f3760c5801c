"""Baskets: lines checked and priced, per-resident item limits per period, points available, memos."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import advisory_lock, prepared
from pointsbank.errors import Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.models import User
from pointsbank.stations.models import Item, Redemption, RedemptionLine, Reservation, ReservationLine, Station
from pointsbank.stations.scope import MAX_ID
from pointsbank.stations.stock import out_of_stock

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_LINES = 20
MAX_QTY = 99
LIMIT_LOCK = 7101  # advisory lock name spaces (PostgreSQL)
KEY_LOCK = 7102


@dataclass
class PricedLine:
    item: Item
    qty: int

    @property
    def points(self) -> int:
        return self.item.points * self.qty


def normalise_lines(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Merge a basket's lines by item and check ids and quantities."""
    merged: dict[int, int] = defaultdict(int)
    for item_id, qty in lines:
        if not isinstance(item_id, int) or not 0 < item_id <= MAX_ID:
            raise NotFound("item_not_found", _l("This item does not exist."))
        if not isinstance(qty, int) or qty <= 0 or qty > MAX_QTY:
            raise Invalid("invalid_quantity", _l("Each quantity is between 1 and %(max)s.", max=MAX_QTY))
        merged[int(item_id)] += qty
    if not merged:
        raise Invalid("no_items", _l("Pick at least one item."))
    if len(merged) > MAX_LINES or any(q > MAX_QTY for q in merged.values()):
        raise Invalid("invalid_quantity", _l("Each quantity is between 1 and %(max)s.", max=MAX_QTY))
    return dict(merged)


def price_lines(station: Station, lines: Iterable[tuple[int, int]]) -> list[PricedLine]:
    """Load the items of the lines in one query, in id order (the lock order); check station and state."""
    merged = normalise_lines(lines)
    items = db.session.scalars(prepared(sa.select(Item).where(Item.id.in_(merged)).order_by(Item.id))).all()
    if len(items) != len(merged):
        raise NotFound("item_not_found", _l("This item does not exist."))
    for item in items:
        if item.station_id != station.id:
            raise Refused("wrong_station", _l("This item belongs to another station."))
        if not item.active:
            raise Refused("item_inactive", _l("%(name)s is not offered at the moment.", name=item.name))
        if item.tracks_stock and item.stock < merged[item.id]:
            raise out_of_stock(item.name)
    return [PricedLine(item, merged[item.id]) for item in items]


def period_start(period: str, now: datetime) -> datetime:
    """Start of the day, week (Monday) or month containing now, in Asia/Shanghai, as UTC."""
    local = now.astimezone(SHANGHAI).date()
    if period == "week":
        local -= timedelta(days=local.weekday())
    elif period == "month":
        local = local.replace(day=1)
    return datetime.combine(local, time.min, tzinfo=SHANGHAI)


def check_limits(resident: User, priced: list[PricedLine], now: datetime) -> None:
    """Refuse over_limit when a line would pass the item's limit per resident per period."""
    limited = [p for p in priced if p.item.limit_qty]
    if not limited:
        return
    advisory_lock(LIMIT_LOCK, resident.id)  # counted and written under one lock per resident: no split
    starts = {p.item.id: period_start(p.item.limit_period, now) for p in limited}
    since = min(starts.values())
    ids = list(starts)
    done = (
        sa.select(RedemptionLine.item_id, RedemptionLine.qty, Redemption.created_at)
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(
            Redemption.resident_id == resident.id,
            Redemption.status == "done",
            Redemption.reservation_id.is_(None),
            RedemptionLine.item_id.in_(ids),
            Redemption.created_at >= since,
        )
    )
    reserved = (
        sa.select(ReservationLine.item_id, ReservationLine.qty, Reservation.created_at)
        .join(Reservation, Reservation.id == ReservationLine.reservation_id)
        .where(
            Reservation.resident_id == resident.id,
            Reservation.status.in_(("pending", "picked_up")),
            ReservationLine.item_id.in_(ids),
            Reservation.created_at >= since,
        )
    )
    used: dict[int, int] = defaultdict(int)
    for item_id, qty, created_at in db.session.execute(sa.union_all(done, reserved)):
        if aware(created_at) >= starts[item_id]:
            used[item_id] += qty
    for p in limited:
        if used[p.item.id] + p.qty > p.item.limit_qty:
            left = max(p.item.limit_qty - used[p.item.id], 0)
            raise Refused(
                "over_limit",
                _l("Over the limit for %(name)s: %(left)s more this period.", name=p.item.name, left=left),
                details={"item": p.item.name, "left": left},
            )


def aware(value: datetime) -> datetime:
    """A stored time as aware UTC (SQLite keeps no offset)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def memo_for(priced: Iterable[PricedLine], prefix: str = "兑换") -> str:
    """The resident's statement line: 兑换：大米 5kg ×1、食用油 ×2."""
    text = f"{prefix}：" + "、".join(f"{p.item.name} ×{p.qty}" for p in priced)
    return text if len(text) <= 160 else text[:159] + "…"


def request_hash(data: dict) -> str:
    """A stable hash of a request body, to tell a replay from another request under the same key."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def available_points(resident: User) -> int:
    """Points the resident can spend now (balance minus points on hold)."""
    return ledger.balance(ledger.resident_account(resident)).available
