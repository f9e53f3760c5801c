"""Reservations online (points on hold, stock reserved) and their pickup at the station with a pickup code."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from pointsbank.db import advisory_lock, utcnow
from pointsbank.errors import Conflict, DomainError, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Hold
from pointsbank.people.models import Community, User
from pointsbank.stations import codes
from pointsbank.stations.attempts import counted
from pointsbank.stations.models import Redemption, RedemptionLine, Reservation, ReservationLine, Station
from pointsbank.stations.pricing import (
    KEY_LOCK,
    available_points,
    aware,
    check_limits,
    memo_for,
    normalise_lines,
    price_lines,
    request_hash,
)
from pointsbank.stations.scope import acting_for, can_operate, may_see_visit, proxy_for
from pointsbank.stations.stock import items_by_id, move_stocks

RESERVATION_HOURS = 48


def reservation_hours(community: Community | None = None) -> int:
    """Hours an unclaimed reservation is kept: the community's setting (PB_RESERVATION_HOURS or 48 without one)."""
    if community is not None and community.reservation_hours is not None:
        return community.reservation_hours
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
    resident, proxy_id = acting_for(user, for_resident_id)
    if not station.active or station.community_id != resident.community_id:
        raise NotFound("station_not_found")
    if key is not None:
        advisory_lock(KEY_LOCK, f"stations:{key}")  # concurrent retries wait for the first answer
    expire_reservations(station_id=station.id)
    lines = list(lines)
    wanted = request_hash({"station": station.id, "for": resident.id, "lines": sorted(normalise_lines(lines).items())})
    if key is not None:
        existing = db.session.scalar(sa.select(Hold).where(Hold.idempotency_key == f"stations:{key}"))
        if existing is not None:
            reservation = db.session.get(Reservation, existing.subject_id)
            if reservation is not None and _hash_reservation(reservation) == wanted:
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
        expires_at=now + timedelta(hours=reservation_hours(station.community)),
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
    _tell_resident(reservation, "reservation.made")
    return reservation


def _tell_resident(reservation: Reservation, code: str) -> None:
    """A notice to the resident: reservation made or expired (points on hold or back)."""
    from pointsbank import notices

    until = reservation.expires_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    params = {"points": reservation.total, "station": reservation.station.name, "until": until}
    notices.notify(reservation.resident_id, code, params, subject=("reservation", reservation.id))


def _hash_reservation(reservation: Reservation) -> str:
    return request_hash(
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
    if may_see_visit(user, reservation.resident_id, reservation.proxy_id, reservation.station):
        return reservation
    raise NotFound("reservation_not_found")


def my_reservations_query(user: User) -> sa.Select:
    """The user's reservations (and those made as proxy), newest first."""
    return (
        sa.select(Reservation)
        .where(sa.or_(Reservation.resident_id == user.id, Reservation.proxy_id == user.id))
        .order_by(Reservation.id.desc())
    )


def my_reservations(user: User, limit: int = 30) -> list[Reservation]:
    """The user's latest reservations, as a list."""
    return list(db.session.scalars(my_reservations_query(user).limit(limit)))


def find_reservation(parsed: codes.ParsedCode) -> Reservation:
    """The reservation a scanned or typed pickup code names; invalid when there is none."""
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


def reservation_usable(reservation: Reservation, station: Station, now: datetime) -> None:
    """Raise the reason a reservation cannot be handed over at this station now."""
    if reservation.status == "picked_up":
        raise Conflict("already_used", _l("These items were already handed over."))
    if reservation.status == "cancelled":
        raise Refused("revoked", _l("The resident cancelled this reservation."))
    if reservation.status == "expired" or aware(reservation.expires_at) <= now:
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
        try:
            with db.session.begin_nested():
                ledger.void_hold(hold, reason=status)
        except Conflict:
            pass  # the holds job ended it meanwhile (expired): its points are already released
    items = items_by_id(line.item_id for line in reservation.lines)
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
            _tell_resident(reservation, "reservation.expired")
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
    if key is not None:
        advisory_lock(KEY_LOCK, f"stations:{key}")  # concurrent retries wait for the first answer
        existing = db.session.scalar(sa.select(Redemption).where(Redemption.idempotency_key == key))
        if existing is not None:
            reservation = find_reservation(parsed)
            if existing.reservation_id != reservation.id:
                raise Conflict("idempotency_conflict", _l("This request key was already used for a different request."))
            return existing
    reservation = find_reservation(parsed)
    reservation_usable(reservation, station, utcnow())
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


def hand_over_counted(clerk: User, station: Station, text: str, *, key: str | None = None) -> Redemption | DomainError:
    """hand_over with the attempt limit on typed codes (a wrong one is returned to raise after the commit)."""
    return counted(clerk, station, text, lambda: hand_over(clerk, station, text, key=key))
