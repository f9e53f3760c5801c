"""Station pages: scanner flow, receipt, undo, catalogue and pickup, pay code, card, proxies, report, scope."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.stations.models import (
    Item,
    PayCode,
    Proxy,
    Redemption,
    Reservation,
    ResidentCard,
)


def available(user) -> int:
    return ledger.balance(ledger.find_resident_account(user)).available


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden field {name}"
    return match.group(1)


@pytest.fixture
def counter(app, client, login, counter_setup):
    s = counter_setup(points=500)
    s.client = client
    return s


def issue_code_as_resident(app, s, login):
    resident_client = app.test_client()
    login(s.resident, resident_client)
    html = resident_client.get("/stations/pay").get_data(as_text=True)
    code = db.session.scalars(sa.select(PayCode).order_by(PayCode.id.desc())).first()
    assert code.digits[:4] in html and 'src="data:image/svg+xml;base64,' in html
    return code


def test_scan_confirm_receipt_and_undo(app, counter, login):
    s = counter
    code = issue_code_as_resident(app, s, login)
    login(s.clerk, s.client)
    page = s.client.get(f"/stations/{s.station.id}/scan")
    assert page.status_code == 200 and b"data-qr-scanner" in page.data and b"vendor/jsQR.js" in page.data
    html = s.client.post(f"/stations/{s.station.id}/scan", data={"code": code.digits}).get_data(as_text=True)
    assert "王*英" in html and "data-available>500<" in html
    token, payload = hidden(html, "token"), hidden(html, "code")
    form = {"code": payload, "token": token, f"qty_{s.rice.id}": "1", f"qty_{s.oil.id}": "0"}
    response = s.client.post(f"/stations/{s.station.id}/redeem", data=form)
    assert response.status_code == 302
    receipt_url = response.headers["Location"]
    # a double submit of the same form gives the same receipt, not a second redemption
    again = s.client.post(f"/stations/{s.station.id}/redeem", data=form)
    assert again.headers["Location"] == receipt_url
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1
    receipt = s.client.get(receipt_url).get_data(as_text=True)
    assert "data-new-balance>300<" in receipt and "大米 5kg" in receipt
    rid = int(receipt_url.rstrip("/").split("/")[-1])
    # the resident sees the receipt too
    resident_client = app.test_client()
    login(s.resident, resident_client)
    assert "data-new-balance>300<" in resident_client.get(receipt_url).get_data(as_text=True)
    s.client.post(f"/stations/redemptions/{rid}/undo")
    assert db.session.get(Redemption, rid).status == "undone"
    assert available(s.resident) == 500
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == 10


def test_refused_code_says_why_and_changes_nothing(app, counter, login):
    s = counter
    login(s.clerk, s.client)
    response = s.client.post(
        f"/stations/{s.station.id}/scan",
        data={"code": "PB1P.fake.sig"},
        headers={"Referer": f"http://localhost/stations/{s.station.id}/scan"},
    )
    assert response.status_code == 302
    page = s.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash-error" in page
    code = issue_code_as_resident(app, s, login)
    html = s.client.post(f"/stations/{s.station.id}/scan", data={"code": code.digits}).get_data(as_text=True)
    form = {"code": hidden(html, "code"), "token": hidden(html, "token"), f"qty_{s.rice.id}": "3"}
    s.client.post(f"/stations/{s.station.id}/redeem", data=form)  # 600 points > 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 0
    assert available(s.resident) == 500


def test_other_clerk_and_resident_get_404(app, counter, login, make_station, make_user):
    s = counter
    other = make_station(s.community)
    stranger = make_user("clerk", station=other)
    login(stranger, s.client)
    assert s.client.get(f"/stations/{s.station.id}/scan").status_code == 404
    assert s.client.get(f"/stations/{s.station.id}").status_code == 404
    assert s.client.get(f"/stations/{s.station.id}/report").status_code == 404
    login(s.resident, s.client)
    assert s.client.get(f"/stations/{s.station.id}/scan").status_code == 404
    outsider = make_user("resident", name="外人")
    login(outsider, s.client)
    assert s.client.get(f"/stations/{s.station.id}/catalogue").status_code == 404


def test_catalogue_reserve_pickup_and_cancel(app, counter, login):
    s = counter
    login(s.resident, s.client)
    html = s.client.get(f"/stations/{s.station.id}/catalogue").get_data(as_text=True)
    assert "大米 5kg" in html and "理发服务" in html
    response = s.client.post(
        f"/stations/{s.station.id}/reserve", data={"code": "-", "token": hidden(html, "token"), f"qty_{s.oil.id}": "1"}
    )
    assert response.status_code == 302
    res = db.session.scalars(sa.select(Reservation)).one()
    page = s.client.get(response.headers["Location"]).get_data(as_text=True)
    assert res.digits in page and available(s.resident) == 350
    clerk = app.test_client()
    login(s.clerk, clerk)
    html = clerk.post(f"/stations/{s.station.id}/scan", data={"code": res.digits}).get_data(as_text=True)
    assert "食用油 5L" in html
    response = clerk.post(f"/stations/{s.station.id}/pickup", data={"code": hidden(html, "code"), "token": "t1"})
    assert response.status_code == 302
    assert db.session.get(Reservation, res.id).status == "picked_up"
    # a second reservation, cancelled by the resident
    html = s.client.get(f"/stations/{s.station.id}/catalogue").get_data(as_text=True)
    response = s.client.post(
        f"/stations/{s.station.id}/reserve", data={"code": "-", "token": hidden(html, "token"), f"qty_{s.rice.id}": "1"}
    )
    res2 = db.session.scalars(sa.select(Reservation).order_by(Reservation.id.desc())).first()
    assert available(s.resident) == 150
    s.client.post(f"/stations/reservations/{res2.id}/cancel")
    assert db.session.get(Reservation, res2.id).status == "cancelled" and available(s.resident) == 350


def test_card_pin_wrong_says_so_in_words(app, counter, login):
    s = counter
    login(s.resident, s.client)
    s.client.post("/stations/card", data={"pin": "2580", "pin2": "2580"})
    card = db.session.scalars(sa.select(ResidentCard)).one()
    from pointsbank.stations.service import card_payload

    payload = card_payload(card)
    assert s.client.get("/stations/card").status_code == 200
    clerk = app.test_client()
    login(s.clerk, clerk)
    html = clerk.post(f"/stations/{s.station.id}/scan", data={"code": payload}).get_data(as_text=True)
    assert 'name="pin"' in html
    wrong = clerk.post(f"/stations/{s.station.id}/scan", data={"code": payload, "pin": "1111"})
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "密码错误" in text and "4 次" in text
    assert db.session.scalar(sa.select(ResidentCard.failed_attempts)) == 1
    ok = clerk.post(f"/stations/{s.station.id}/scan", data={"code": payload, "pin": "2580"}).get_data(as_text=True)
    assert "王*英" in ok


def test_proxy_registration_and_code(app, counter, login, make_user):
    s = counter
    coordinator = make_user("coordinator", community=s.community)
    daughter = make_user("resident", community=s.community, name="王小红")
    login(coordinator, s.client)
    response = s.client.post(
        "/stations/proxies",
        data={"resident_phone": s.resident.phone, "proxy_phone": daughter.phone, "relation": "女儿"},
    )
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Proxy)).one().relation == "女儿"
    login(daughter, s.client)
    html = s.client.get(f"/stations/pay?for={s.resident.id}").get_data(as_text=True)
    assert "王秀英" in html
    code = db.session.scalars(sa.select(PayCode).order_by(PayCode.id.desc())).first()
    assert code.resident_id == s.resident.id and code.proxy_id == daughter.id


def test_manage_stock_and_low_stock_badge(app, counter, login):
    s = counter
    login(s.clerk, s.client)
    response = s.client.post(
        f"/stations/{s.station.id}",
        data={
            "stock-item_id": s.rice.id,
            "stock-reason": "adjustment",
            "stock-quantity": "-8",
            "stock-note": "盘点短缺",
            "stock-submit": "1",
        },
    )
    assert response.status_code == 302
    html = s.client.get(f"/stations/{s.station.id}").get_data(as_text=True)
    assert "low-stock" in html
    report = s.client.get(f"/stations/{s.station.id}/report").get_data(as_text=True)
    assert "ok-note" in report
    poster = s.client.get(f"/stations/{s.station.id}/poster").get_data(as_text=True)
    assert "data:image/svg+xml" in poster


def test_no_inline_script_or_style(app, counter, login):
    s = counter
    login(s.clerk, s.client)
    for url in (f"/stations/{s.station.id}/scan", f"/stations/{s.station.id}", "/stations/"):
        html = s.client.get(url).get_data(as_text=True)
        assert "style=" not in html and not re.search(r"<script(?![^>]*src=)", html)


def test_coordinator_opens_station_and_adds_clerk(app, counter, login, make_user):
    s = counter
    coordinator = make_user("coordinator", community=s.community)
    newcomer = make_user("resident", community=s.community, name="邓志刚")
    login(coordinator, s.client)
    response = s.client.post(
        "/stations/",
        data={
            "community_id": s.community.id,
            "name": "康居苑驿站",
            "address": "康居苑2栋",
            "opening_hours": "每天 9:00-17:00",
        },
    )
    assert response.status_code == 302
    from pointsbank.stations.models import Station

    station = db.session.scalars(sa.select(Station).where(Station.name == "康居苑驿站")).one()
    response = s.client.post(f"/stations/{station.id}/edit", data={"clerk-phone": newcomer.phone})
    assert response.status_code == 302
    from pointsbank.people.models import User

    assert station.id in db.session.get(User, newcomer.id).clerk_station_ids()
    assert "邓志刚" in s.client.get(f"/stations/{station.id}/edit").get_data(as_text=True)
    # a clerk cannot open stations or edit them
    login(s.clerk, s.client)
    assert s.client.get(f"/stations/{s.station.id}/edit").status_code == 404


def test_item_edit_and_bad_input_changes_nothing(app, counter, login):
    s = counter
    login(s.clerk, s.client)
    assert s.client.get(f"/stations/items/{s.rice.id}/edit").status_code == 200
    bad = s.client.post(f"/stations/items/{s.rice.id}/edit", data={"name": "大米 5kg", "kind": "goods", "points": "0"})
    assert bad.status_code == 200 and "has-error" in bad.get_data(as_text=True)
    half = s.client.post(
        f"/stations/items/{s.rice.id}/edit",
        data={"name": "大米 5kg", "kind": "goods", "points": "180", "limit_qty": "1", "limit_period": ""},
    )
    assert half.status_code == 302  # refused: a limit needs a period (flash), nothing saved
    item = db.session.get(Item, s.rice.id)
    db.session.refresh(item)
    assert item.points == 200 and item.limit_qty is None
    ok = s.client.post(
        f"/stations/items/{s.rice.id}/edit",
        data={"name": "大米 5kg", "kind": "goods", "points": "180", "limit_qty": "1", "limit_period": "month"},
    )
    assert ok.status_code == 302
    db.session.refresh(item)
    assert item.points == 180 and item.limit_period == "month" and item.active is False  # unchecked box


def test_huge_or_foreign_ids_are_404_not_500(app, counter, login):
    s = counter
    login(s.clerk, s.client)
    assert s.client.get("/stations/99999999999999999999999/scan").status_code == 404
    assert s.client.get("/stations/redemptions/99999999999999999999999").status_code == 404
    code = issue_code_as_resident(app, s, login)
    login(s.clerk, s.client)
    html = s.client.post(f"/stations/{s.station.id}/scan", data={"code": code.digits}).get_data(as_text=True)
    form = {"code": hidden(html, "code"), "token": hidden(html, "token"), "qty_99999999999999999999": "1"}
    response = s.client.post(f"/stations/{s.station.id}/redeem", data=form)
    assert response.status_code in (302, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 0
    login(s.resident, s.client)
    assert s.client.get("/stations/pay?for=99999999999999999999").status_code == 404
