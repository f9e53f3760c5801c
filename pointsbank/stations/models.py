"""Stations, items, stock, codes and redemptions."""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pointsbank.db import IdMixin, TimestampMixin
from pointsbank.extensions import db
from pointsbank.people.models import Community


class Station(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "station"
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    community: Mapped[Community] = relationship()
