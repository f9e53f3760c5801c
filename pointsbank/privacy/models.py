"""Privacy records: consents to the notice, erasure requests and issued service certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import IdMixin, UTCDateTime, utcnow
from pointsbank.extensions import db

__all__ = ["Certificate", "Consent", "ErasureRequest"]

ERASURE_STATUSES = ("requested", "approved", "rejected")


class Consent(IdMixin, db.Model):
    """A resident agreed to one version of the privacy notice."""

    __tablename__ = "privacy_consent"
    __table_args__ = (sa.UniqueConstraint("user_id", "version"),)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh")
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasureRequest(IdMixin, db.Model):
    """A resident asked to be erased; a coordinator of their community approves or rejects it."""

    __tablename__ = "erasure_request"
    __table_args__ = (
        sa.CheckConstraint("status in ('requested','approved','rejected')", name="ck_erasure_request_status"),
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="requested")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The coordinator's reason for the decision (a code-like short text; never a name).
    reason: Mapped[str] = mapped_column(sa.String(200), default="")


class Certificate(IdMixin, db.Model):
    """An issued 志愿服务证明: what it says is frozen here; the QR carries a signed random key, never the id."""

    __tablename__ = "service_certificate"
    key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    hours: Mapped[float] = mapped_column(sa.Float, default=0)
    # {"name": masked name, "community": ..., "activities": [[title, date, hours], ...]}
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
