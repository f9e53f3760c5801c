"""Rollups the dashboards read for finished days: a community's points flows per local day, the days each
resident's points moved (a bit per day), and up to which day both are complete. The entries stay the truth:
`flask insights rollup --rebuild` recomputes all of it from them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import UTCDateTime, utcnow
from pointsbank.extensions import db

__all__ = ["CommunityDay", "ResidentDays", "RollupMark"]


class RollupMark(db.Model):
    """Local days before `rolled_until` are in the rollups of this community; later ones are read live."""

    __tablename__ = "rollup_mark"
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), primary_key=True)
    rolled_until: Mapped[date] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommunityDay(db.Model):
    """Points issued, spent, donated and expired in one community on one local day, net of reversals."""

    __tablename__ = "community_day"
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    issued: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spent: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    donated: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    expired: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class ResidentDays(db.Model):
    """The days a resident account's points moved: bit k is the day `rolled_until - 1 - k` (k < WINDOW)."""

    __tablename__ = "resident_days"
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), primary_key=True)
    days: Mapped[int] = mapped_column(sa.BigInteger, default=0)
