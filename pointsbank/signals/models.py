"""Fraud signals and the device records some of them are computed from."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import IdMixin, UTCDateTime, utcnow
from pointsbank.extensions import db

__all__ = ["KINDS", "STATUSES", "DeviceRecord", "FraudSignal"]

KINDS = ("velocity", "pair", "fast_approval", "shared_device", "clerk_redeem")
STATUSES = ("open", "dismissed", "confirmed")


class FraudSignal(IdMixin, db.Model):
    """One unusual pattern found by the nightly run; a coordinator reviews it."""

    __tablename__ = "fraud_signal"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "kind", "subject_key", name="uq_fraud_signal_subject"),
        sa.CheckConstraint("status in ('open','dismissed','confirmed')", name="ck_fraud_signal_status"),
        sa.Index("ix_fraud_signal_queue", "community_id", "status"),
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    subject_key: Mapped[str] = mapped_column(sa.String(120))
    score: Mapped[float] = mapped_column(sa.Float, default=0)
    evidence: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    review_note: Mapped[str | None] = mapped_column(sa.String(500))
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceRecord(IdMixin, db.Model):
    """Which device cookie and (hashed) client address filed a report, checked in or entered an award."""

    __tablename__ = "device_record"
    __table_args__ = (sa.Index("ix_device_record_probe", "community_id", "created_at"),)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(sa.String(16))
    device_hash: Mapped[str | None] = mapped_column(sa.String(64))
    address_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
