"""Stations, items, stock, codes and redemptions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime
from pointsbank.extensions import db
from pointsbank.people.models import Community, User

ITEM_KINDS = ("goods", "service")
LIMIT_PERIODS = ("day", "week", "month")
STOCK_REASONS = ("intake", "donation", "adjustment", "redemption", "reservation", "release", "undo")
REDEMPTION_STATUSES = ("done", "undone", "refunded")
RESERVATION_STATUSES = ("pending", "picked_up", "cancelled", "expired")


class Station(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "station"
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Stock at or below this number is shown as low.
    low_stock_threshold: Mapped[int] = mapped_column(default=5, server_default="5")
    community: Mapped[Community] = relationship()


class Item(IdMixin, TimestampMixin, db.Model):
    """Goods or a service with a points price, stocked per station."""

    __tablename__ = "item"
    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="ck_item_stock_nonnegative"),
        sa.CheckConstraint("points > 0", name="ck_item_points_positive"),
        sa.CheckConstraint("kind in ('goods','service')", name="ck_item_kind"),
        sa.CheckConstraint("limit_period is null or limit_period in ('day','week','month')", name="ck_item_period"),
        sa.CheckConstraint(
            "reference_value_fen is null or reference_value_fen >= 0", name="ck_item_reference_value_nonnegative"
        ),
    )
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(8), default="goods")
    points: Mapped[int] = mapped_column()
    # Cached: always the sum of this item's stock movements; only stations.stock.move_stock changes it.
    stock: Mapped[int] = mapped_column(default=0)
    limit_qty: Mapped[int | None] = mapped_column()
    limit_period: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # What one unit is worth in money, in fen (1/100 yuan); None when nobody has said. The liability view
    # values the stock with it.
    reference_value_fen: Mapped[int | None] = mapped_column()
    station: Mapped[Station] = relationship()

    @property
    def tracks_stock(self) -> bool:
        """Goods have stock; a service (haircut, repair) does not run out."""
        return self.kind == "goods"


class StockMovement(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "stock_movement"
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    delta: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    redemption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("redemption.id"))
    reservation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reservation.id"))


class PayCode(IdMixin, TimestampMixin, db.Model):
    """付款码: short-lived, single use, bound to the resident."""

    __tablename__ = "pay_code"
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # Who made the code: the resident, a registered proxy, or a clerk (resident card + PIN).
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    proxy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    via_card: Mapped[bool] = mapped_column(default=False)
    secret: Mapped[str] = mapped_column(sa.String(32), unique=True)
    digits: Mapped[str] = mapped_column(sa.String(8), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A scanned code stays good for the clerk who scanned it while items are picked (see service.SCAN_GRACE).
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scanned_station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("station.id"))
    # The last refused scan of this code (its error code), so the resident's phone can say why.
    refused_reason: Mapped[str | None] = mapped_column(sa.String(32))
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    proxy: Mapped[User | None] = relationship(foreign_keys=[proxy_id])


class Redemption(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "redemption"
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"), index=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    proxy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    pay_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pay_code.id"), unique=True)
    reservation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reservation.id"), unique=True)
    total: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(10), default="done")
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
    reversal_transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
    balance_after: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    end_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    station: Mapped[Station] = relationship()
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    clerk: Mapped[User] = relationship(foreign_keys=[clerk_id])
    proxy: Mapped[User | None] = relationship(foreign_keys=[proxy_id])
    lines: Mapped[list[RedemptionLine]] = relationship(
        back_populates="redemption", order_by="RedemptionLine.id", cascade="all, delete-orphan"
    )


class RedemptionLine(IdMixin, db.Model):
    __tablename__ = "redemption_line"
    redemption_id: Mapped[int] = mapped_column(sa.ForeignKey("redemption.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    item_name: Mapped[str] = mapped_column(sa.String(80))
    qty: Mapped[int] = mapped_column()
    unit_points: Mapped[int] = mapped_column()
    redemption: Mapped[Redemption] = relationship(back_populates="lines")


class Reservation(IdMixin, TimestampMixin, db.Model):
    """Items reserved online: points on hold, stock reserved, handed over with a pickup code."""

    __tablename__ = "reservation"
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"), index=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    proxy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    total: Mapped[int] = mapped_column()
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hold.id"))
    secret: Mapped[str] = mapped_column(sa.String(32), unique=True)
    digits: Mapped[str] = mapped_column(sa.String(8), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    station: Mapped[Station] = relationship()
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    lines: Mapped[list[ReservationLine]] = relationship(
        back_populates="reservation", order_by="ReservationLine.id", cascade="all, delete-orphan"
    )


class ReservationLine(IdMixin, db.Model):
    __tablename__ = "reservation_line"
    reservation_id: Mapped[int] = mapped_column(sa.ForeignKey("reservation.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    item_name: Mapped[str] = mapped_column(sa.String(80))
    qty: Mapped[int] = mapped_column()
    unit_points: Mapped[int] = mapped_column()
    reservation: Mapped[Reservation] = relationship(back_populates="lines")


class ResidentCard(IdMixin, TimestampMixin, db.Model):
    """A printable card for elderly residents: a static QR plus a PIN the resident chose."""

    __tablename__ = "resident_card"
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    secret: Mapped[str] = mapped_column(sa.String(32), unique=True)
    pin_hash: Mapped[str] = mapped_column(sa.String(255))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret of the card it replaced: that printed card answers `revoked`, not `invalid`.
    previous_secret: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    resident: Mapped[User] = relationship()


class Proxy(IdMixin, TimestampMixin, db.Model):
    """家属代办: a family member who may show codes and spend for an elderly resident."""

    __tablename__ = "proxy"
    __table_args__ = (sa.UniqueConstraint("resident_id", "proxy_user_id"),)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    proxy_user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    relation: Mapped[str] = mapped_column(sa.String(20), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    active: Mapped[bool] = mapped_column(default=True)
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    proxy_user: Mapped[User] = relationship(foreign_keys=[proxy_user_id])


class CodeAttempt(IdMixin, TimestampMixin, db.Model):
    """A wrong typed code at a counter: counted per clerk and per station to limit guessing."""

    __tablename__ = "code_attempt"
    __table_args__ = (
        sa.Index("ix_code_attempt_station_time", "station_id", "created_at"),
        sa.Index("ix_code_attempt_clerk_time", "clerk_id", "created_at"),
    )
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"))
    clerk_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))


__all__ = [
    "CodeAttempt",
    "Item",
    "PayCode",
    "Proxy",
    "Redemption",
    "RedemptionLine",
    "Reservation",
    "ReservationLine",
    "ResidentCard",
    "Station",
    "StockMovement",
]
