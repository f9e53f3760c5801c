"""An objection (异议) by a resident to an award while it is in 公示, and its decision."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime
from pointsbank.extensions import db

__all__ = ["OBJECTION_STATUSES", "Objection"]

OBJECTION_STATUSES = ("open", "upheld", "dismissed")
REASON_MAX = 500


class Objection(IdMixin, TimestampMixin, db.Model):
    """One resident's objection to one award (the award's transfer); decided once, upheld or dismissed."""

    __tablename__ = "objection"
    __table_args__ = (
        sa.CheckConstraint("status in ('open','upheld','dismissed')", name="ck_objection_status"),
        # One objection per resident per award.
        sa.UniqueConstraint("transfer_id", "objector_id", name="uq_objection_transfer_objector"),
        sa.Index("ix_objection_queue", "community_id", "status", "id"),
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"))
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer.id"), index=True)
    objector_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # The resident who was awarded (copied from the award's account, for the queue and the notices).
    awarded_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX))
    photo: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decision_reason: Mapped[str | None] = mapped_column(sa.String(REASON_MAX))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
