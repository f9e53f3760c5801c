"""Expiry reminders (a scheduled job): tell each resident once when points expire within the reminder window."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.notices.models import OutboxNotice
from pointsbank.notices.service import notify


def remind_expiring(now: datetime | None = None) -> int:
    """Notify residents whose points expire within PB_EXPIRY_REMIND_DAYS (default 30); once per account and date."""
    from pointsbank.ledger.expiry import expiring_soon
    from pointsbank.ledger.models import Account
    from pointsbank.people.models import Community

    now = now or utcnow()
    accounts = db.session.scalars(
        sa.select(Account)
        .join(Community, Community.id == Account.community_id)
        .where(
            Account.kind == "resident",
            Account.balance > 0,
            Account.owner_user_id.is_not(None),
            Community.expiry_policy != "none",
        )
        .order_by(Account.id)
    ).all()
    sent = 0
    for account in accounts:
        soon = expiring_soon(account, now)
        if not soon.is_soon(now):
            continue
        key = f"points.expiring:{account.id}:{soon.date.isoformat()}"
        if db.session.scalar(sa.select(OutboxNotice.id).where(OutboxNotice.key == key)) is not None:
            continue
        notify(
            account.owner_user_id,
            "points.expiring",
            {"points": soon.points, "date": soon.date.isoformat()},
            link="/ledger",
            subject=("account", account.id),
            key=key,
        )
        sent += 1
    return sent
