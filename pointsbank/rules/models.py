"""Point rules, their immutable published versions, and the approval queue (pending awards)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from pointsbank.extensions import db

__all__ = [
    "RULE_CATEGORIES",
    "RULE_EVIDENCE",
    "RULE_UNITS",
    "PendingAward",
    "Rule",
    "RuleVersion",
]

RULE_CATEGORIES = ("志愿服务", "随手拍/社情民意", "垃圾分类", "文明行为", "邻里互助")
RULE_STATUSES = ("draft", "published", "retired")
RULE_UNITS = ("occurrence", "hour")
# check_in: pays only from an attended activity sign-up; report: only from an accepted report;
# photo / witness: a coordinator's award with the photo or the witness recorded; coordinator: their word.
RULE_EVIDENCE = ("check_in", "report", "photo", "witness", "coordinator")
PENDING_STATUSES = ("pending", "approved", "rejected")


class Rule(IdMixin, TimestampMixin, db.Model):
    """A way to earn points in one community; what it pays lives in its versions."""

    __tablename__ = "rule"
    __table_args__ = (
        sa.CheckConstraint("status in ('draft','published','retired')", name="ck_rule_status"),
        # No two published rules of a community share a title (how to earn names each rule once).
        sa.Index(
            "uq_rule_published_title",
            "community_id",
            "title",
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        ),
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    versions: Mapped[list[RuleVersion]] = relationship(
        back_populates="rule", order_by="RuleVersion.version", lazy="selectin"
    )

    @property
    def latest(self) -> RuleVersion:
        """The newest version (the draft while the rule is a draft)."""
        return self.versions[-1]


class RuleVersion(IdMixin, TimestampMixin, db.Model):
    """What a rule pays; immutable once published (a change makes a new version)."""

    __tablename__ = "rule_version"
    __table_args__ = (
        sa.UniqueConstraint("rule_id", "version"),
        sa.CheckConstraint("points > 0", name="ck_rule_version_points"),
        sa.CheckConstraint("unit in ('occurrence','hour')", name="ck_rule_version_unit"),
    )
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rule.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    points: Mapped[int] = mapped_column()
    unit: Mapped[str] = mapped_column(sa.String(12), default="occurrence")
    grade: Mapped[str] = mapped_column(sa.String(40), default="")
    cap_day: Mapped[int | None] = mapped_column()
    cap_week: Mapped[int | None] = mapped_column()
    cap_month: Mapped[int | None] = mapped_column()
    evidence: Mapped[str] = mapped_column(sa.String(16), default="coordinator")
    needs_approval: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a newer version replaces this one or the rule is retired.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rule: Mapped[Rule] = relationship(back_populates="versions", lazy="joined")


class PendingAward(IdMixin, TimestampMixin, db.Model):
    """An award under a rule that needs approval: waits here until a coordinator decides."""

    __tablename__ = "pending_award"
    __table_args__ = (
        sa.CheckConstraint(
            "status in ('pending','approved','rejected')",
            name="ck_pending_award_status",
        ),
        sa.Index("ix_pending_award_queue", "community_id", "status", "id"),
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    rule_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_version.id"))
    quantity: Mapped[float] = mapped_column(sa.Float, default=1)
    requested_points: Mapped[int] = mapped_column()
    awarded_points: Mapped[int | None] = mapped_column()
    cap_note: Mapped[str | None] = mapped_column(sa.String(200))
    subject_type: Mapped[str | None] = mapped_column(sa.String(24))
    subject_id: Mapped[int | None] = mapped_column()
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    # The evidence a photo or witness rule asks for: a stored photo's file name, the witness's user id.
    evidence_photo: Mapped[str | None] = mapped_column(sa.String(64))
    witness_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", name="fk_pending_award_witness_id"))
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    rule_version: Mapped[RuleVersion] = relationship(lazy="joined")
    resident: Mapped[User] = relationship(foreign_keys=[resident_id], lazy="joined")  # noqa: F821
    witness: Mapped[User | None] = relationship(foreign_keys=[witness_id])  # noqa: F821
