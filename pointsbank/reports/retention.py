"""Report places (and the GPS of their photos) are kept for the community's coordinate_retention_days, then deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.people.models import Community
from pointsbank.reports.models import Report, ReportPhoto


def clear_old_coordinates(now: datetime | None = None) -> int:
    """Set lat/lon to NULL on reports filed longer ago than their community's retention; the count cleared."""
    now = now or utcnow()
    cleared = 0
    for community_id, days in db.session.execute(sa.select(Community.id, Community.coordinate_retention_days)):
        result = db.session.execute(
            sa.update(Report)
            .where(
                Report.community_id == community_id,
                Report.created_at < now - timedelta(days=days),
                sa.or_(Report.lat.is_not(None), Report.lon.is_not(None)),
            )
            .values(lat=None, lon=None)
            .execution_options(synchronize_session=False)
        )
        cleared += result.rowcount or 0
        old = sa.select(Report.id).where(
            Report.community_id == community_id, Report.created_at < now - timedelta(days=days)
        )
        db.session.execute(
            sa.update(ReportPhoto)
            .where(ReportPhoto.report_id.in_(old), ReportPhoto.gps_lat.is_not(None))
            .values(gps_lat=None, gps_lon=None)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    db.session.expire_all()
    return cleared
