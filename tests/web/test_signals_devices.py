"""Device records on writes: a keyed hash of the device cookie and the address, never the values."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.signals.models import DeviceRecord
from pointsbank.web.devices import DEVICE_COOKIE


def test_award_entry_records_hashed_device_and_address(app, make_community, make_user, make_rule, login):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user(community=community)
    rule = make_rule(community, coordinator, title="楼道清扫", points=2, evidence="coordinator")
    client = login(coordinator, app.test_client())
    url = f"/api/v1/rules/{rule.id}/awards"
    first = client.post(url, json={"resident_id": resident.id, "note": "a"})
    assert first.status_code == 201, first.get_json()
    cookie = client.get_cookie(DEVICE_COOKIE)
    assert cookie is not None and len(cookie.value) == 32
    assert client.post(url, json={"resident_id": resident.id, "note": "b"}).status_code == 201
    refused = client.post(url, json={"resident_id": make_user().id})
    assert refused.status_code == 404
    with app.app_context():
        rows = db.session.scalars(sa.select(DeviceRecord).order_by(DeviceRecord.id)).all()
        assert [(r.community_id, r.user_id, r.action) for r in rows] == [(community.id, coordinator.id, "award")] * 2
        assert rows[0].device_hash == rows[1].device_hash and len(rows[0].device_hash) == 64
        assert cookie.value not in rows[0].device_hash and rows[0].address_hash not in (None, "127.0.0.1")


def test_no_device_record_without_a_community(app):
    from pointsbank.signals import devices

    with app.app_context():
        devices.note(None, 1, "report", "d" * 32, "127.0.0.1")
        devices.note(1, 1, "other", "d" * 32, "127.0.0.1")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviceRecord)) == 0


def test_a_replayed_award_is_recorded_once(app, make_community, make_user, make_rule, login):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user(community=community)
    rule = make_rule(community, coordinator, title="垃圾分类", points=2, evidence="coordinator")
    client = login(coordinator, app.test_client())
    url = f"/api/v1/rules/{rule.id}/awards"
    headers = {"Idempotency-Key": "award-once"}
    first = client.post(url, json={"resident_id": resident.id, "note": "a"}, headers=headers)
    again = client.post(url, json={"resident_id": resident.id, "note": "a"}, headers=headers)
    assert first.status_code == 201 and again.get_json() == first.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviceRecord)) == 1
