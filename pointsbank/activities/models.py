"""Volunteer activities, sign-ups (with the waiting list and check-in/out) and teams."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from pointsbank.extensions import db

__all__ = ["Activity", "Signup", "Team", "TeamMember"]

ACTIVITY_STATUSES = ("open", "closed", "confirmed", "cancelled")
SIGNUP_STATUSES = ("signed_up", "waiting", "cancelled", "attended", "no_show")


class Team(IdMixin, TimestampMixin, db.Model):
    """A volunteer team in a community (e.g. 外卖小哥志愿服务队)."""

    __tablename__ = "team"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class TeamMember(IdMixin, db.Model):
    __tablename__ = "team_member"
    __table_args__ = (sa.UniqueConstraint("team_id", "user_id"),)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Activity(IdMixin, TimestampMixin, db.Model):
    """An event volunteers sign up for, check in to and get points for under a rule."""

    __tablename__ = "activity"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="ck_activity_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_activity_window"),
        sa.CheckConstraint(
            "status in ('open','closed','confirmed','cancelled')",
            name="ck_activity_status",
        ),
        sa.Index("ix_activity_community_starts", "community_id", "starts_at"),
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"))
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rule.id"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"))
    title: Mapped[str] = mapped_column(sa.String(80))
    place: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    # Random secret printed (signed) on the poster QR; never the id.
    poster_key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    rule = relationship("Rule", lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")


class Signup(IdMixin, TimestampMixin, db.Model):
    """One volunteer on one activity: signed up or waiting, then checked in/out, attended or no-show."""

    __tablename__ = "signup"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "user_id"),
        sa.CheckConstraint(
            "status in ('signed_up','waiting','cancelled','attended','no_show')",
            name="ck_signup_status",
        ),
        sa.Index("ix_signup_activity_status", "activity_id", "status", "queued_at"),
    )
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="signed_up")
    # Order on the waiting list: the time of the latest sign-up.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    hours: Mapped[float | None] = mapped_column(sa.Float)
    award_status: Mapped[str | None] = mapped_column(sa.String(12))  # posted | pending | capped_out | rejected
    points_requested: Mapped[int | None] = mapped_column()
    points_awarded: Mapped[int | None] = mapped_column()
    cap_note: Mapped[str | None] = mapped_column(sa.String(200))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
    pending_award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pending_award.id"))
    activity: Mapped[Activity] = relationship(lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
