"""The counter: a scanned code looked up, a redemption confirmed at once, undone by the clerk or refunded."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, DomainError, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.people.models import Community, User
from pointsbank.stations import codes
from pointsbank.stations.attempts import counted
from pointsbank.stations.models import PayCode, Redemption, RedemptionLine, Reservation, Station
from pointsbank.stations.paycodes import (
    SCAN_GRACE,
    find_pay_code,
    pay_code_usable,
    pay_payload,
    refusal_noted,
)
from pointsbank.stations.pg_counter import code_query, one_statement, redeem_in_one_statement
from pointsbank.stations.pricing import (
    available_points,
    aware,
    check_limits,
    memo_for,
    normalise_lines,
    price_lines,
    request_hash,
)
from pointsbank.stations.reservations import find_reservation, reservation_usable
from pointsbank.stations.scope import can_manage, can_operate, may_see_visit
from pointsbank.stations.stock import items_by_id, move_stocks


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
        reservation = find_reservation(parsed)
        reservation_usable(reservation, station, now)
        return CodeInfo(
            "pickup",
            reservation.resident,
            available_points(reservation.resident),
            codes.payload(codes.PICKUP, reservation.secret),
            reservation=reservation,
            proxy=db.session.get(User, reservation.proxy_id) if reservation.proxy_id else None,
            expires_at=reservation.expires_at,
        )
    code = find_pay_code(parsed)
    with refusal_noted(code):
        pay_code_usable(code, station, now)
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


def check_code(clerk: User, station: Station, text: str) -> CodeInfo | DomainError:
    """look_up with the attempt limit on typed codes (a wrong one is returned to raise after the commit)."""
    return counted(clerk, station, text, lambda: look_up(clerk, station, text))


def confirm(
    clerk: User, station: Station, text: str, lines: Iterable[tuple[int, int]], *, key: str | None = None
) -> Redemption | DomainError:
    """redeem with the attempt limit on typed codes (a wrong one is returned to raise after the commit)."""
    return counted(clerk, station, text, lambda: redeem(clerk, station, text, lines, key=key))


# ---------------------------------------------------------------- redemption


def _replay(key: str | None, wanted: str) -> Redemption | None:
    if key is None:
        return None
    existing = db.session.scalar(sa.select(Redemption).where(Redemption.idempotency_key == key))
    if existing is not None and existing.request_hash != wanted:
        raise Conflict("idempotency_conflict", _l("This request key was already used for a different request."))
    return existing


def _claimed_meanwhile(key: str | None, wanted: str) -> Redemption:
    """The code was used between the look-up and the claim: a twin request's answer, or already_used."""
    replay = _replay(key, wanted)
    if replay is not None:
        return replay
    raise Conflict("already_used", _l("This code has already been used. Ask for a new one."))


def redeem(
    clerk: User, station: Station, text: str, lines: Iterable[tuple[int, int]], *, key: str | None = None
) -> Redemption:
    """Confirm at the counter: code used, stock drops, points move to the station, redemption recorded — at once."""
    if not can_operate(clerk, station):
        raise NotFound("station_not_found")
    lines = list(lines)
    wanted = request_hash({"station": station.id, "code": text, "lines": sorted(normalise_lines(lines).items())})
    try:
        parsed = codes.parse(text)
        if parsed.kind != codes.PAY:
            raise codes.invalid_code()
        query = code_query(parsed.secret is not None, key is not None, one_statement())
        params = {"secret": parsed.secret, "digits": parsed.digits, "key": key, "station_key": f"station:{station.id}"}
        row = db.session.execute(query, params).first()
        if row is None:
            raise codes.invalid_code()
    except Refused:
        existing = _replay(key, wanted)
        if existing is not None:
            return existing
        raise
    code, replayed_id, redemption_id, account, station_account = row
    if replayed_id is not None:
        return _replay(key, wanted)
    now = utcnow()
    with refusal_noted(code):
        pay_code_usable(code, station, now)
        resident = code.resident
        priced = price_lines(station, lines)
        check_limits(resident, priced, now)
    memo = memo_for(priced) + (f"（{code.proxy.name}代办）" if code.proxy_id else "")
    if redemption_id is not None and account is not None and station_account is not None:
        with refusal_noted(code):  # out of stock, insufficient points
            done = redeem_in_one_statement(
                redemption_id=redemption_id,
                code=code,
                station=station,
                resident=resident,
                clerk=clerk,
                priced=priced,
                now=now,
                key=key,
                wanted=wanted,
                memo=memo,
                account=account,
                station_account=station_account,
            )
        return done or _claimed_meanwhile(key, wanted)
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
        return _claimed_meanwhile(key, wanted)
    redemption = Redemption(
        station_id=station.id,
        resident_id=resident.id,
        clerk_id=clerk.id,
        proxy_id=code.proxy_id,
        pay_code_id=code.id,
        total=total,
        status="done",
        idempotency_key=key,
        request_hash=wanted,
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
        with refusal_noted(code):
            move_stocks(goods, "redemption", actor_id=clerk.id, redemption_id=redemption.id)
    if account is None or resident.community_id is None:
        account = ledger.resident_account(resident)
    # Kept referenced: the ledger refreshes the account in place. The key is new (a new redemption id) and any
    # error rolls this whole unit back, so the ledger needs neither a replay look-up nor a savepoint.
    with refusal_noted(code):  # insufficient points
        transfer = ledger.spend(
            account,
            station.id,
            total,
            key=f"stations:redemption:{redemption.id}",
            actor_id=clerk.id,
            memo=memo,
            subject=("redemption", redemption.id),
            station=station_account,
            fresh=True,
        )
    redemption.transfer_id = transfer.id
    redemption.balance_after = account.balance - account.held
    db.session.flush()
    return redemption


# ---------------------------------------------------------------- undo and refund


def undo_minutes(community: Community | None = None) -> int:
    """Minutes a clerk may undo a redemption: the community's setting (PB_UNDO_MINUTES or 10 without one)."""
    if community is not None and community.undo_minutes is not None:
        return community.undo_minutes
    return int(current_app.config.get("PB_UNDO_MINUTES") or os.environ.get("PB_UNDO_MINUTES") or 10)


def undo_deadline(redemption: Redemption) -> datetime:
    """Until when the clerk may undo this redemption."""
    return aware(redemption.created_at) + timedelta(minutes=undo_minutes(redemption.station.community))


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
        items = items_by_id(line.item_id for line in redemption.lines)
        back = [(items[line.item_id], line.qty) for line in redemption.lines if items[line.item_id].tracks_stock]
        if back:
            move_stocks(back, "undo", actor_id=actor.id, redemption_id=redemption.id, note=reason)
    sa.orm.attributes.set_committed_value(redemption, "status", status)
    redemption.reversal_transfer_id = reversal.id
    redemption.ended_by_id = actor.id
    redemption.end_reason = reason[:200]
    db.session.flush()
    audit.record(
        f"redemption.{status}",
        actor_id=actor.id,
        community_id=redemption.station.community_id,
        subject=("redemption", redemption.id),
        details={"points": redemption.total, "transfer_id": reversal.id, "restock": restock},
    )
    _tell_resident(redemption, "redemption.undone" if status == "undone" else "redemption.refunded")
    return redemption


def _tell_resident(redemption: Redemption, code: str) -> None:
    """A notice to the resident (a redemption at the counter is not told: the resident holds the receipt)."""
    from pointsbank import notices

    params = {"points": redemption.total, "station": redemption.station.name}
    notices.notify(redemption.resident_id, code, params, subject=("redemption", redemption.id))


def undo(clerk: User, redemption: Redemption) -> Redemption:
    """The clerk takes a redemption back within the community's undo minutes: points and stock return."""
    if not can_operate(clerk, redemption.station):
        raise NotFound("redemption_not_found")
    if redemption.status != "done":
        raise Conflict("already_reversed", _l("This redemption was already undone or refunded."))
    if utcnow() >= undo_deadline(redemption):
        raise Refused(
            "undo_window_passed",
            _l(
                "Undo is possible for %(minutes)s minutes. Ask a coordinator for a refund.",
                minutes=undo_minutes(redemption.station.community),
            ),
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


# ---------------------------------------------------------------- receipts and lists


def redemption_for(user: User, redemption_id: int) -> Redemption:
    """A redemption the user may see: station staff, the resident, or the proxy who acted."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound("redemption_not_found")
    if may_see_visit(user, redemption.resident_id, redemption.proxy_id, redemption.station):
        return redemption
    raise NotFound("redemption_not_found")


def station_redemptions_query(station: Station) -> sa.Select:
    """A station's redemptions, newest first."""
    return sa.select(Redemption).where(Redemption.station_id == station.id).order_by(Redemption.id.desc())


def station_redemptions(station: Station, page: int, per_page: int = 20) -> list[Redemption]:
    """One page of a station's redemptions, newest first."""
    query = station_redemptions_query(station).limit(per_page).offset((page - 1) * per_page)
    return list(db.session.scalars(query))


def my_redemptions_query(user: User) -> sa.Select:
    """The user's redemptions (and those made as proxy), newest first."""
    return (
        sa.select(Redemption)
        .where(sa.or_(Redemption.resident_id == user.id, Redemption.proxy_id == user.id))
        .order_by(Redemption.id.desc())
    )


def my_redemptions(user: User, limit: int = 30) -> list[Redemption]:
    """The user's latest redemptions, as a list."""
    return list(db.session.scalars(my_redemptions_query(user).limit(limit)))
