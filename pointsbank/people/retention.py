"""Network addresses kept on sessions (a fraud signal) are deleted 90 days after the session was last seen."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.people.models import UserSession

ADDRESS_DAYS = 90


def clear_old_addresses(now: datetime) -> int:
    """Set address to NULL on sessions last seen more than ADDRESS_DAYS ago; the count cleared."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.last_seen_at < now - timedelta(days=ADDRESS_DAYS), UserSession.address.is_not(None))
        .values(address=None)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire_all()
    return result.rowcount or 0
