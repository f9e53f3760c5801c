"""Enrolled pay devices, used time steps, signed counter bundles and offline confirmations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime
from pointsbank.extensions import db

__all__ = ["OfflineBundle", "OfflineConfirmation", "PayDevice", "UsedStep"]


class PayDevice(IdMixin, TimestampMixin, db.Model):
    """A resident's phone enrolled for offline pay codes; the secret lives on the phone and here only."""

    __tablename__ = "pay_device"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(60), default="")
    secret: Mapped[str] = mapped_column(sa.String(64))  # hex, 32 random bytes
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class UsedStep(db.Model):
    """A time step of a device that has been accepted once: never again."""

    __tablename__ = "pay_device_step"
    device_id: Mapped[int] = mapped_column(sa.ForeignKey("pay_device.id"), primary_key=True)
    step: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OfflineBundle(IdMixin, TimestampMixin, db.Model):
    """What a station's counter downloaded to work offline; allowances are kept to hold the counter to them."""

    __tablename__ = "offline_bundle"
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # {resident id (str): points this station may accept offline from that resident}
    allowances: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # {item id (str): points} as downloaded: offline confirmations are priced by what the counter showed.
    prices: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class OfflineConfirmation(IdMixin, TimestampMixin, db.Model):
    """One confirmation made offline and synced: its outcome and what was posted."""

    __tablename__ = "offline_confirmation"
    __table_args__ = (sa.Index("ix_offline_confirmation_bundle_resident", "bundle_id", "resident_id"),)
    idempotency_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    bundle_id: Mapped[int] = mapped_column(sa.ForeignKey("offline_bundle.id"))
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pay_device.id"))
    step: Mapped[int | None] = mapped_column(sa.BigInteger)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    points: Mapped[int] = mapped_column(default=0)  # what the counter handed over, in points
    posted: Mapped[int] = mapped_column(default=0)  # what the ledger moved
    # posted | short (posted as far as the balance allowed) | refused
    outcome: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    redemption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("redemption.id"))
