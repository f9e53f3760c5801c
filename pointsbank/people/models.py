"""Users, roles and the community hierarchy (区 → 街道 → 社区 → 网格)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from pointsbank.extensions import db

ROLES = ("resident", "clerk", "coordinator", "street_officer", "district_officer", "admin")
EXPIRY_POLICIES = ("none", "rolling_12_months", "year_end")


class District(IdMixin, db.Model):
    __tablename__ = "district"
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    streets: Mapped[list[Street]] = relationship(back_populates="district", order_by="Street.id")


class Street(IdMixin, db.Model):
    __tablename__ = "street"
    __table_args__ = (sa.UniqueConstraint("district_id", "name"),)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    district: Mapped[District] = relationship(back_populates="streets")
    communities: Mapped[list[Community]] = relationship(back_populates="street", order_by="Community.id")


class Community(IdMixin, db.Model):
    __tablename__ = "community"
    __table_args__ = (sa.UniqueConstraint("street_id", "name"),)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("street.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    # Ledger settings: how points expire and when a manual adjustment needs a second coordinator.
    expiry_policy: Mapped[str] = mapped_column(sa.String(24), default="none")
    adjustment_threshold: Mapped[int] = mapped_column(default=200)
    # Community settings (the settings page edits them; each change is audited).
    publicity_days: Mapped[int] = mapped_column(default=3, server_default="3")  # 公示 period, 0 = off
    spend_after_publicity: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    champions_after_publicity: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    undo_minutes: Mapped[int] = mapped_column(default=10, server_default="10")
    reservation_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    low_stock_default: Mapped[int] = mapped_column(default=5, server_default="5")
    offline_allowance: Mapped[int] = mapped_column(default=100, server_default="100")  # points per resident per day
    coordinate_retention_days: Mapped[int] = mapped_column(default=365, server_default="365")
    signal_mad_k: Mapped[int] = mapped_column(default=5, server_default="5")  # k in median + k·MAD
    street: Mapped[Street] = relationship(back_populates="communities")
    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.id")

    @property
    def full_name(self) -> str:
        return f"{self.street.district.name} › {self.street.name} › {self.name}"


class Grid(IdMixin, db.Model):
    __tablename__ = "grid"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    community: Mapped[Community] = relationship(back_populates="grids")


def mask_name(name: str) -> str:
    """名字打码，every public view the same: 张三丰 → 张*丰, 李四 → 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class User(UserMixin, IdMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"
    phone: Mapped[str] = mapped_column(sa.String(11), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # The community a resident lives in (None for staff who are not residents).
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grid.id"))
    elder_mode: Mapped[bool] = mapped_column(default=False)
    # Set for a temporary password handed out by a coordinator; the first login asks for a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    community: Mapped[Community | None] = relationship(foreign_keys=[community_id])
    grid: Mapped[Grid | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return self.phone[:3] + "****" + self.phone[-4:]

    def has_role(self, role: str) -> bool:
        if role == "resident":
            return self.community_id is not None
        return any(g.role == role for g in self.grants)

    @property
    def roles(self) -> list[str]:
        return [r for r in ROLES if self.has_role(r)]

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    def coordinated_community_ids(self) -> set[int]:
        """Communities this user coordinates (admins: none implicitly)."""
        return {g.community_id for g in self.grants if g.role == "coordinator" and g.community_id}

    def clerk_station_ids(self) -> set[int]:
        """Stations this user works at as a clerk."""
        return {g.station_id for g in self.grants if g.role == "clerk" and g.station_id}


class RoleGrant(IdMixin, TimestampMixin, db.Model):
    """A role held for a community (coordinator), a station (clerk), a street or district (officers) or everywhere."""

    __tablename__ = "role_grant"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "community_id", "station_id"),
        sa.CheckConstraint(
            "role in ('clerk','coordinator','street_officer','district_officer','admin')", name="ck_role_grant_role"
        ),
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"))
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("station.id"))
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("street.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    user: Mapped[User] = relationship(back_populates="grants")


class UserSession(IdMixin, TimestampMixin, db.Model):
    """A logged-in browser session; the cookie holds a secret whose SHA-256 is stored here.

    Ending it (logout, password change, an admin or coordinator) is final; it also ends after an idle time.
    """

    __tablename__ = "user_session"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the password was last typed in this session (login or a confirmation): tokens need a recent one.
    password_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(sa.String(64))
    user: Mapped[User] = relationship()


TOKEN_SCOPES = ("read", "counter", "manage")


class ApiToken(IdMixin, TimestampMixin, db.Model):
    """A personal API token; only its SHA-256 is stored. It has a scope and an expiry; revoking is final."""

    __tablename__ = "api_token"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    # read: GET only; counter: read and the station counter (codes, redemptions); manage: everything.
    scope: Mapped[str] = mapped_column(sa.String(12), default="manage", server_default="manage")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()


# The station table read by id, name and community only: people sit below stations and import none of them.
STATIONS = sa.table("station", sa.column("id"), sa.column("name"), sa.column("community_id"))
