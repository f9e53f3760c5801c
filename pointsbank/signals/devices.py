"""Device records: a keyed hash of the device cookie and of the client address on report, check-in and award writes."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from pointsbank.extensions import db
from pointsbank.signals.models import DeviceRecord

ACTIONS = ("report", "check_in", "award")


def keyed_hash(value: str | None) -> str | None:
    """HMAC-SHA256 with the app's secret key: the same value matches, the value itself is not kept."""
    if not value:
        return None
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def note(community_id: int | None, user_id: int, action: str, device_id: str | None, address: str | None) -> None:
    """Add one device record inside the caller's unit of work (nothing without a community)."""
    if community_id is None or action not in ACTIONS:
        return
    db.session.add(
        DeviceRecord(
            community_id=community_id,
            user_id=user_id,
            action=action,
            device_hash=keyed_hash(device_id),
            address_hash=keyed_hash(address),
        )
    )
    db.session.flush()
