"""Stations API: codes, redemption with Idempotency-Key, refusals with stable codes, scope, report, OpenAPI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.stations.models import Item, Redemption, StockMovement


def available(user) -> int:
    return ledger.balance(ledger.find_resident_account(user)).available


@pytest.fixture
def api(app, login, counter_setup):
    s = counter_setup(points=500)
    s.clerk_client = login(s.clerk, app.test_client())
    s.resident_client = login(s.resident, app.test_client())
    return s


def new_code(s) -> dict:
    response = s.resident_client.post("/api/v1/pay-codes", json={})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["payload"].startswith("PB1P.") and len(body["digits"]) == 8 and body["qr"].startswith("data:image/svg")
    return body


def test_pay_code_check_redeem_receipt(api):
    s = api
    code = new_code(s)
    info = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/code-checks", json={"code": code["digits"]}).get_json()
    assert info["kind"] == "pay" and info["resident_name"] == "王*英" and info["available"] == 500
    body = {"code": info["code"], "lines": [{"item_id": s.rice.id, "qty": 1}, {"item_id": s.haircut.id, "qty": 1}]}
    headers = {"Idempotency-Key": "abc-1"}
    response = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/redemptions", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    r = response.get_json()
    assert r["total"] == 250 and r["balance_after"] == 250 and r["status"] == "done"
    assert [line["item_name"] for line in r["lines"]] == ["大米 5kg", "理发服务"]
    replay = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/redemptions", json=body, headers=headers)
    assert replay.status_code == 201 and replay.get_json()["id"] == r["id"]
    changed = dict(body, lines=[{"item_id": s.rice.id, "qty": 2}])
    conflict = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/redemptions", json=changed, headers=headers)
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "idempotency_conflict"
    used = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/redemptions", json=body)
    assert used.status_code == 409 and used.get_json()["error"]["code"] == "already_used"
    assert s.resident_client.get(f"/api/v1/redemptions/{r['id']}").get_json()["total"] == 250
    mine = s.resident_client.get("/api/v1/redemptions").get_json()
    assert mine["total"] == 1
    undone = s.clerk_client.post(f"/api/v1/redemptions/{r['id']}/undo")
    assert undone.status_code == 200 and undone.get_json()["status"] == "undone"
    assert available(s.resident) == 500


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"code": "PB1P.x.y", "lines": [{"item_id": 1, "qty": 1}]}, 422, "invalid"),
        ({"code": "12345678", "lines": [{"item_id": 1, "qty": 1}]}, 422, "invalid"),
        ({"code": "x", "lines": []}, 400, None),
        ({"code": "x", "lines": [{"item_id": 1, "qty": 0}]}, 400, None),
        ({"lines": [{"item_id": 1, "qty": 1}]}, 400, None),
    ],
)
def test_bad_requests_change_nothing(api, body, status, code):
    s = api
    response = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/redemptions", json=body)
    assert response.status_code == status
    if code:
        assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 0
    assert available(s.resident) == 500


def test_refusals_carry_stable_codes(api, make_item):
    s = api
    limited = make_item(s.station, "鸡蛋 30枚", 80, stock=5, limit_qty=1, limit_period="week")
    cases = [
        ([{"item_id": s.rice.id, "qty": 3}], 422, "insufficient_points"),
        ([{"item_id": limited.id, "qty": 2}], 422, "over_limit"),
        ([{"item_id": s.oil.id, "qty": 11}], 422, "out_of_stock"),
    ]
    for lines, status, err in cases:
        code = new_code(s)
        response = s.clerk_client.post(
            f"/api/v1/stations/{s.station.id}/redemptions", json={"code": code["payload"], "lines": lines}
        )
        assert response.status_code == status and response.get_json()["error"]["code"] == err, response.get_json()
        assert response.get_json()["error"]["message"]
    assert available(s.resident) == 500


def test_english_message_when_asked(api):
    s = api
    response = s.clerk_client.post(
        f"/api/v1/stations/{s.station.id}/redemptions?lang=en",
        json={"code": "PB1P.x.y", "lines": [{"item_id": s.rice.id, "qty": 1}]},
    )
    assert "not valid" in response.get_json()["error"]["message"]
    response = s.clerk_client.post(
        f"/api/v1/stations/{s.station.id}/redemptions",
        json={"code": "PB1P.x.y", "lines": [{"item_id": s.rice.id, "qty": 1}]},
    )
    assert "无效" in response.get_json()["error"]["message"]


def test_scope_is_404(api, app, login, make_station, make_user):
    s = api
    other = make_station(s.community)
    stranger = login(make_user("clerk", station=other), app.test_client())
    code = new_code(s)
    for method, url, body in [
        (
            "post",
            f"/api/v1/stations/{s.station.id}/redemptions",
            {"code": code["payload"], "lines": [{"item_id": s.rice.id, "qty": 1}]},
        ),
        ("post", f"/api/v1/stations/{s.station.id}/code-checks", {"code": code["payload"]}),
        ("get", f"/api/v1/stations/{s.station.id}/reports/daily", None),
        ("get", f"/api/v1/items/{s.rice.id}/stock-movements", None),
        ("post", f"/api/v1/items/{s.rice.id}/stock-movements", {"delta": 5, "reason": "intake"}),
    ]:
        response = getattr(stranger, method)(url, json=body)
        assert response.status_code == 404, (url, response.get_json())
    assert (
        s.resident_client.post(
            f"/api/v1/items/{s.rice.id}/stock-movements", json={"delta": 5, "reason": "intake"}
        ).status_code
        == 404
    )
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == 10


def test_items_stock_and_report(api):
    s = api
    created = s.clerk_client.post(
        f"/api/v1/stations/{s.station.id}/items", json={"name": "洗衣液", "points": 60, "kind": "goods"}
    )
    assert created.status_code == 201
    item_id = created.get_json()["id"]
    moved = s.clerk_client.post(
        f"/api/v1/items/{item_id}/stock-movements", json={"delta": 12, "reason": "donation", "note": "爱心捐赠入库"}
    )
    assert moved.status_code == 201 and moved.get_json()["delta"] == 12
    bad = s.clerk_client.post(
        f"/api/v1/items/{item_id}/stock-movements", json={"delta": -20, "reason": "adjustment", "note": "盘点"}
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "out_of_stock"
    items = s.resident_client.get(f"/api/v1/stations/{s.station.id}/items").get_json()
    assert items["total"] == 4 and [i["id"] for i in items["items"]] == sorted(i["id"] for i in items["items"])
    movements = s.clerk_client.get(f"/api/v1/items/{item_id}/stock-movements").get_json()
    assert movements["total"] == 1
    report = s.clerk_client.get(f"/api/v1/stations/{s.station.id}/reports/daily").get_json()
    assert report["stock_consistent"] is True
    assert (
        sum(m.delta for m in db.session.scalars(sa.select(StockMovement).where(StockMovement.item_id == item_id))) == 12
    )


def test_reservation_and_pickup_api(api):
    s = api
    response = s.resident_client.post(
        f"/api/v1/stations/{s.station.id}/reservations",
        json={"lines": [{"item_id": s.oil.id, "qty": 1}]},
        headers={"Idempotency-Key": "r1"},
    )
    assert response.status_code == 201, response.get_json()
    res = response.get_json()
    assert res["payload"].startswith("PB1K.") and res["status"] == "pending"
    again = s.resident_client.post(
        f"/api/v1/stations/{s.station.id}/reservations",
        json={"lines": [{"item_id": s.oil.id, "qty": 1}]},
        headers={"Idempotency-Key": "r1"},
    )
    assert again.get_json()["id"] == res["id"]
    assert available(s.resident) == 350
    picked = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/pickups", json={"code": res["digits"]})
    assert picked.status_code == 201 and picked.get_json()["reservation_id"] == res["id"]
    twice = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/pickups", json={"code": res["payload"]})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_used"
    cancel = s.resident_client.post(f"/api/v1/reservations/{res['id']}/cancel")
    assert cancel.status_code == 409


def test_card_pin_api(api):
    s = api
    card = s.resident_client.put("/api/v1/resident-card", json={"pin": "2580"}).get_json()
    no_pin = s.clerk_client.post(f"/api/v1/stations/{s.station.id}/code-checks", json={"code": card["payload"]})
    assert no_pin.status_code == 422 and no_pin.get_json()["error"]["code"] == "pin_required"
    wrong = s.clerk_client.post(
        f"/api/v1/stations/{s.station.id}/code-checks", json={"code": card["payload"], "pin": "9999"}
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "wrong_pin"
    assert wrong.get_json()["error"]["details"]["tries_left"] == 4  # asking without a PIN did not count
    right = s.clerk_client.post(
        f"/api/v1/stations/{s.station.id}/code-checks", json={"code": card["payload"], "pin": "2580"}
    )
    assert right.status_code == 200 and right.get_json()["available"] == 500
    r = s.clerk_client.post(
        f"/api/v1/stations/{s.station.id}/redemptions",
        json={"code": right.get_json()["code"], "lines": [{"item_id": s.haircut.id, "qty": 1}]},
    )
    assert r.status_code == 201


def test_openapi_documents_station_endpoints(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    for path in (
        "/api/v1/stations",
        "/api/v1/stations/{station_id}/items",
        "/api/v1/items/{item_id}/stock-movements",
        "/api/v1/pay-codes",
        "/api/v1/stations/{station_id}/redemptions",
        "/api/v1/redemptions/{redemption_id}/undo",
        "/api/v1/stations/{station_id}/reservations",
        "/api/v1/stations/{station_id}/pickups",
        "/api/v1/stations/{station_id}/reports/daily",
    ):
        assert path in paths, path
    params = paths["/api/v1/stations/{station_id}/redemptions"]["post"]["parameters"]
    assert any(p.get("name") == "Idempotency-Key" for p in params)
