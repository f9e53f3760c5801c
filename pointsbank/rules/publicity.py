"""公示 of rule awards: the period's end, and the hold that keeps an award's points until then when the
community spends only after 公示."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Hold
from pointsbank.people.models import Community

HOLD_SUBJECT = "publicity"


def hold_key(transfer_id: int) -> str:
    """The idempotency key of an award's 公示 hold."""
    return f"publicity:{transfer_id}:hold"


def publicity_end(approved_at: datetime, days: int) -> datetime | None:
    """When an award approved at approved_at leaves 公示 (None when the community has no 公示)."""
    return approved_at + timedelta(days=days) if days and days > 0 else None


def hold_during_publicity(transfer: Any, resident: Any, points: int) -> Hold | None:
    """Put an award's points on hold until its 公示 ends, when its community says "spend after 公示"."""
    community = db.session.get(Community, resident.community_id)
    if community is None or not community.spend_after_publicity:
        return None
    until = publicity_end(transfer.created_at, community.publicity_days)
    if until is None:
        return None
    return ledger.hold(
        ledger.resident_account(resident),
        points,
        key=hold_key(transfer.id),
        expires_at=until,
        memo=f"公示中：{transfer.memo}"[:200],
        subject=(HOLD_SUBJECT, transfer.id),
    )


def publicity_hold(transfer_id: int) -> Hold | None:
    """An award's pending 公示 hold, if any."""
    return db.session.scalar(
        sa.select(Hold).where(Hold.idempotency_key == hold_key(transfer_id), Hold.status == "pending")
    )


def points_in_publicity(account_id: int) -> int:
    """Points of an account waiting on 公示 holds (shown as 公示中)."""
    value = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Hold.amount), 0)).where(
            Hold.account_id == account_id, Hold.status == "pending", Hold.subject_type == HOLD_SUBJECT
        )
    )
    return int(value or 0)
