"""Notices (a code with parameters), their deliveries per outbound channel, and each person's choices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime
from pointsbank.extensions import db

__all__ = ["NoticeDelivery", "NoticePreference", "OutboxNotice"]


class OutboxNotice(IdMixin, TimestampMixin, db.Model):
    """One notice to one person: a code and its parameters, rendered when shown; read or not."""

    __tablename__ = "outbox_notice"
    __table_args__ = (sa.Index("ix_outbox_notice_user_read", "user_id", "read_at"),)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(48))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str] = mapped_column(sa.String(200), default="")
    subject_type: Mapped[str | None] = mapped_column(sa.String(24))
    subject_id: Mapped[int | None] = mapped_column()
    # Set when the same event must not notify twice (e.g. one expiry reminder per account and date).
    key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeDelivery(IdMixin, TimestampMixin, db.Model):
    """A notice on one outbound channel: pending until delivered, retried with backoff, given up after a while."""

    __tablename__ = "notice_delivery"
    __table_args__ = (
        sa.UniqueConstraint("notice_id", "channel", name="uq_notice_delivery_channel"),
        sa.Index("ix_notice_delivery_due", "status", "next_attempt_at"),
    )
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_notice.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(16))
    # pending, delivered, failed (gave up)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticePreference(db.Model):
    """A person's outbound channels (None: every channel the service offers) and quiet hours (local HH:MM)."""

    __tablename__ = "notice_preference"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    channels: Mapped[list[str] | None] = mapped_column(sa.JSON)
    quiet_start: Mapped[str | None] = mapped_column(sa.String(5))
    quiet_end: Mapped[str | None] = mapped_column(sa.String(5))
    # The person's WeChat openid for subscription messages, set by the mini-program when they subscribe.
    wechat_openid: Mapped[str | None] = mapped_column(sa.String(64))
