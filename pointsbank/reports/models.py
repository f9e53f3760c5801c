"""Resident reports (随手拍/社情民意): categories, reports, their history and photos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from pointsbank.extensions import db
from pointsbank.notices.models import OutboxNotice
from pointsbank.people.models import Community, Grid, User

__all__ = ["OPEN_STATUSES", "STATUSES", "Report", "ReportCategory", "ReportEvent", "ReportPhoto"]

STATUSES = ("submitted", "accepted", "rejected", "duplicate", "assigned", "resolved", "closed")
# Statuses in which the community still owes work on the report (its time limit runs).
OPEN_STATUSES = ("submitted", "accepted", "assigned")
FINAL_STATUSES = ("rejected", "duplicate", "closed")


def aware(value: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite hands back naive UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class ReportCategory(IdMixin, db.Model):
    """A kind of problem residents can report, per community; the rule pays accepted reports."""

    __tablename__ = "report_category"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rule.id"))
    resolve_rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rule.id"))
    time_limit_hours: Mapped[int] = mapped_column(default=72)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    community: Mapped[Community] = relationship()


class Report(IdMixin, TimestampMixin, db.Model):
    """A problem a resident reported, with its place, photos and where it stands."""

    __tablename__ = "report"
    __table_args__ = (
        sa.CheckConstraint(
            "status in ('submitted','accepted','rejected','duplicate','assigned','resolved','closed')",
            name="ck_report_status",
        ),
        sa.CheckConstraint("satisfaction is null or satisfaction between 1 and 5", name="ck_report_satisfaction"),
        sa.Index("ix_report_community_status", "community_id", "status", "created_at"),
        # Duplicate suggestions: same community and category within a span of days.
        sa.Index("ix_report_duplicate_probe", "community_id", "category_id", "created_at"),
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"))
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("report_category.id"))
    description: Mapped[str] = mapped_column(sa.Text)
    # What Open311 may show; set only by a coordinator (None: Open311 shows no description).
    public_description: Mapped[str | None] = mapped_column(sa.Text)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grid.id"))
    building: Mapped[str] = mapped_column(sa.String(80), default="")
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default="submitted")
    status_note: Mapped[str] = mapped_column(sa.Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    department: Mapped[str] = mapped_column(sa.String(80), default="")
    satisfaction: Mapped[int | None] = mapped_column()
    award_note: Mapped[str] = mapped_column(sa.String(200), default="")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    category: Mapped[ReportCategory] = relationship(lazy="joined")
    grid: Mapped[Grid | None] = relationship()
    duplicate_of: Mapped[Report | None] = relationship(remote_side="Report.id")
    events: Mapped[list[ReportEvent]] = relationship(
        back_populates="report", order_by="ReportEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report", order_by="ReportPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def points_awarded(self) -> int:
        """Points the reporter holds for this report: the sum of the ledger's transfers for it (never kept by hand)."""
        known = self.__dict__.get("_points_awarded")
        if known is not None:
            return known
        from pointsbank.ledger import service as ledger

        return ledger.resident_totals("report", [self.id])[self.id] if self.id else 0

    @property
    def due_at(self) -> datetime:
        """When the category's time limit runs out."""
        return aware(self.created_at) + timedelta(hours=self.category.time_limit_hours)

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Still open and past the category's time limit."""
        return self.status in OPEN_STATUSES and (now or utcnow()) > self.due_at

    @property
    def assignee_label(self) -> str:
        if self.assignee is not None:
            return self.assignee.name
        return self.department

    @property
    def filing_photos(self) -> list[ReportPhoto]:
        return [p for p in self.photos if p.stage == "filing"]

    @property
    def resolution_photos(self) -> list[ReportPhoto]:
        return [p for p in self.photos if p.stage == "resolution"]


class ReportEvent(IdMixin, TimestampMixin, db.Model):
    """One change of a report: who, when, from which status to which, and why."""

    __tablename__ = "report_event"
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(sa.String(16))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    request_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    report: Mapped[Report] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ReportPhoto(IdMixin, TimestampMixin, db.Model):
    """A re-encoded JPEG stored under a random name; GPS from the original EXIF is for coordinators only."""

    __tablename__ = "report_photo"
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(12), default="filing")
    filename: Mapped[str] = mapped_column(sa.String(64), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    size_bytes: Mapped[int] = mapped_column()
    gps_lat: Mapped[float | None] = mapped_column()
    gps_lon: Mapped[float | None] = mapped_column()
    report: Mapped[Report] = relationship(back_populates="photos")


# Notices moved to pointsbank.notices (one outbox for every feature); the old name is kept for callers.
Notice = OutboxNotice
