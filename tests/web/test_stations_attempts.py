"""Typed codes have an attempt limit per clerk and per station: one answer for wrong digits, 429 with the wait."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import utcnow
from pointsbank.extensions import db
from tests.factories.stations import freeze_station_clock


def wrong_digits(i: int) -> str:
    return f"{90_000_000 + i:08d}"


def check(client, station_id: int, code: str):
    return client.post(f"/api/v1/stations/{station_id}/code-checks", json={"code": code})


def lockouts() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "code_check.locked")))


def check_attempt_limit_per_clerk(app, login, counter_setup):
    s = counter_setup(points=500)
    clerk = login(s.clerk, app.test_client())
    resident = login(s.resident, app.test_client())
    code = resident.post("/api/v1/pay-codes", json={}).get_json()
    for i in range(10):
        response = check(clerk, s.station.id, wrong_digits(i))
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid"
    locked = check(clerk, s.station.id, code["digits"])  # even the right number waits now
    body = locked.get_json()["error"]
    assert locked.status_code == 429 and body["code"] == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= 300 and body["details"]["retry_after"] > 0
    assert check(clerk, s.station.id, code["payload"]).status_code == 200  # a scanned code is not a guess
    lines = [{"item_id": s.rice.id, "qty": 1}]
    spend = clerk.post(f"/api/v1/stations/{s.station.id}/redemptions", json={"code": code["digits"], "lines": lines})
    assert spend.status_code == 429
    entries = lockouts()
    assert len(entries) == 1 and entries[0].actor_id == s.clerk.id and entries[0].subject_id == s.station.id
    return s, clerk, code


def test_ten_wrong_numbers_lock_the_clerk_out_for_a_while(app, login, counter_setup, monkeypatch):
    s, clerk, _ = check_attempt_limit_per_clerk(app, login, counter_setup)
    freeze_station_clock(monkeypatch, utcnow() + timedelta(minutes=6))
    response = check(clerk, s.station.id, wrong_digits(99))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid"


def test_wrong_numbers_at_one_station_add_up_across_clerks(app, login, counter_setup, make_user):
    s = counter_setup(points=500)
    clerks = [login(make_user("clerk", station=s.station), app.test_client()) for _ in range(3)]
    for i in range(10):
        assert check(clerks[i % 2], s.station.id, wrong_digits(i)).status_code == 422
    response = check(clerks[2], s.station.id, wrong_digits(50))
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "too_many_attempts"
    assert len(lockouts()) == 1


def test_every_wrong_typed_number_answers_invalid(app, login, counter_setup):
    s = counter_setup(points=500)
    clerk = login(s.clerk, app.test_client())
    resident = login(s.resident, app.test_client())
    used = resident.post("/api/v1/pay-codes", json={}).get_json()
    lines = [{"item_id": s.rice.id, "qty": 1}]
    redeemed = clerk.post(
        f"/api/v1/stations/{s.station.id}/redemptions", json={"code": used["payload"], "lines": lines}
    )
    assert redeemed.status_code == 201
    revoked = resident.post("/api/v1/pay-codes", json={}).get_json()
    resident.post("/api/v1/pay-codes", json={})  # the refresh revokes the unscanned code before it
    assert check(clerk, s.station.id, used["payload"]).get_json()["error"]["code"] == "already_used"
    assert check(clerk, s.station.id, revoked["payload"]).get_json()["error"]["code"] == "revoked"
    for digits in (used["digits"], revoked["digits"], wrong_digits(1)):
        response = check(clerk, s.station.id, digits)
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid"


def test_the_scan_page_has_the_same_limit(app, login, counter_setup):
    s = counter_setup(points=500)
    clerk = login(s.clerk, app.test_client())
    for i in range(10):
        clerk.post(f"/stations/{s.station.id}/scan", data={"code": wrong_digits(i)})
    page = clerk.post(f"/stations/{s.station.id}/scan", data={"code": wrong_digits(11)})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "Too many wrong numbers" in page.get_data(as_text=True) or "输错号码次数太多" in page.get_data(as_text=True)
