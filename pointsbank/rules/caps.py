"""Caps on what a rule pays per day, week and month (Asia/Shanghai calendar), and points per quantity."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Invalid
from pointsbank.extensions import db
from pointsbank.rules.models import RuleVersion
from pointsbank.rules.versions import SHANGHAI

CAP_LABELS = {"day": "每日", "week": "每周", "month": "每月"}


def cap_windows(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """The day, week (Monday first) and month containing `now`, in the Asia/Shanghai calendar, as UTC bounds."""
    local = now.astimezone(SHANGHAI)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    utc = ZoneInfo("UTC")
    return {
        "day": (day.astimezone(utc), (day + timedelta(days=1)).astimezone(utc)),
        "week": (week.astimezone(utc), (week + timedelta(days=7)).astimezone(utc)),
        "month": (month.astimezone(utc), next_month.astimezone(utc)),
    }


def points_used(resident_id: int, rule_id: int, start: datetime, end: datetime) -> int:
    """Points a resident got under any version of a rule in [start, end), net of reversals."""
    from pointsbank.ledger.models import Account, Entry, Transfer

    original = sa.orm.aliased(Transfer)
    version_ids = sa.select(RuleVersion.id).where(RuleVersion.rule_id == rule_id)
    under_rule = sa.or_(
        Transfer.rule_version_id.in_(version_ids),
        Transfer.reverses_id.in_(sa.select(original.id).where(original.rule_version_id.in_(version_ids))),
    )
    query = (
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .join(Account, Account.id == Entry.account_id)
        .where(
            Account.kind == "resident",
            Account.owner_user_id == resident_id,
            under_rule,
            Transfer.created_at >= start,
            Transfer.created_at < end,
        )
    )
    return int(db.session.scalar(query) or 0)


def cap_room(resident_id: int, version: RuleVersion, now: datetime | None = None) -> tuple[int | None, dict]:
    """Points still allowed under the version's caps now (None = no cap) and the tightest cap's figures."""
    now = now or utcnow()
    room: int | None = None
    binding: dict = {}
    for period, (start, end) in cap_windows(now).items():
        cap = getattr(version, f"cap_{period}")
        if cap is None:
            continue
        used = points_used(resident_id, version.rule_id, start, end)
        left = max(cap - used, 0)
        if room is None or left < room:
            room, binding = left, {"period": period, "cap": cap, "used": used}
    return room, binding


def cap_note_text(binding: dict, requested: int, awarded: int) -> str:
    """Why an award was cut, in plain (Chinese, stored) words."""
    label = CAP_LABELS[binding["period"]]
    return f"{label}上限 {binding['cap']} 分，已得 {binding['used']} 分，本次应得 {requested} 分，实得 {awarded} 分"


def requested_points(version: RuleVersion, quantity: float) -> int:
    """Points for a quantity (occurrences or hours), rounded down."""
    if quantity is None or quantity <= 0 or (version.unit == "occurrence" and quantity != int(quantity)):
        raise Invalid(
            "invalid_quantity",
            _l("The quantity must be a positive number (whole for occurrences)."),
        )
    return math.floor(version.points * quantity + 1e-9)
