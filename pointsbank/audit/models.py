"""Audit log entries: append-only, each carrying the hash of the one before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import IdMixin, UTCDateTime, utcnow
from pointsbank.extensions import db

__all__ = ["AuditEntry"]


class AuditEntry(IdMixin, db.Model):
    """One audited action; `hash` covers the entry's fields and `prev_hash`, so no entry can change unseen."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_community_created", "community_id", "created_at"),)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"))
    # A stable code such as "session.ended_all", "code_check.locked", "phone.revealed".
    action: Mapped[str] = mapped_column(sa.String(48), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(32))
    subject_id: Mapped[int | None] = mapped_column(sa.Integer)
    # The client address of the request, when there is one.
    address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
