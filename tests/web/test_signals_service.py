"""Fraud signals: the median+MAD norm, the upsert that keeps reviews, the 90-day device record expiry."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.signals.models import DeviceRecord, FraudSignal
from pointsbank.signals.service import expire_device_records, outliers, upsert


def test_outliers_flag_only_far_above_the_norm():
    norm = {"a": 2, "b": 3, "c": 2, "d": 4, "e": 3}
    assert outliers(norm, 5) == {}
    assert outliers(dict(norm, f=40), 5) == {"f": 40}
    assert outliers({"a": 1, "b": 100}, 5) == {}  # too few to have a norm


def test_upsert_keeps_a_review_unless_the_evidence_grew(app, make_community):
    community = make_community()

    def first():
        signal = upsert(community.id, "velocity", "resident:1", 10, {"count": 10})
        signal.status = "dismissed"
        signal.review_note = "event day"
        return signal.id

    signal_id = run_in_unit(first)
    run_in_unit(lambda: upsert(community.id, "velocity", "resident:1", 10, {"count": 10}))
    with app.app_context():
        assert db.session.get(FraudSignal, signal_id).status == "dismissed"
    run_in_unit(lambda: upsert(community.id, "velocity", "resident:1", 15, {"count": 15}))
    with app.app_context():
        signal = db.session.get(FraudSignal, signal_id)
        assert (signal.status, signal.score) == ("open", 15)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FraudSignal)) == 1


def test_device_records_older_than_90_days_are_deleted(app, make_user):
    resident = make_user()
    now = utcnow()

    def add():
        for age in (89, 91):
            db.session.add(
                DeviceRecord(
                    community_id=resident.community_id,
                    user_id=resident.id,
                    action="report",
                    device_hash="d",
                    created_at=now - timedelta(days=age),
                )
            )

    run_in_unit(add)
    assert run_in_unit(lambda: expire_device_records(now)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviceRecord)) == 1
