"""Ledger models: accounts, transfers, entries, holds, adjustments and seals.

Only the ledger modules (pointsbank.ledger.service and the modules behind it) write these tables.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pointsbank.db import IdMixin, TimestampMixin, UTCDateTime
from pointsbank.extensions import db

__all__ = [
    "APPEND_ONLY_SQL",
    "DROP_APPEND_ONLY_SQL",
    "Account",
    "Adjustment",
    "Entry",
    "Hold",
    "LedgerSeal",
    "Transfer",
]

ACCOUNT_KINDS = ("resident", "issuance", "fund", "expiry", "station")
HOLD_STATUSES = ("pending", "posted", "voided", "expired")
ADJUSTMENT_STATUSES = ("pending", "approved", "rejected", "posted")


class Account(IdMixin, TimestampMixin, db.Model):
    """A points account; `balance` and `held` are caches of the entries and the pending holds."""

    __tablename__ = "account"
    __table_args__ = (
        sa.CheckConstraint("kind in ('resident','issuance','fund','expiry','station')", name="ck_account_kind"),
        sa.CheckConstraint("balance >= 0 OR kind = 'issuance'", name="ck_account_balance_not_negative"),
        sa.CheckConstraint("held >= 0", name="ck_account_held_not_negative"),
        sa.CheckConstraint("balance - held >= 0 OR kind = 'issuance'", name="ck_account_available_not_negative"),
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    # "resident:<user id>", "issuance:<community id>", "station:<station id>": one account per owner.
    owner_key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    owner_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("station.id"))
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    held: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    owner = relationship("User", foreign_keys=[owner_user_id], lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.owner_key} balance={self.balance} held={self.held}>"


class Transfer(IdMixin, TimestampMixin, db.Model):
    """One movement of points: two or more entries summing to zero. Append-only."""

    __tablename__ = "transfer"
    kind: Mapped[str] = mapped_column(sa.String(24))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    subject_type: Mapped[str | None] = mapped_column(sa.String(24))
    subject_id: Mapped[int | None] = mapped_column()
    rule_version_id: Mapped[int | None] = mapped_column()
    # A transfer is reversed at most once: the database enforces it with this unique column.
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"), unique=True)
    entries: Mapped[list[Entry]] = relationship(back_populates="transfer", order_by="Entry.id")

    __table_args__ = (sa.Index("ix_transfer_subject", "subject_type", "subject_id"),)

    def __repr__(self) -> str:
        return f"<Transfer {self.id} {self.kind} key={self.idempotency_key!r}>"


class Entry(IdMixin, db.Model):
    """A signed amount on one account within a transfer, with the account's balance after it."""

    __tablename__ = "entry"
    __table_args__ = (
        sa.Index("ix_entry_account_id_id", "account_id", "id"),
        # Insights read one community's week: the copies below make that an index range, not a scan.
        sa.Index("ix_entry_community_created", "community_id", "created_at"),
        sa.CheckConstraint("amount <> 0", name="ck_entry_amount_not_zero"),
    )
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfer.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    balance_after: Mapped[int] = mapped_column(sa.BigInteger)
    # Copies written with the entry and never changed: the account's community and the transfer's time
    # (`flask ledger verify` checks them against the account and the transfer).
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer: Mapped[Transfer] = relationship(back_populates="entries")


class Hold(IdMixin, TimestampMixin, db.Model):
    """Points reserved on an account (a pending redemption); ends once: posted, voided or expired."""

    __tablename__ = "hold"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="ck_hold_amount_positive"),
        sa.CheckConstraint("status in ('pending','posted','voided','expired')", name="ck_hold_status"),
        sa.Index("ix_hold_status_expires_at", "status", "expires_at"),
    )
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str | None] = mapped_column(sa.String(24))
    subject_id: Mapped[int | None] = mapped_column()
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(60))


class Adjustment(IdMixin, TimestampMixin, db.Model):
    """A manual correction by a coordinator; above the community threshold a second coordinator approves."""

    __tablename__ = "adjustment"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="ck_adjustment_amount_not_zero"),
        sa.CheckConstraint("status in ('pending','approved','rejected','posted')", name="ck_adjustment_status"),
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
    # Set when this adjustment reverses an earlier adjustment's transfer (posted as a reversal).
    reverses_transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfer.id"))
    account: Mapped[Account] = relationship(lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    approved_by = relationship("User", foreign_keys=[approved_by_id], lazy="joined")


class LedgerSeal(IdMixin, TimestampMixin, db.Model):
    """A hash chained over the canonical form of every transfer up to last_transfer_id."""

    __tablename__ = "ledger_seal"
    last_transfer_id: Mapped[int] = mapped_column()
    transfer_count: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))


def _resident_account_of_user() -> None:
    """User.resident_account: the resident's account, loaded with the logged-in user (balance pages need no query)."""
    from pointsbank.people import sessions
    from pointsbank.people.models import User

    User.resident_account = relationship(
        Account,
        primaryjoin=sa.and_(Account.owner_user_id == User.id, Account.kind == "resident"),
        foreign_keys=[Account.owner_user_id],
        viewonly=True,
        uselist=False,
    )
    sessions.add_user_option(lambda: sa.orm.joinedload(User.resident_account))


_resident_account_of_user()


# PostgreSQL refuses UPDATE and DELETE of ledger rows (TRUNCATE, used by test clean-up, is not a row event).
# The lead reuses these statements in the Alembic migration (op.execute(APPEND_ONLY_SQL)).
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'ledger is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS transfer_append_only ON transfer;
CREATE TRIGGER transfer_append_only BEFORE UPDATE OR DELETE ON transfer
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
DROP TRIGGER IF EXISTS entry_append_only ON entry;
CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE ON entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS entry_append_only ON entry;
DROP TRIGGER IF EXISTS transfer_append_only ON transfer;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


@sa.event.listens_for(Entry.__table__, "after_create")
def _append_only(target: sa.Table, connection: sa.Connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(APPEND_ONLY_SQL)
