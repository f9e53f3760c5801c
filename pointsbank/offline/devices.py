"""Enrolling and revoking the phones that may show offline pay codes, and accepting their codes online."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.offline import keys
from pointsbank.offline.models import PayDevice, UsedStep
from pointsbank.people.models import User
from pointsbank.stations import paycodes
from pointsbank.stations import service as stations
from pointsbank.stations.models import Station

MAX_DEVICES = 3


def devices_of(user: User) -> list[PayDevice]:
    """The user's enrolled devices that are not revoked, newest first."""
    return list(
        db.session.scalars(
            sa.select(PayDevice)
            .where(PayDevice.user_id == user.id, PayDevice.revoked_at.is_(None))
            .order_by(PayDevice.id.desc())
        )
    )


def enrol(user: User, label: str = "") -> PayDevice:
    """Enrol this phone; the caller hands `device.secret` to the phone once."""
    if user.community_id is None:
        raise Refused("not_a_resident", _l("Only residents can enrol a phone for offline pay codes."))
    if len(devices_of(user)) >= MAX_DEVICES:
        raise Refused("too_many_devices", _l("At most %(n)s phones can be enrolled. Remove one first.", n=MAX_DEVICES))
    device = PayDevice(user_id=user.id, label=(label or "").strip()[:60], secret=secrets.token_hex(32))
    db.session.add(device)
    db.session.flush()
    audit.record("device.enrolled", actor_id=user.id, community_id=user.community_id, subject=("pay_device", device.id))
    return device


def device_for(actor: User, device_id: int) -> PayDevice:
    """A device the actor may manage: their own, or a resident's of a community they coordinate."""
    device = db.session.get(PayDevice, device_id)
    if device is None:
        raise NotFound("device_not_found")
    if device.user_id == actor.id or actor.is_admin:
        return device
    owner = db.session.get(User, device.user_id)
    if owner is not None and owner.community_id in actor.coordinated_community_ids():
        return device
    raise NotFound("device_not_found")


def revoke(actor: User, device: PayDevice) -> PayDevice:
    """Revoke a device for good: its codes are refused from now on, online and at sync."""
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = actor.id
        owner = db.session.get(User, device.user_id)
        audit.record(
            "device.revoked",
            actor_id=actor.id,
            community_id=owner.community_id if owner else None,
            subject=("pay_device", device.id),
        )
        db.session.flush()
    return device


def check_code(device_id: int, otp: str, step: int | None, *, station_id: int) -> tuple[PayDevice, int]:
    """Check an offline code and use its time step once. step None: find it around the server's clock."""
    device = db.session.get(PayDevice, device_id)
    if device is None:
        raise Refused("invalid", _l("This code is not valid. Ask the resident to show it again."))
    if step is None:
        step = keys.matching_step(device.secret, otp, utcnow())
        if step is None:
            raise Refused("expired", _l("This code has expired. Ask the resident to refresh it."))
    elif not secrets.compare_digest(keys.device_code(device.secret, step), otp):
        raise Refused("invalid", _l("This code is not valid. Ask the resident to show it again."))
    if device.revoked_at is not None and keys.step_of(device.revoked_at) <= step:
        raise Refused("revoked", _l("This phone was removed from the account; its codes no longer work."))
    try:
        with db.session.begin_nested():
            db.session.add(UsedStep(device_id=device.id, step=step, station_id=station_id, used_at=utcnow()))
            db.session.flush()
    except IntegrityError:
        raise Conflict("already_used", _l("This code has already been used. Ask for a new one.")) from None
    return device, step


def read_offline_code(clerk: User, station: Station, text: str) -> str | None:
    """A counter online scanned an offline code: use its step once and stand in a pay code scanned here."""
    parsed = keys.parse(text)
    if parsed is None:
        return None
    if not stations.can_operate(clerk, station):
        raise NotFound("station_not_found")
    device, _ = check_code(parsed[0], parsed[1], None, station_id=station.id)
    resident = db.session.get(User, device.user_id)
    code = paycodes.new_pay_code(resident, issued_by_id=resident.id, proxy_id=None, scanned_station_id=station.id)
    return paycodes.pay_payload(code)


def community_devices(community_id: int) -> list[tuple[PayDevice, User]]:
    """The enrolled, unrevoked phones of a community's residents (for the coordinator), newest first."""
    rows = db.session.execute(
        sa.select(PayDevice, User)
        .join(User, User.id == PayDevice.user_id)
        .where(User.community_id == community_id, PayDevice.revoked_at.is_(None))
        .order_by(PayDevice.id.desc())
    )
    return [(device, user) for device, user in rows]
