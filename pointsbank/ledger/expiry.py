"""Points expiry per community policy: FIFO lots, oldest first; spent points never expire.

Each credit to a resident account is a lot dated by its transfer. Spending, donations, reversals and
earlier expiries (every debit) consume the oldest lots first, so the points still unspent in lots whose
expiry has passed are max(0, credits in those lots - all debits). That amount, capped by what is not on
hold, moves to the community's expiry account under a key naming the account and the cut-off, so running
the job twice moves nothing twice (and a concurrent second run posts with the same key).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Account, Entry, Transfer

LOCAL = ZoneInfo("Asia/Shanghai")


class Expiring(NamedTuple):
    """Points that expire next and the local date they expire on (None when nothing expires)."""

    points: int
    date: date | None

    def is_soon(self, now: datetime | None = None) -> bool:
        """Within the expiry reminder window (PB_EXPIRY_REMIND_DAYS, 30 days): what residents read as 即将过期."""
        if self.points <= 0 or self.date is None:
            return False
        today = (now or utcnow()).astimezone(LOCAL).date()
        return (self.date - today).days <= remind_days()


REMIND_DAYS = 30


def remind_days() -> int:
    """PB_EXPIRY_REMIND_DAYS from the app config, then the environment (30 by default)."""
    from flask import current_app

    value = current_app.config.get("PB_EXPIRY_REMIND_DAYS")
    return int(value if value is not None else os.environ.get("PB_EXPIRY_REMIND_DAYS", REMIND_DAYS))


def lot_expiry(earned_at: datetime, policy: str) -> datetime | None:
    """When points earned at earned_at expire (UTC), or None under the "none" policy.

    rolling_12_months: at the end of the twelfth month after the month they were earned (local time);
    year_end: at the end of the year they were earned.
    """
    if earned_at.tzinfo is None:  # SQLite gives back naive UTC
        earned_at = earned_at.replace(tzinfo=UTC)
    local = earned_at.astimezone(LOCAL)
    if policy == "rolling_12_months":
        month = local.month + 13
        year = local.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        end = datetime(year, month, 1, tzinfo=LOCAL)
    elif policy == "year_end":
        end = datetime(local.year + 1, 1, 1, tzinfo=LOCAL)
    else:
        return None
    return end.astimezone(UTC)


def next_clearing(policy: str | None, now: datetime | None = None) -> datetime | None:
    """The next instant after now at which points expire under the policy (UTC), or None under "none".

    Every lot expires at a local month start (rolling_12_months) or a local year start (year_end), so nothing
    expires between now and this instant.
    """
    local = (now or utcnow()).astimezone(LOCAL)
    if policy == "rolling_12_months":
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        return datetime(year, month, 1, tzinfo=LOCAL).astimezone(UTC)
    if policy == "year_end":
        return datetime(local.year + 1, 1, 1, tzinfo=LOCAL).astimezone(UTC)
    return None


def earned_before(policy: str, at: datetime) -> datetime:
    """The cut-off of lots expired by `at`: lot_expiry(t, policy) <= at exactly when t < earned_before(policy, at)."""
    local = at.astimezone(LOCAL)
    if policy == "year_end":
        return datetime(local.year, 1, 1, tzinfo=LOCAL).astimezone(UTC)
    if policy != "rolling_12_months":
        raise ValueError(f"no expiry under policy {policy!r}")
    index = local.year * 12 + local.month - 1 - 12
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=LOCAL).astimezone(UTC)


def _credits_and_debits(account_id: int) -> tuple[list[tuple[datetime, int]], int]:
    credits = db.session.execute(
        sa.select(Transfer.created_at, Entry.amount)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .where(Entry.account_id == account_id, Entry.amount > 0)
        .order_by(Entry.id)
    ).all()
    debits = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(-Entry.amount), 0)).where(
            Entry.account_id == account_id, Entry.amount < 0
        )
    )
    return [(c.created_at, c.amount) for c in credits], int(debits or 0)


def _remaining_lots(account_id: int, policy: str) -> tuple[list[tuple[datetime, int]], int]:
    """(expiry, unspent points) per lot, oldest first, after FIFO consumption by every debit; and the debits."""
    credits, debits = _credits_and_debits(account_id)
    left = debits
    lots: list[tuple[datetime, int]] = []
    for earned_at, amount in credits:
        used = min(amount, left)
        left -= used
        if amount - used > 0:
            expires = lot_expiry(earned_at, policy)
            if expires is not None:
                lots.append((expires, amount - used))
    return lots, debits


def expired_points(account: Account, policy: str, now: datetime | None = None) -> int:
    """Unspent points in lots whose expiry has passed."""
    now = now or utcnow()
    lots, _debits = _remaining_lots(account.id, policy)
    return sum(points for expires, points in lots if expires <= now)


def expiring_soon(account: Account | None, now: datetime | None = None, *, policy: str | None = None) -> Expiring:
    """The points that expire next and the local date of that expiry, for the resident's page (policy: if known)."""
    from pointsbank.people.models import Community

    if account is None or account.kind != "resident":
        return Expiring(0, None)
    if policy is None:
        policy = db.session.scalar(sa.select(Community.expiry_policy).where(Community.id == account.community_id))
    if policy in (None, "none"):
        return Expiring(0, None)
    now = now or utcnow()
    upcoming: dict[datetime, int] = {}
    for expires, points in _remaining_lots(account.id, policy)[0]:
        if expires > now:
            upcoming[expires] = upcoming.get(expires, 0) + points
    if not upcoming:
        return Expiring(0, None)
    first = min(upcoming)
    # The expiry instant is local midnight; the last day the points can be used is the day before.
    return Expiring(upcoming[first], (first.astimezone(LOCAL) - timedelta(seconds=1)).date())


def expire_points(now: datetime | None = None, community_id: int | None = None) -> int:
    """Move expired, unspent points of every resident to the community's expiry account; returns points moved."""
    from pointsbank.people.models import Community

    now = now or utcnow()
    query = sa.select(Community.id, Community.expiry_policy).where(Community.expiry_policy != "none")
    if community_id is not None:
        query = query.where(Community.id == community_id)
    moved = 0
    for cid, policy in db.session.execute(query).all():
        accounts = db.session.scalars(
            sa.select(Account)
            .where(Account.kind == "resident", Account.community_id == cid, Account.balance > 0)
            .order_by(Account.id)
        ).all()
        for account in accounts:
            moved += _expire_account(account, policy, now)
    return moved


def _expire_account(account: Account, policy: str, now: datetime) -> int:
    # Lock the account first so a concurrent spend is counted before the lots are worked out.
    db.session.execute(sa.select(Account.id).where(Account.id == account.id).with_for_update())
    lots, debits = _remaining_lots(account.id, policy)
    points = min(sum(p for expires, p in lots if expires <= now), ledger.balance(account).available)
    if points <= 0:
        return 0
    expiry = ledger.community_account(account.community_id, "expiry")
    # The key names the account's state (all debits so far): the same run again finds the same key.
    ledger.post(
        "expiry",
        [(account, -points), (expiry, points)],
        key=f"expiry:{account.id}:{debits}",
        actor_id=None,
        memo=f"积分过期：{points} 分（{policy_label(policy)}）",
        subject=("expiry", None),
    )
    return points


def policy_label(policy: str) -> str:
    """The policy in the words residents read."""
    return {"rolling_12_months": "获得后第12个月末过期", "year_end": "年底清零"}.get(policy, "不过期")
