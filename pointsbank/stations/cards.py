"""Resident cards (a printed QR plus a PIN) and family proxies (家属代办)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import DomainError, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.stations import codes
from pointsbank.stations.models import PayCode, Proxy, ResidentCard, Station
from pointsbank.stations.paycodes import new_pay_code, same_community
from pointsbank.stations.pricing import aware
from pointsbank.stations.scope import MAX_ID, can_operate

PIN_TRIES = 5
PIN_LOCK = timedelta(minutes=15)


# ---------------------------------------------------------------- proxies


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


def register_proxy_by_ids(actor: User, resident_id: int, proxy_user_id: int, relation: str = "") -> Proxy:
    """register_proxy for two user ids; 404 when either does not exist."""
    ids_ok = all(isinstance(i, int) and 0 < i <= MAX_ID for i in (resident_id, proxy_user_id))
    resident = db.session.get(User, resident_id) if ids_ok else None
    proxy_user = db.session.get(User, proxy_user_id) if ids_ok else None
    if resident is None or proxy_user is None:
        raise NotFound("resident_not_found")
    return register_proxy(actor, resident, proxy_user, relation)


def get_proxy(proxy_id: int) -> Proxy:
    """A proxy relation by id; 404 when it does not exist (scope is checked by the action)."""
    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None:
        raise NotFound("proxy_not_found")
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


def proxies_seen_by(user: User, limit: int = 100) -> list[Proxy]:
    """Proxy relations of the residents in the communities the user coordinates (all for admins), newest first."""
    query = sa.select(Proxy).join(User, User.id == Proxy.resident_id).order_by(Proxy.id.desc()).limit(limit)
    if not user.is_admin:
        query = query.where(User.community_id.in_(user.coordinated_community_ids()))
    return list(db.session.scalars(query))


# ---------------------------------------------------------------- resident cards


def card_payload(card: ResidentCard) -> str:
    """The static QR text printed on a resident card."""
    return codes.payload(codes.CARD, card.secret)


def card_of(resident: User) -> ResidentCard | None:
    """The resident's card, if they made one."""
    return db.session.scalar(sa.select(ResidentCard).where(ResidentCard.resident_id == resident.id))


def set_card_pin(resident: User, pin: str) -> ResidentCard:
    """Create the resident's card or change its PIN (4 to 6 digits, chosen by the resident)."""
    pin = (pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 6) or len(set(pin)) == 1:
        raise Invalid("invalid_pin", _l("Choose a PIN of 4 to 6 digits, not all the same digit."))
    if resident.community_id is None:
        raise Forbidden("not_resident", _l("Only residents have points to spend."))
    card = card_of(resident)
    method = current_app.config.get("PB_PASSWORD_HASH", "scrypt")
    if card is None:
        card = ResidentCard(resident_id=resident.id, secret=codes.new_secret(), pin_hash="")
        db.session.add(card)
    card.pin_hash = generate_password_hash(pin, method=method)
    card.failed_attempts = 0
    card.locked_until = None
    db.session.flush()
    return card


def resident_for_card_staff(actor: User, resident_id: int) -> User:
    """A resident whose card a coordinator of their community (or an admin) may report lost or reissue."""
    resident = db.session.get(User, resident_id) if isinstance(resident_id, int) and 0 < resident_id <= MAX_ID else None
    if resident is None or resident.community_id is None:
        raise NotFound("resident_not_found")
    if not (actor.is_admin or resident.community_id in actor.coordinated_community_ids()):
        raise NotFound("resident_not_found")
    return resident


def _card_audit(action: str, actor: User, resident: User, card: ResidentCard) -> None:
    audit.record(
        action,
        actor_id=actor.id,
        community_id=resident.community_id,
        subject=("user", resident.id),
        details={"card_id": card.id},
    )


def report_card_lost(actor: User, resident: User) -> ResidentCard:
    """A lost card: its QR is refused with `revoked` from now on (once; a repeat changes nothing)."""
    card = card_of(resident)
    if card is None:
        raise NotFound("card_not_found", _l("This resident has no card."))
    if card.revoked_at is None:
        card.revoked_at = utcnow()
        db.session.flush()
        _card_audit("card.revoked", actor, resident, card)
    return card


def reissue_card(resident: User, actor: User | None = None) -> ResidentCard:
    """A new card to print: new secret, same PIN; the old printed card is refused with `revoked`."""
    card = card_of(resident)
    if card is None:
        raise NotFound("card_not_found", _l("This resident has no card."))
    card.previous_secret = card.secret
    card.secret = codes.new_secret()
    card.revoked_at = None
    card.failed_attempts = 0
    card.locked_until = None
    db.session.flush()
    _card_audit("card.reissued", actor or resident, resident, card)
    return card


def card_revoked() -> Refused:
    return Refused("revoked", _l("This card was reported lost. Ask the resident for the new card."))


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
    if card is None:
        replaced = db.session.scalar(sa.select(ResidentCard.id).where(ResidentCard.previous_secret == parsed.secret))
        raise card_revoked() if replaced is not None else codes.invalid_code()
    if card.revoked_at is not None:
        raise card_revoked()
    now = utcnow()
    if card.locked_until is not None and aware(card.locked_until) > now:
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
    same_community(resident, station)
    return new_pay_code(resident, issued_by_id=clerk.id, proxy_id=None, via_card=True, scanned_station_id=station.id)
