"""Retention jobs: session addresses after 90 days; photo GPS with the report's place."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.jobs import registry
from pointsbank.people.models import UserSession


def _now() -> datetime:
    return datetime.fromisoformat("2026-12-03T11:47:30+00:00")


def test_session_addresses_are_deleted_after_90_days(app, make_user):
    now = _now()
    user = make_user("resident")
    ids = {}
    for age in (91, 89):
        session = UserSession(user_id=user.id, secret_hash=f"h{age}" * 8, address="203.0.113.7")
        db.session.add(session)
        db.session.flush()
        session.last_seen_at = now - timedelta(days=age)
        ids[age] = session.id
    db.session.commit()
    assert run_in_unit(lambda: registry.JOBS["session-addresses"].run(now)) == {"cleared": 1}
    db.session.expire_all()
    assert db.session.get(UserSession, ids[91]).address is None
    assert db.session.get(UserSession, ids[89]).address == "203.0.113.7"
    assert run_in_unit(lambda: registry.JOBS["session-addresses"].run(now)) == {"cleared": 0}


def test_photo_gps_goes_with_the_report_place(app, make_community, make_user, make_category, make_report):
    from pointsbank.reports.models import Report, ReportPhoto

    now = _now()
    community = make_community()
    community.coordinate_retention_days = 30
    resident = make_user("resident", community=community)
    category = make_category(community, "设施损坏")
    photos = {}
    for age in (40, 10):
        report = make_report(resident, category, lat=29.56, lon=106.45)
        photo = ReportPhoto(
            report_id=report.id, filename=f"p{age}.jpg", width=1, height=1, size_bytes=1, gps_lat=29.5, gps_lon=106.4
        )
        db.session.add(photo)
        db.session.flush()
        photos[age] = photo.id
        db.session.execute(sa.update(Report).where(Report.id == report.id).values(created_at=now - timedelta(days=age)))
    db.session.commit()
    run_in_unit(lambda: registry.JOBS["report-places"].run(now))
    db.session.expire_all()
    old, fresh = db.session.get(ReportPhoto, photos[40]), db.session.get(ReportPhoto, photos[10])
    assert (old.gps_lat, old.gps_lon) == (None, None)
    assert (fresh.gps_lat, fresh.gps_lon) == (29.5, 106.4)
