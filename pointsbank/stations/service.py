"""Station services: stations, items, stock, pay and pickup codes, redemptions, cards, proxies, reports.

Services flush; the caller's unit of work commits. Points move only through the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from pointsbank.db import utcnow
from pointsbank.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Refused,
)
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Hold, Transfer
from pointsbank.people.models import Community, User
from pointsbank.stations import codes
from pointsbank.stations.models import (
    ITEM_KINDS,
    LIMIT_PERIODS,
    Item,
    PayCode,
    Proxy,
    Redemption,
    RedemptionLine,
    Reservation,
    ReservationLine,
    ResidentCard,
    Station,
    StockMovement,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAY_CODE_SECONDS = 60
SCAN_GRACE = timedelta(minutes=5)  # a scanned code stays good this long for the scanning station
RESERVATION_HOURS = 48
MAX_LINES = 20
MAX_QTY = 99
PIN_TRIES = 5
PIN_LOCK = timedelta(minutes=15)
MANUAL_STOCK_REASONS = ("intake", "donation", "adjustment")
MAX_ID = 2**31 - 1

# ---------------------------------------------------------------- scope


def can_operate(user: User, station: Station) -> bool:
    """Clerks of the station, coordinators of its community and admins work the counter."""
    return (
        user.is_admin
        or station.id in user.clerk_station_ids()
        or station.community_id in user.coordinated_community_ids()
    )


def can_manage(user: User, station: Station) -> bool:
    """Coordinators of the station's community and admins edit stations and refund."""
    return user.is_admin or station.community_id in user.coordinated_community_ids()


def can_see_catalogue(user: User, station: Station) -> bool:
    """Residents of the station's community (and its staff) see its catalogue."""
    return station.active and user.community_id == station.community_id or can_operate(user, station)


def station_for_staff(user: User, station_id: int) -> Station:
    """The station if the user works it; 404 otherwise (never reveal it exists)."""
    station = db.session.get(Station, station_id)
    if station is None or not can_operate(user, station):
        raise NotFound("station_not_found")
    return station


def station_for_resident(user: User, station_id: int) -> Station:
    """A station whose catalogue the user may see; 404 otherwise."""
    station = db.session.get(Station, station_id)
    if station is None or not can_see_catalogue(user, station):
        raise NotFound("station_not_found")
    return station


def visible_stations(user: User) -> sa.Select:
    """Stations the user may see, by id."""
    query = sa.select(Station).order_by(Station.id)
    if user.is_admin:
        return query
    conditions = [Station.id.in_(user.clerk_station_ids() or {-1})]
    conditions.append(Station.community_id.in_(user.coordinated_community_ids() or {-1}))
    if user.community_id is not None:
        conditions.append(sa.and_(Station.community_id == user.community_id, Station.active.is_(True)))
    return query.where(sa.or_(*conditions))


# ---------------------------------------------------------------- stations and items


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
        community_id=community.id, name=name, address=address.strip(), opening_hours=opening_hours.strip()
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
) -> Item:
    """Add goods or a service to a station's catalogue (stock starts at 0; add it by intake)."""
    if not can_operate(actor, station):
        raise NotFound("station_not_found")
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid("invalid_name", _l("Enter a name of 1 to 80 characters."))
    _check_item_fields(kind, points, limit_qty, limit_period)
    item = Item(
        station_id=station.id,
        name=name,
        kind=kind,
        points=points,
        stock=0,
        limit_qty=limit_qty,
        limit_period=limit_period,
        active=active,
    )
    db.session.add(item)
    db.session.flush()
    return item


def update_item(actor: User, item: Item, **fields) -> Item:
    """Change an item's name, price, limit or active flag (stock moves only by movements)."""
    if not can_operate(actor, item.station):
        raise NotFound("item_not_found")
    kind = fields.get("kind") or item.kind
    points = fields["points"] if fields.get("points") is not None else item.points
    limit_qty = fields.get("limit_qty", item.limit_qty)
    limit_period = fields.get("limit_period", item.limit_period)
    _check_item_fields(kind, points, limit_qty, limit_period)
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


# ---------------------------------------------------------------- stock


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
    rows = db.session.execute(
        sa.update(table)
        .where(table.c.id.in_(list(deltas)), table.c.stock + change >= 0)
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
    movement = move_stock(item, delta, reason, actor_id=actor.id, note=note)
    db.session.flush()
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


# ---------------------------------------------------------------- lines, limits, prices


@dataclass
class PricedLine:
    item: Item
    qty: int

    @property
    def points(self) -> int:
        return self.item.points * self.qty


def _normalise_lines(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
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
    merged = _normalise_lines(lines)
    items = db.session.scalars(sa.select(Item).where(Item.id.in_(merged)).order_by(Item.id)).all()
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
        if _aware(created_at) >= starts[item_id]:
            used[item_id] += qty
    for p in limited:
        if used[p.item.id] + p.qty > p.item.limit_qty:
            left = max(p.item.limit_qty - used[p.item.id], 0)
            raise Refused(
                "over_limit",
                _l("Over the limit for %(name)s: %(left)s more this period.", name=p.item.name, left=left),
                details={"item": p.item.name, "left": left},
            )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def memo_for(priced: Iterable[PricedLine], prefix: str = "兑换") -> str:
    """The resident's statement line: 兑换：大米 5kg ×1、食用油 ×2."""
    text = f"{prefix}：" + "、".join(f"{p.item.name} ×{p.qty}" for p in priced)
    return text if len(text) <= 160 else text[:159] + "…"


def _hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def available_points(resident: User) -> int:
    """Points the resident can spend now (balance minus points on hold)."""
    return ledger.balance(ledger.resident_account(resident)).available


# ---------------------------------------------------------------- proxies


def proxy_for(user: User, resident_id: int) -> Proxy | None:
    """The active proxy relation letting user act for the resident, if any."""
    return db.session.scalar(
        sa.select(Proxy).where(Proxy.resident_id == resident_id, Proxy.proxy_user_id == user.id, Proxy.active.is_(True))
    )


def residents_i_act_for(user: User) -> list[User]:
    """Elderly residents this user is a registered proxy for."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Proxy, Proxy.resident_id == User.id)
            .where(Proxy.proxy_user_id == user.id, Proxy.active.is_(True))
            .order_by(User.id)
        )
    )


def register_proxy(actor: User, resident: User, proxy_user: User, relation: str = "") -> Proxy:
    """Register a family member as proxy (家属代办) for a resident; by a coordinator of the resident's community."""
    coordinates = actor.is_admin or resident.community_id in actor.coordinated_community_ids()
    if resident.community_id is None or not coordinates:
        raise NotFound("resident_not_found")
    if resident.id == proxy_user.id:
        raise Invalid("invalid_proxy", _l("A resident cannot be their own proxy."))
    proxy = db.session.scalar(
        sa.select(Proxy).where(Proxy.resident_id == resident.id, Proxy.proxy_user_id == proxy_user.id)
    )
    if proxy is None:
        proxy = Proxy(resident_id=resident.id, proxy_user_id=proxy_user.id, created_by_id=actor.id)
        db.session.add(proxy)
    proxy.active = True
    proxy.relation = (relation or "")[:20]
    db.session.flush()
    return proxy


def end_proxy(actor: User, proxy: Proxy) -> Proxy:
    """Stop a proxy relation."""
    if not (actor.is_admin or proxy.resident.community_id in actor.coordinated_community_ids()):
        raise NotFound("proxy_not_found")
    proxy.active = False
    db.session.execute(  # codes the family member still holds stop working with the relation
        sa.update(PayCode)
        .where(
            PayCode.resident_id == proxy.resident_id,
            PayCode.proxy_id == proxy.proxy_user_id,
            PayCode.used_at.is_(None),
            PayCode.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return proxy


def _acting_for(user: User, resident_id: int | None) -> tuple[User, int | None]:
    """(resident, proxy user id) for a request made by user, possibly on behalf of resident_id."""
    if resident_id is None or resident_id == user.id:
        if user.community_id is None:
            raise Forbidden("not_resident", _l("Only residents have points to spend."))
        return user, None
    if not 0 < resident_id <= MAX_ID or proxy_for(user, resident_id) is None:
        raise NotFound("resident_not_found")
    resident = db.session.get(User, resident_id)
    if resident is None or resident.community_id is None or not resident.active:
        raise NotFound("resident_not_found")
    return resident, user.id


# ---------------------------------------------------------------- pay codes


def issue_pay_code(user: User, *, for_resident_id: int | None = None) -> PayCode:
    """A fresh pay code for the user (or the resident they are proxy for); older unscanned ones are revoked."""
    resident, proxy_id = _acting_for(user, for_resident_id)
    return _new_pay_code(resident, issued_by_id=user.id, proxy_id=proxy_id)


def _new_pay_code(
    resident: User,
    *,
    issued_by_id: int,
    proxy_id: int | None,
    via_card: bool = False,
    scanned_station_id: int | None = None,
) -> PayCode:
    now = utcnow()
    db.session.execute(
        sa.update(PayCode)
        .where(
            PayCode.resident_id == resident.id,
            PayCode.issued_by_id == issued_by_id,
            PayCode.used_at.is_(None),
            PayCode.revoked_at.is_(None),
            PayCode.scanned_at.is_(None),
            PayCode.expires_at > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    digits = codes.new_digits(codes.PAY_DIGITS)
    for _ in range(10):
        clash = db.session.scalar(
            sa.select(PayCode.id).where(
                PayCode.digits == digits,
                PayCode.used_at.is_(None),
                PayCode.revoked_at.is_(None),
                PayCode.expires_at > now - SCAN_GRACE,
            )
        )
        if clash is None:
            break
        digits = codes.new_digits(codes.PAY_DIGITS)
    code = PayCode(
        resident_id=resident.id,
        issued_by_id=issued_by_id,
        proxy_id=proxy_id,
        via_card=via_card,
        secret=codes.new_secret(),
        digits=digits,
        expires_at=now + timedelta(seconds=PAY_CODE_SECONDS),
        scanned_at=now if scanned_station_id else None,
        scanned_station_id=scanned_station_id,
    )
    db.session.add(code)
    db.session.flush()
    return code


def pay_code_scanned_at(resident: User, station: Station, *, issued_by_id: int) -> PayCode:
    """A pay code already scanned at this station (a code read another way: resident card, offline code)."""
    return _new_pay_code(resident, issued_by_id=issued_by_id, proxy_id=None, scanned_station_id=station.id)


def pay_payload(code: PayCode) -> str:
    """The QR text of a pay code."""
    return codes.payload(codes.PAY, code.secret)


def _pay_code_query(parsed: codes.ParsedCode) -> sa.Select:
    query = sa.select(PayCode).options(sa.orm.joinedload(PayCode.resident).lazyload(User.grants))
    if parsed.secret is not None:
        return query.where(PayCode.secret == parsed.secret)
    return query.where(PayCode.digits == parsed.digits).order_by(PayCode.id.desc()).limit(1)


def _find_pay_code(parsed: codes.ParsedCode) -> PayCode:
    code = db.session.scalar(_pay_code_query(parsed))
    if code is None:
        raise codes.invalid_code()
    return code


def _pay_code_usable(code: PayCode, station: Station, now: datetime) -> None:
    """Raise the reason a pay code cannot be used at this station now."""
    if code.used_at is not None:
        raise Conflict("already_used", _l("This code has already been used. Ask for a new one."))
    if code.revoked_at is not None:
        raise Refused("revoked", _l("This code was replaced by a newer one. Ask for the current code."))
    scanned_here = (
        code.scanned_station_id == station.id and code.scanned_at and _aware(code.scanned_at) + SCAN_GRACE > now
    )
    if _aware(code.expires_at) <= now and not scanned_here:
        raise Refused("expired", _l("This code has expired. Ask the resident to refresh it."))
    if code.scanned_station_id not in (None, station.id) and _aware(code.scanned_at) + SCAN_GRACE > now:
        raise Refused("wrong_station", _l("This code is being used at another station."))
    _same_community(code.resident, station)


def _same_community(resident: User, station: Station) -> None:
    """Points are spent only at the stations of the resident's own community."""
    if resident.community_id != station.community_id:
        raise Refused("wrong_station", _l("This resident belongs to another community; their points are spent there."))


@dataclass
class CodeInfo:
    """What a clerk sees after scanning: who, how many points, and what to hand over."""

    kind: str  # "pay" or "pickup"
    resident: User
    available: int
    code: str  # what the confirm step sends back (pay payload or pickup payload)
    proxy: User | None = None
    reservation: Reservation | None = None
    expires_at: datetime | None = None


def look_up(clerk: User, station: Station, text: str) -> CodeInfo:
    """Scan step: check a pay or pickup code for this station and mark a pay code as scanned here."""
    if not can_operate(clerk, station):
        raise NotFound("station_not_found")
    parsed = codes.parse(codes.translate(clerk, station, text))
    now = utcnow()
    if parsed.kind == codes.CARD:
        raise Refused("pin_required", _l("Enter the PIN the resident chose for this card."))
    if parsed.kind == codes.PICKUP:
        reservation = _find_reservation(parsed)
        _reservation_usable(reservation, station, now)
        return CodeInfo(
            "pickup",
            reservation.resident,
            available_points(reservation.resident),
            codes.payload(codes.PICKUP, reservation.secret),
            reservation=reservation,
            proxy=db.session.get(User, reservation.proxy_id) if reservation.proxy_id else None,
            expires_at=reservation.expires_at,
        )
    code = _find_pay_code(parsed)
    _pay_code_usable(code, station, now)
    if code.scanned_at is None:
        code.scanned_at = now
        code.scanned_station_id = station.id
        db.session.flush()
    return CodeInfo(
        "pay",
        code.resident,
        available_points(code.resident),
        pay_payload(code),
        proxy=code.proxy,
        expires_at=code.expires_at,
    )


# ---------------------------------------------------------------- resident cards


def card_payload(card: ResidentCard) -> str:
    """The static QR text printed on a resident card."""
    return codes.payload(codes.CARD, card.secret)


def set_card_pin(resident: User, pin: str) -> ResidentCard:
    """Create the resident's card or change its PIN (4 to 6 digits, chosen by the resident)."""
    pin = (pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 6) or len(set(pin)) == 1:
        raise Invalid("invalid_pin", _l("Choose a PIN of 4 to 6 digits, not all the same digit."))
    if resident.community_id is None:
        raise Forbidden("not_resident", _l("Only residents have points to spend."))
    card = db.session.scalar(sa.select(ResidentCard).where(ResidentCard.resident_id == resident.id))
    method = current_app.config.get("PB_PASSWORD_HASH", "scrypt")
    if card is None:
        card = ResidentCard(resident_id=resident.id, secret=codes.new_secret(), pin_hash="")
        db.session.add(card)
    card.pin_hash = generate_password_hash(pin, method=method)
    card.failed_attempts = 0
    card.locked_until = None
    card.revoked_at = None
    db.session.flush()
    return card


def reissue_card(resident: User) -> ResidentCard:
    """A lost card: new secret, the old printed card stops working."""
    card = db.session.scalar(sa.select(ResidentCard).where(ResidentCard.resident_id == resident.id))
    if card is None:
        raise NotFound("card_not_found")
    card.secret = codes.new_secret()
    db.session.flush()
    return card


def card_to_pay_code(clerk: User, station: Station, text: str, pin: str) -> PayCode | DomainError:
    """Card + PIN at the counter -> a pay code scanned at this station.

    A wrong PIN is returned (not raised) so the caller commits the counted attempt before refusing.
    """
    if not can_operate(clerk, station):
        raise NotFound("station_not_found")
    parsed = codes.parse(text)
    if parsed.kind != codes.CARD:
        raise codes.invalid_code()
    card = db.session.scalar(sa.select(ResidentCard).where(ResidentCard.secret == parsed.secret))
    if card is None or card.revoked_at is not None:
        raise codes.invalid_code()
    now = utcnow()
    if card.locked_until is not None and _aware(card.locked_until) > now:
        return Refused("pin_locked", _l("Too many wrong PINs. The card is locked for 15 minutes."))
    if not check_password_hash(card.pin_hash, (pin or "").strip()):
        card.failed_attempts += 1
        left = PIN_TRIES - card.failed_attempts
        if left <= 0:
            card.failed_attempts = 0
            card.locked_until = now + PIN_LOCK
            db.session.flush()
            return Refused("pin_locked", _l("Too many wrong PINs. The card is locked for 15 minutes."))
        db.session.flush()
        return Refused("wrong_pin", _l("Wrong PIN. %(left)s tries left.", left=left), details={"tries_left": left})
    card.failed_attempts = 0
    card.locked_until = None
    resident = card.resident
    if not resident.active or resident.community_id is None:
        raise codes.invalid_code()
    _same_community(resident, station)
    return _new_pay_code(resident, issued_by_id=clerk.id, proxy_id=None, via_card=True, scanned_station_id=station.id)


# ---------------------------------------------------------------- redemption


def _replay(key: str | None, request_hash: str) -> Redemption | None:
    if key is None:
        return None
    existing = db.session.scalar(sa.select(Redemption).where(Redemption.idempotency_key == key))
    if existing is not None and existing.request_hash != request_hash:
        raise Conflict("idempotency_conflict", _l("This request key was already used for a different request."))
    return existing


def redeem(
    clerk: User, station: Station, text: str, lines: Iterable[tuple[int, int]], *, key: str | None = None
) -> Redemption:
    """Confirm at the counter: code used, stock drops, points move to the station, redemption recorded — at once."""
    if not can_operate(clerk, station):
        raise NotFound("station_not_found")
    lines = list(lines)
    request_hash = _hash({"station": station.id, "code": text, "lines": sorted(_normalise_lines(lines).items())})
    try:
        parsed = codes.parse(text)
        if parsed.kind != codes.PAY:
            raise codes.invalid_code()
        # The idempotency look-up rides along with the code's query (one statement instead of two).
        replayed = (
            sa.select(Redemption.id).where(Redemption.idempotency_key == key).scalar_subquery()
            if key is not None
            else sa.null()
        )
        row = db.session.execute(_pay_code_query(parsed).add_columns(replayed)).first()
        if row is None:
            raise codes.invalid_code()
    except Refused:
        existing = _replay(key, request_hash)
        if existing is not None:
            return existing
        raise
    code, replayed_id = row
    if replayed_id is not None:
        return _replay(key, request_hash)
    now = utcnow()
    _pay_code_usable(code, station, now)
    resident = code.resident
    priced = price_lines(station, lines)
    check_limits(resident, priced, now)
    total = sum(p.points for p in priced)
    claimed = db.session.execute(
        sa.update(PayCode)
        .where(
            PayCode.id == code.id,
            PayCode.used_at.is_(None),
            PayCode.revoked_at.is_(None),
            sa.or_(
                PayCode.expires_at > now,
                sa.and_(PayCode.scanned_station_id == station.id, PayCode.scanned_at > now - SCAN_GRACE),
            ),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        replay = _replay(key, request_hash)
        if replay is not None:
            return replay
        raise Conflict("already_used", _l("This code has already been used. Ask for a new one."))
    redemption = Redemption(
        station_id=station.id,
        resident_id=resident.id,
        clerk_id=clerk.id,
        proxy_id=code.proxy_id,
        pay_code_id=code.id,
        total=total,
        status="done",
        idempotency_key=key,
        request_hash=request_hash,
        lines=[
            RedemptionLine(item_id=p.item.id, item_name=p.item.name, qty=p.qty, unit_points=p.item.points)
            for p in priced
        ],
    )
    db.session.add(redemption)
    db.session.flush()
    # What the receipt shows, kept referenced: no lazy loads when it is rendered after the commit.
    sa.orm.attributes.set_committed_value(redemption, "station", station)
    sa.orm.attributes.set_committed_value(redemption, "resident", resident)
    goods = [(p.item, -p.qty) for p in priced if p.item.tracks_stock]
    if goods:
        move_stocks(goods, "redemption", actor_id=clerk.id, redemption_id=redemption.id)
    account, station_account = ledger.spend_accounts(resident.id, station.id)  # one query for both
    if account is None or resident.community_id is None:
        account = ledger.resident_account(resident)
    # Kept referenced: the ledger refreshes the account in place. The key is new (a new redemption id) and any
    # error rolls this whole unit back, so the ledger needs neither a replay look-up nor a savepoint.
    transfer = ledger.spend(
        account,
        station.id,
        total,
        key=f"stations:redemption:{redemption.id}",
        actor_id=clerk.id,
        memo=memo_for(priced) + (f"（{code.proxy.name}代办）" if code.proxy_id else ""),
        subject=("redemption", redemption.id),
        station=station_account,
        fresh=True,
    )
    redemption.transfer_id = transfer.id
    redemption.balance_after = account.balance - account.held
    db.session.flush()
    return redemption


def undo_minutes() -> int:
    """Minutes a clerk may undo a redemption (PB_UNDO_MINUTES, default 10)."""
    return int(current_app.config.get("PB_UNDO_MINUTES") or os.environ.get("PB_UNDO_MINUTES") or 10)


def undo_deadline(redemption: Redemption) -> datetime:
    """Until when the clerk may undo this redemption."""
    return _aware(redemption.created_at) + timedelta(minutes=undo_minutes())


def can_undo(user: User, redemption: Redemption, now: datetime | None = None) -> bool:
    """Whether the user sees an undo button now."""
    return (
        redemption.status == "done"
        and can_operate(user, redemption.station)
        and (now or utcnow()) < undo_deadline(redemption)
    )


def _end_redemption(actor: User, redemption: Redemption, status: str, reason: str, *, restock: bool) -> Redemption:
    ended = db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == "done")
        .values(status=status, ended_at=utcnow(), ended_by_id=actor.id, end_reason=reason[:200])
        .execution_options(synchronize_session=False)
    ).rowcount
    if ended != 1:
        raise Conflict("already_reversed", _l("This redemption was already undone or refunded."))
    transfer = db.session.get(Transfer, redemption.transfer_id)
    reversal = ledger.reverse(
        transfer, key=f"stations:redemption:{redemption.id}:{status}", actor_id=actor.id, reason=reason
    )
    if restock:
        items = {
            i.id: i
            for i in db.session.scalars(
                sa.select(Item).where(Item.id.in_([line.item_id for line in redemption.lines])).order_by(Item.id)
            )
        }
        back = [(items[line.item_id], line.qty) for line in redemption.lines if items[line.item_id].tracks_stock]
        if back:
            move_stocks(back, "undo", actor_id=actor.id, redemption_id=redemption.id, note=reason)
    sa.orm.attributes.set_committed_value(redemption, "status", status)
    redemption.reversal_transfer_id = reversal.id
    redemption.ended_by_id = actor.id
    redemption.end_reason = reason[:200]
    db.session.flush()
    return redemption


def undo(clerk: User, redemption: Redemption) -> Redemption:
    """The clerk takes a redemption back within PB_UNDO_MINUTES: points and stock return."""
    if not can_operate(clerk, redemption.station):
        raise NotFound("redemption_not_found")
    if redemption.status != "done":
        raise Conflict("already_reversed", _l("This redemption was already undone or refunded."))
    if utcnow() >= undo_deadline(redemption):
        raise Refused(
            "undo_window_passed",
            _l("Undo is possible for %(minutes)s minutes. Ask a coordinator for a refund.", minutes=undo_minutes()),
        )
    return _end_redemption(clerk, redemption, "undone", "撤销兑换", restock=True)


def refund(coordinator: User, redemption: Redemption, reason: str, *, restock: bool = False) -> Redemption:
    """A coordinator refunds the points of a redemption, with a reason (goods returned: restock)."""
    if not can_manage(coordinator, redemption.station):
        raise NotFound("redemption_not_found")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", _l("Say why the points are refunded."))
    if redemption.status != "done":
        raise Conflict("already_reversed", _l("This redemption was already undone or refunded."))
    return _end_redemption(coordinator, redemption, "refunded", reason, restock=restock)


def redemption_for(user: User, redemption_id: int) -> Redemption:
    """A redemption the user may see: station staff, the resident, or the proxy who acted."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound("redemption_not_found")
    if user.id in (redemption.resident_id, redemption.proxy_id) or can_operate(user, redemption.station):
        return redemption
    if proxy_for(user, redemption.resident_id) is not None:
        return redemption
    raise NotFound("redemption_not_found")


# ---------------------------------------------------------------- reservations (pickup codes)


def reservation_hours() -> int:
    """Hours an unclaimed reservation is kept (PB_RESERVATION_HOURS, default 48)."""
    return int(
        current_app.config.get("PB_RESERVATION_HOURS") or os.environ.get("PB_RESERVATION_HOURS") or RESERVATION_HOURS
    )


def reserve(
    user: User,
    station: Station,
    lines: Iterable[tuple[int, int]],
    *,
    key: str | None = None,
    for_resident_id: int | None = None,
) -> Reservation:
    """Reserve items online: stock reserved, points on hold, a pickup code to show at the station."""
    resident, proxy_id = _acting_for(user, for_resident_id)
    if not station.active or station.community_id != resident.community_id:
        raise NotFound("station_not_found")
    expire_reservations(station_id=station.id)
    lines = list(lines)
    request_hash = _hash({"station": station.id, "for": resident.id, "lines": sorted(_normalise_lines(lines).items())})
    if key is not None:
        existing = db.session.scalar(sa.select(Hold).where(Hold.idempotency_key == f"stations:{key}"))
        if existing is not None:
            reservation = db.session.get(Reservation, existing.subject_id)
            if reservation is not None and _hash_reservation(reservation) == request_hash:
                return reservation
            raise Conflict("idempotency_conflict", _l("This request key was already used for a different request."))
    now = utcnow()
    priced = price_lines(station, lines)
    check_limits(resident, priced, now)
    total = sum(p.points for p in priced)
    if available_points(resident) < total:
        raise Refused("insufficient_points", _l("Not enough points."))
    digits = codes.new_digits(codes.PICKUP_DIGITS)
    for _ in range(10):
        if (
            db.session.scalar(
                sa.select(Reservation.id).where(Reservation.digits == digits, Reservation.status == "pending")
            )
            is None
        ):
            break
        digits = codes.new_digits(codes.PICKUP_DIGITS)
    reservation = Reservation(
        station_id=station.id,
        resident_id=resident.id,
        proxy_id=proxy_id,
        status="pending",
        total=total,
        secret=codes.new_secret(),
        digits=digits,
        expires_at=now + timedelta(hours=reservation_hours()),
        lines=[
            ReservationLine(item_id=p.item.id, item_name=p.item.name, qty=p.qty, unit_points=p.item.points)
            for p in priced
        ],
    )
    db.session.add(reservation)
    db.session.flush()
    goods = [(p.item, -p.qty) for p in priced if p.item.tracks_stock]
    if goods:
        move_stocks(goods, "reservation", actor_id=user.id, reservation_id=reservation.id)
    hold = ledger.hold(
        ledger.resident_account(resident),
        total,
        key=f"stations:{key}" if key else f"stations:reservation:{reservation.id}",
        expires_at=reservation.expires_at,
        memo=memo_for(priced, "预约兑换"),
        subject=("reservation", reservation.id),
    )
    reservation.hold_id = hold.id
    db.session.flush()
    return reservation


def _hash_reservation(reservation: Reservation) -> str:
    return _hash(
        {
            "station": reservation.station_id,
            "for": reservation.resident_id,
            "lines": sorted((line.item_id, line.qty) for line in reservation.lines),
        }
    )


def pickup_payload(reservation: Reservation) -> str:
    """The QR text of a pickup code."""
    return codes.payload(codes.PICKUP, reservation.secret)


def reservation_for(user: User, reservation_id: int) -> Reservation:
    """A reservation the user may see: the resident, their proxy, or the station's staff."""
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None:
        raise NotFound("reservation_not_found")
    if user.id in (reservation.resident_id, reservation.proxy_id) or can_operate(user, reservation.station):
        return reservation
    if proxy_for(user, reservation.resident_id) is not None:
        return reservation
    raise NotFound("reservation_not_found")


def _find_reservation(parsed: codes.ParsedCode) -> Reservation:
    query = sa.select(Reservation)
    if parsed.secret is not None:
        query = query.where(Reservation.secret == parsed.secret)
    else:
        query = (
            query.where(Reservation.digits == parsed.digits)
            .order_by((Reservation.status == "pending").desc(), Reservation.id.desc())
            .limit(1)
        )
    reservation = db.session.scalar(query)
    if reservation is None:
        raise codes.invalid_code()
    return reservation


def _reservation_usable(reservation: Reservation, station: Station, now: datetime) -> None:
    if reservation.status == "picked_up":
        raise Conflict("already_used", _l("These items were already handed over."))
    if reservation.status == "cancelled":
        raise Refused("revoked", _l("The resident cancelled this reservation."))
    if reservation.status == "expired" or _aware(reservation.expires_at) <= now:
        raise Refused("expired", _l("This reservation has expired."))
    if reservation.station_id != station.id:
        raise Refused(
            "wrong_station", _l("This pickup code is for another station: %(name)s.", name=reservation.station.name)
        )


def _end_reservation(reservation: Reservation, status: str) -> bool:
    return (
        db.session.execute(
            sa.update(Reservation)
            .where(Reservation.id == reservation.id, Reservation.status == "pending")
            .values(status=status, ended_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _release(reservation: Reservation, status: str, actor_id: int | None) -> None:
    hold = db.session.get(Hold, reservation.hold_id) if reservation.hold_id else None
    if hold is not None and hold.status == "pending":
        ledger.void_hold(hold, reason=status)
    item_ids = [line.item_id for line in reservation.lines]
    items = {i.id: i for i in db.session.scalars(sa.select(Item).where(Item.id.in_(item_ids)).order_by(Item.id))}
    back = [(items[line.item_id], line.qty) for line in reservation.lines if items[line.item_id].tracks_stock]
    if back:
        move_stocks(back, "release", actor_id=actor_id, reservation_id=reservation.id)
    sa.orm.attributes.set_committed_value(reservation, "status", status)


def cancel_reservation(user: User, reservation: Reservation) -> Reservation:
    """The resident (or their proxy) cancels: points and stock are released."""
    acting = user.id in (reservation.resident_id, reservation.proxy_id)
    if not acting and proxy_for(user, reservation.resident_id) is None:
        raise NotFound("reservation_not_found")
    if not _end_reservation(reservation, "cancelled"):
        raise Conflict("reservation_closed", _l("This reservation is already closed."))
    _release(reservation, "cancelled", user.id)
    db.session.flush()
    return reservation


def expire_reservations(now: datetime | None = None, *, station_id: int | None = None) -> int:
    """Unclaimed reservations past their time expire: points and stock are released. Returns how many."""
    now = now or utcnow()
    query = sa.select(Reservation).where(Reservation.status == "pending", Reservation.expires_at <= now)
    if station_id is not None:
        query = query.where(Reservation.station_id == station_id)
    count = 0
    for reservation in db.session.scalars(query.order_by(Reservation.id).limit(500)).all():
        if _end_reservation(reservation, "expired"):
            _release(reservation, "expired", None)
            count += 1
    db.session.flush()
    return count


def hand_over(clerk: User, station: Station, text: str, *, key: str | None = None) -> Redemption:
    """The clerk scans a pickup code and hands the items over: the hold posts to the station."""
    if not can_operate(clerk, station):
        raise NotFound("station_not_found")
    parsed = codes.parse(text)
    if parsed.kind != codes.PICKUP:
        raise codes.invalid_code()
    reservation = _find_reservation(parsed)
    existing = db.session.scalar(sa.select(Redemption).where(Redemption.reservation_id == reservation.id))
    if existing is not None and key is not None and existing.idempotency_key == key:
        return existing
    _reservation_usable(reservation, station, utcnow())
    if not _end_reservation(reservation, "picked_up"):
        raise Conflict("already_used", _l("These items were already handed over."))
    sa.orm.attributes.set_committed_value(reservation, "status", "picked_up")
    hold = db.session.get(Hold, reservation.hold_id)
    memo = "兑换：" + "、".join(f"{line.item_name} ×{line.qty}" for line in reservation.lines)
    redemption = Redemption(
        station_id=station.id,
        resident_id=reservation.resident_id,
        clerk_id=clerk.id,
        proxy_id=reservation.proxy_id,
        reservation_id=reservation.id,
        total=reservation.total,
        status="done",
        idempotency_key=key,
        lines=[
            RedemptionLine(item_id=line.item_id, item_name=line.item_name, qty=line.qty, unit_points=line.unit_points)
            for line in reservation.lines
        ],
    )
    db.session.add(redemption)
    db.session.flush()
    transfer = ledger.post_hold(
        hold,
        ledger.station_account(station.id, station.community_id),
        key=f"stations:pickup:{reservation.id}",
        actor_id=clerk.id,
        memo=memo[:200],
    )
    redemption.transfer_id = transfer.id
    redemption.balance_after = available_points(reservation.resident)
    db.session.flush()
    return redemption


# ---------------------------------------------------------------- daily report


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC bounds of a day in Asia/Shanghai."""
    start = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def today_local() -> date:
    """Today in Asia/Shanghai."""
    return utcnow().astimezone(SHANGHAI).date()


def daily_report(station: Station, day: date) -> dict:
    """Redemptions, items out, points in, stock left and the stock check for one station and day."""
    start, end = local_day_bounds(day)
    redemptions = db.session.execute(
        sa.select(Redemption.status, sa.func.count(), sa.func.coalesce(sa.func.sum(Redemption.total), 0))
        .where(Redemption.station_id == station.id, Redemption.created_at >= start, Redemption.created_at < end)
        .group_by(Redemption.status)
    ).all()
    by_status = {status: (count, points) for status, count, points in redemptions}
    items_out = db.session.execute(
        sa.select(
            RedemptionLine.item_name,
            sa.func.sum(RedemptionLine.qty),
            sa.func.sum(RedemptionLine.qty * RedemptionLine.unit_points),
        )
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(
            Redemption.station_id == station.id,
            Redemption.status == "done",
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .group_by(RedemptionLine.item_name)
        .order_by(RedemptionLine.item_name)
    ).all()
    items = db.session.scalars(sa.select(Item).where(Item.station_id == station.id).order_by(Item.id)).all()
    movement_rows = db.session.execute(
        sa.select(StockMovement.item_id, StockMovement.reason, sa.func.sum(StockMovement.delta))
        .join(Item, Item.id == StockMovement.item_id)
        .where(Item.station_id == station.id, StockMovement.created_at >= start, StockMovement.created_at < end)
        .group_by(StockMovement.item_id, StockMovement.reason)
    ).all()
    moved: dict[int, dict[str, int]] = defaultdict(dict)
    for item_id, reason, delta in movement_rows:
        moved[item_id][reason] = int(delta)
    mismatches = stock_mismatches([i.id for i in items]) if items else []
    return {
        "station": station,
        "day": day,
        "redemptions": by_status.get("done", (0, 0))[0],
        "points_in": int(by_status.get("done", (0, 0))[1]),
        "undone": by_status.get("undone", (0, 0))[0] + by_status.get("refunded", (0, 0))[0],
        "items_out": [{"name": n, "qty": int(q), "points": int(p)} for n, q, p in items_out],
        "stock": [
            {
                "item_id": i.id,
                "name": i.name,
                "kind": i.kind,
                "stock": i.stock,
                "low": is_low(i, station),
                "movements": moved.get(i.id, {}),
            }
            for i in items
        ],
        "stock_consistent": not mismatches,
        "mismatches": [{"item_id": m[0], "stock": m[1], "movements_sum": int(m[2])} for m in mismatches],
    }
