"""Adversarial checks on the stations API: bad numbers, calendar edges, codes from another community."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.stations.models import Item, PayCode, Redemption, Reservation, StockMovement


def available(user) -> int:
    return ledger.balance(ledger.find_resident_account(user)).available


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def two(app, login, counter_setup, make_user):
    """Two communities, each with a station, a clerk, a funded resident and a coordinator."""
    a, b = counter_setup(points=500), counter_setup(points=500)
    for s in (a, b):
        s.coordinator = make_user("coordinator", community=s.community, name="网格员")
        s.cc = login(s.clerk, app.test_client())
        s.rc = login(s.resident, app.test_client())
        s.co = login(s.coordinator, app.test_client())
    return a, b


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/items/{rice}/stock-movements", {"delta": 1.5, "reason": "intake"}),
        ("/api/v1/items/{rice}/stock-movements", {"delta": "5", "reason": "intake"}),
        ("/api/v1/stations/{station}/items", {"name": "鸡蛋", "points": 10.7}),
        ("/api/v1/stations/{station}/reservations", {"lines": [{"item_id": "{rice}", "qty": 1.9}]}),
        ("/api/v1/stations/{station}/reservations", {"lines": [{"item_id": "{rice}", "qty": True}]}),
    ],
)
def test_fractional_or_string_numbers_are_refused_not_truncated(two, path, body):
    a, _ = two
    ids = {"rice": a.rice.id, "station": a.station.id}
    if "lines" in body:
        body = {"lines": [dict(body["lines"][0], item_id=a.rice.id)]}
    client = a.rc if "reservations" in path else a.co
    before = (count(StockMovement), count(Item), count(Reservation))
    response = client.post(path.format(**ids), json=body)
    assert response.status_code == 400, response.get_json()
    db.session.expire_all()
    assert (count(StockMovement), count(Item), count(Reservation)) == before
    assert db.session.get(Item, a.rice.id).stock == 10 and available(a.resident) == 500


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_daily_report_at_calendar_edges_is_a_clean_answer(two, day):
    a, _ = two
    response = a.co.get(f"/api/v1/stations/{a.station.id}/reports/daily?date={day}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    page = a.co.get(f"/stations/{a.station.id}/report?date={day}")
    assert page.status_code == 200


def test_pay_code_of_another_community_is_refused(two):
    a, b = two
    code = a.rc.post("/api/v1/pay-codes", json={}).get_json()
    check = b.cc.post(f"/api/v1/stations/{b.station.id}/code-checks", json={"code": code["payload"]})
    assert check.status_code == 422 and check.get_json()["error"]["code"] == "wrong_station"
    lines = [{"item_id": b.rice.id, "qty": 1}]
    spend = b.cc.post(f"/api/v1/stations/{b.station.id}/redemptions", json={"code": code["digits"], "lines": lines})
    # Typed digits learn nothing: whatever the cause, a wrong number answers `invalid` (and counts as an attempt).
    assert spend.status_code == 422 and spend.get_json()["error"]["code"] == "invalid"
    db.session.expire_all()
    assert count(Redemption) == 0 and available(a.resident) == 500 and db.session.get(Item, b.rice.id).stock == 10
    assert db.session.scalar(sa.select(PayCode.used_at).where(PayCode.digits == code["digits"])) is None
    # The code still works at the resident's own station.
    ok = a.cc.post(
        f"/api/v1/stations/{a.station.id}/redemptions",
        json={"code": code["payload"], "lines": [{"item_id": a.rice.id, "qty": 1}]},
    )
    assert ok.status_code == 201, ok.get_json()


def test_resident_card_of_another_community_is_refused(two):
    a, b = two
    card = a.rc.put("/api/v1/resident-card", json={"pin": "2580"}).get_json()
    check = b.cc.post(f"/api/v1/stations/{b.station.id}/code-checks", json={"code": card["payload"], "pin": "2580"})
    assert check.status_code == 422 and check.get_json()["error"]["code"] == "wrong_station"
    db.session.expire_all()
    assert count(PayCode) == 0 and count(Redemption) == 0


@pytest.mark.parametrize("pin", ["١٢٣٤", "１２３４"])
def test_card_pin_must_be_ascii_digits_a_clerk_can_type(two, pin):
    a, _ = two
    response = a.rc.put("/api/v1/resident-card", json={"pin": pin})
    assert response.status_code == 400


def test_ending_a_proxy_voids_the_pay_codes_they_still_hold(two, app, make_user, login):
    a, _ = two
    family = make_user("resident", community=a.community, name="王家属")
    family_client = login(family, app.test_client())
    proxy = a.co.post("/api/v1/proxies", json={"resident_id": a.resident.id, "proxy_user_id": family.id})
    assert proxy.status_code == 201
    code = family_client.post("/api/v1/pay-codes", json={"for_resident_id": a.resident.id}).get_json()
    assert a.co.delete(f"/api/v1/proxies/{proxy.get_json()['id']}").status_code == 204
    lines = [{"item_id": a.rice.id, "qty": 1}]
    spend = a.cc.post(f"/api/v1/stations/{a.station.id}/redemptions", json={"code": code["payload"], "lines": lines})
    assert spend.status_code == 422 and spend.get_json()["error"]["code"] == "revoked"
    db.session.expire_all()
    assert count(Redemption) == 0 and available(a.resident) == 500
    # The resident's own code is untouched.
    own = a.rc.post("/api/v1/pay-codes", json={}).get_json()
    ok = a.cc.post(f"/api/v1/stations/{a.station.id}/redemptions", json={"code": own["payload"], "lines": lines})
    assert ok.status_code == 201


def test_pickup_code_after_expiry_is_refused_and_releases_points_and_stock(two):
    from datetime import timedelta

    from pointsbank.db import run_in_unit, utcnow

    a, _ = two
    made = a.rc.post(
        f"/api/v1/stations/{a.station.id}/reservations", json={"lines": [{"item_id": a.rice.id, "qty": 2}]}
    )
    assert made.status_code == 201
    body = made.get_json()
    assert available(a.resident) == 100 and db.session.get(Item, a.rice.id).stock == 8
    run_in_unit(lambda: setattr(db.session.get(Reservation, body["id"]), "expires_at", utcnow() - timedelta(minutes=1)))
    # The scanned code says why; typed digits answer `invalid` whatever the cause (guesses learn nothing).
    for code, reason in ((body["payload"], "expired"), (body["digits"], "invalid")):
        response = a.cc.post(f"/api/v1/stations/{a.station.id}/pickups", json={"code": code})
        assert response.status_code == 422 and response.get_json()["error"]["code"] == reason
    db.session.expire_all()
    assert count(Redemption) == 0
    cancel = a.rc.post(f"/api/v1/reservations/{body['id']}/cancel")
    assert cancel.status_code in (200, 409)
    db.session.expire_all()
    assert available(a.resident) == 500 and db.session.get(Item, a.rice.id).stock == 10


def test_bad_idempotency_key_is_refused_in_the_users_language(two):
    a, _ = two
    lines = [{"item_id": a.rice.id, "qty": 1}]
    url = f"/api/v1/stations/{a.station.id}/reservations"
    response = a.rc.post(url, json={"lines": lines}, headers={"Idempotency-Key": "k" * 101})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert "100" in response.get_json()["error"]["message"] and "must" not in response.get_json()["error"]["message"]
    assert count(Reservation) == 0
