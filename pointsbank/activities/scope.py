"""Which activities a user sees and manages; stored times as aware UTC; the activity row lock."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from pointsbank.activities.models import Activity
from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.rules import service as rules


def utc(value: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def get_activity(activity_id: int, user, *, manage: bool = False) -> Activity:
    """An activity of the user's community (or one they coordinate), else NotFound."""
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound()
    if rules.can_manage(user, activity.community_id):
        return activity
    if manage or activity.community_id != user.community_id:
        raise NotFound()
    return activity


def lock_activity(activity: Activity) -> None:
    """Lock the activity row and re-read it (sign-ups and changes count places one after the other)."""
    db.session.execute(sa.select(Activity.id).where(Activity.id == activity.id).with_for_update())
    db.session.refresh(activity)
