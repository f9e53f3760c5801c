"""Pay codes (付款码): issuing, the QR text, finding a scanned or typed code and why it cannot be used."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import unit_of_work, utcnow
from pointsbank.errors import Conflict, DomainError, Refused
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.stations import codes
from pointsbank.stations.models import PayCode, Station
from pointsbank.stations.pricing import aware
from pointsbank.stations.scope import acting_for

PAY_CODE_SECONDS = 60
SCAN_GRACE = timedelta(minutes=5)  # a scanned code stays good this long for the scanning station


def issue_pay_code(user: User, *, for_resident_id: int | None = None) -> PayCode:
    """A fresh pay code for the user (or the resident they are proxy for); older unscanned ones are revoked."""
    resident, proxy_id = acting_for(user, for_resident_id)
    return new_pay_code(resident, issued_by_id=user.id, proxy_id=proxy_id)


def new_pay_code(
    resident: User,
    *,
    issued_by_id: int,
    proxy_id: int | None,
    via_card: bool = False,
    scanned_station_id: int | None = None,
) -> PayCode:
    """Issue a pay code for the resident, revoking the issuer's older unscanned ones."""
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


def pay_payload(code: PayCode) -> str:
    """The QR text of a pay code."""
    return codes.payload(codes.PAY, code.secret)


def pay_code_query(parsed: codes.ParsedCode) -> sa.Select:
    """The query finding a scanned (secret) or typed (digits) pay code, with its resident."""
    query = sa.select(PayCode).options(sa.orm.joinedload(PayCode.resident).lazyload(User.grants))
    if parsed.secret is not None:
        return query.where(PayCode.secret == parsed.secret)
    return query.where(PayCode.digits == parsed.digits).order_by(PayCode.id.desc()).limit(1)


def find_pay_code(parsed: codes.ParsedCode) -> PayCode:
    """The pay code a scan or typed number names; invalid when there is none."""
    code = db.session.scalar(pay_code_query(parsed))
    if code is None:
        raise codes.invalid_code()
    return code


def pay_code_usable(code: PayCode, station: Station, now: datetime) -> None:
    """Raise the reason a pay code cannot be used at this station now."""
    if code.used_at is not None:
        raise Conflict("already_used", _l("This code has already been used. Ask for a new one."))
    if code.revoked_at is not None:
        raise Refused("revoked", _l("This code was replaced by a newer one. Ask for the current code."))
    scanned_here = (
        code.scanned_station_id == station.id and code.scanned_at and aware(code.scanned_at) + SCAN_GRACE > now
    )
    if aware(code.expires_at) <= now and not scanned_here:
        raise Refused("expired", _l("This code has expired. Ask the resident to refresh it."))
    if code.scanned_station_id not in (None, station.id) and aware(code.scanned_at) + SCAN_GRACE > now:
        raise Refused("wrong_station", _l("This code is being used at another station."))
    same_community(code.resident, station)


def same_community(resident: User, station: Station) -> None:
    """Points are spent only at the stations of the resident's own community."""
    if resident.community_id != station.community_id:
        raise Refused("wrong_station", _l("This resident belongs to another community; their points are spent there."))


def pay_code_state(user: User, digits: str, now: datetime | None = None) -> tuple[str, int | None]:
    """What became of a code shown on the user's phone, in one query (the phone polls it).

    State: waiting, scanned (a clerk is picking items), used (with its redemption id), revoked, expired, unknown.
    """
    from pointsbank.stations.models import Redemption

    row = db.session.execute(
        sa.select(
            PayCode.used_at,
            PayCode.revoked_at,
            PayCode.scanned_at,
            PayCode.expires_at,
            Redemption.id,
            PayCode.refused_reason,
        )
        .outerjoin(Redemption, Redemption.pay_code_id == PayCode.id)
        .where(PayCode.issued_by_id == user.id, PayCode.digits == digits)
        .order_by(PayCode.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return "unknown", None
    used_at, revoked_at, scanned_at, expires_at, redemption_id, refused = row
    now = now or utcnow()
    if used_at is not None:
        return "used", redemption_id
    if refused is not None:
        return f"refused:{refused}", None
    if revoked_at is not None:
        return "revoked", None
    if scanned_at is not None and aware(scanned_at) + SCAN_GRACE > now:
        return "scanned", None
    if aware(expires_at) <= now:
        return "expired", None
    return "waiting", None


@contextlib.contextmanager
def refusal_noted(code: PayCode) -> Iterator[None]:
    """Tag a refusal with its pay code; `noted` writes it down once the refused unit has rolled back."""
    try:
        yield
    except (Refused, Conflict) as err:  # not a clerk's typing slip (Invalid): the clerk fixes those
        err.pay_code_id = code.id  # type: ignore[attr-defined]
        raise


def note_refusal(pay_code_id: int, reason: str) -> None:
    db.session.execute(
        sa.update(PayCode)
        .where(PayCode.id == pay_code_id, PayCode.used_at.is_(None))
        .values(refused_reason=reason[:32], refused_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def noted(fn: Callable[[], object]):
    """Run a counter unit; a refused pay code is recorded in its own small unit, then the refusal raised."""
    try:
        return unit_of_work(fn)()
    except DomainError as err:
        pay_code_id = getattr(err, "pay_code_id", None)
        if pay_code_id is not None:
            unit_of_work(note_refusal)(pay_code_id, err.code)
        raise


REFUSALS = {
    "already_used": _l("This code was already used. Show a new one."),
    "revoked": _l("This code was replaced by a newer one. Show the current code."),
    "expired": _l("This code expired before it was used. Show a new one."),
    "wrong_station": _l("This code cannot be used at this station."),
    "insufficient_points": _l("Not enough points for these items."),
    "over_limit": _l("These items are over the limit you may redeem."),
    "out_of_stock": _l("An item is out of stock. Ask the clerk to choose another."),
}


def refusal_text(reason: str) -> str:
    """What the resident's phone says about a refused scan, in the reader's language."""
    return str(REFUSALS.get(reason, _l("The clerk could not take this payment. Ask them why.")))
