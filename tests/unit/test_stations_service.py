"""Station services without HTTP: stock, pay codes, redemption, refusals, undo, reservations, cards, proxies."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Conflict, DomainError, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.stations import codes
from pointsbank.stations import service as svc
from pointsbank.stations.models import (
    Item,
    PayCode,
    Redemption,
    Reservation,
    StockMovement,
)
from tests.factories.stations import freeze_station_clock, new_key


def available(user) -> int:
    return ledger.balance(ledger.find_resident_account(user)).available


def stock_of(item) -> int:
    return db.session.scalar(sa.select(Item.stock).where(Item.id == item.id))


def redemption_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Redemption))


def pay(resident):
    code = run_in_unit(lambda: svc.issue_pay_code(resident))
    return code, svc.pay_payload(code)


def refusal(fn) -> DomainError:
    with pytest.raises(DomainError) as info:
        run_in_unit(fn)
    return info.value


def test_stock_never_negative_and_movements_add_up(app, counter_setup):
    s = counter_setup(stock=3)
    err = refusal(lambda: svc.record_stock(s.clerk, s.rice, -4, "adjustment", "盘点"))
    assert err.code == "out_of_stock"
    run_in_unit(lambda: svc.record_stock(s.clerk, s.rice, 5, "donation", "爱心捐赠入库"))
    run_in_unit(lambda: svc.record_stock(s.clerk, s.rice, -1, "adjustment", "破损"))
    assert stock_of(s.rice) == 7
    assert svc.stock_mismatches() == []
    assert refusal(lambda: svc.record_stock(s.clerk, s.rice, -1, "adjustment", "")).code == "reason_required"
    assert refusal(lambda: svc.record_stock(s.clerk, s.rice, -1, "intake")).code == "invalid_quantity"
    assert refusal(lambda: svc.record_stock(s.clerk, s.rice, 1, "redemption")).code == "invalid_reason"
    assert stock_of(s.rice) == 7


def test_redeem_moves_points_stock_and_records(app, counter_setup):
    s = counter_setup(points=500)
    _, payload = pay(s.resident)
    info = run_in_unit(lambda: svc.look_up(s.clerk, s.station, payload))
    assert info.kind == "pay" and info.available == 500 and info.resident.masked_name == "王*英"
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1), (s.haircut.id, 2)], key=new_key()))
    assert r.total == 300 and r.status == "done" and r.balance_after == 200
    assert [(line.item_name, line.qty, line.unit_points) for line in r.lines] == [
        ("大米 5kg", 1, 200),
        ("理发服务", 2, 50),
    ]
    assert available(s.resident) == 200
    assert stock_of(s.rice) == 9
    assert ledger.balance(ledger.station_account(s.station.id)).balance == 300
    assert svc.stock_mismatches() == []
    lines, _ = ledger.statement(ledger.find_resident_account(s.resident))
    assert lines[0].memo == "兑换：大米 5kg ×1、理发服务 ×2"


def test_typed_digits_work_like_the_qr(app, counter_setup):
    s = counter_setup()
    code, _ = pay(s.resident)
    assert len(code.digits) == 8
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, code.digits, [(s.oil.id, 1)]))
    assert r.total == 150


def test_pay_code_single_use(app, counter_setup):
    s = counter_setup(points=1000)
    _, payload = pay(s.resident)
    run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key=new_key()))
    err = refusal(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key=new_key()))
    assert err.code == "already_used" and isinstance(err, Conflict)
    assert redemption_count() == 1 and available(s.resident) == 800 and stock_of(s.rice) == 9


def test_same_idempotency_key_returns_first_result(app, counter_setup):
    s = counter_setup(points=1000)
    _, payload = pay(s.resident)
    key = new_key()
    first = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key=key))
    again = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key=key))
    assert again.id == first.id
    assert (
        refusal(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 2)], key=key)).code
        == "idempotency_conflict"
    )
    assert redemption_count() == 1 and available(s.resident) == 800


@pytest.mark.parametrize("text", ["PB1P.forged.signature", "PB9X.abc", "12345", "hello", "", "PB1P."])
def test_forged_or_unknown_codes_are_invalid(app, counter_setup, text):
    s = counter_setup()
    assert refusal(lambda: svc.redeem(s.clerk, s.station, text, [(s.rice.id, 1)])).code == "invalid"
    assert refusal(lambda: svc.look_up(s.clerk, s.station, text)).code == "invalid"
    assert redemption_count() == 0 and available(s.resident) == 500


def test_signed_but_unknown_secret_is_invalid(app, counter_setup):
    s = counter_setup()
    forged = codes.payload(codes.PAY, "not-a-real-secret")
    assert refusal(lambda: svc.redeem(s.clerk, s.station, forged, [(s.rice.id, 1)])).code == "invalid"
    assert refusal(lambda: svc.redeem(s.clerk, s.station, "00000000", [(s.rice.id, 1)])).code == "invalid"


def test_expired_and_revoked(app, counter_setup, monkeypatch):
    s = counter_setup(points=1000)
    _, old_payload = pay(s.resident)
    _, new_payload = pay(s.resident)  # the refresh revokes the unscanned older code
    assert refusal(lambda: svc.redeem(s.clerk, s.station, old_payload, [(s.rice.id, 1)])).code == "revoked"
    later = utcnow() + timedelta(seconds=svc.PAY_CODE_SECONDS + 1)
    freeze_station_clock(monkeypatch, later)
    assert refusal(lambda: svc.redeem(s.clerk, s.station, new_payload, [(s.rice.id, 1)])).code == "expired"
    assert refusal(lambda: svc.look_up(s.clerk, s.station, new_payload)).code == "expired"
    assert redemption_count() == 0 and available(s.resident) == 1000


def test_scanned_code_survives_expiry_and_refresh_for_the_scanning_station(
    app, counter_setup, make_station, make_user, monkeypatch
):
    s = counter_setup(points=1000)
    _, payload = pay(s.resident)
    run_in_unit(lambda: svc.look_up(s.clerk, s.station, payload))
    pay(s.resident)  # the phone refreshes while the clerk picks items: a scanned code is not revoked
    other = make_station(s.community)
    other_clerk = make_user("clerk", station=other)
    assert refusal(lambda: svc.look_up(other_clerk, other, payload)).code == "wrong_station"
    later = utcnow() + timedelta(seconds=svc.PAY_CODE_SECONDS + 30)
    freeze_station_clock(monkeypatch, later)
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)]))
    assert r.status == "done"


def test_wrong_station_items(app, counter_setup, make_station, make_item):
    s = counter_setup()
    other = make_station(s.community)
    foreign = make_item(other, "洗衣液", 60)
    _, payload = pay(s.resident)
    assert refusal(lambda: svc.redeem(s.clerk, s.station, payload, [(foreign.id, 1)])).code == "wrong_station"
    assert stock_of(foreign) == 10 and available(s.resident) == 500


def test_insufficient_points_changes_nothing(app, counter_setup):
    s = counter_setup(points=300)
    _, payload = pay(s.resident)
    err = refusal(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1), (s.oil.id, 1)]))
    assert err.code == "insufficient_points"
    assert stock_of(s.rice) == 10 and stock_of(s.oil) == 10 and available(s.resident) == 300
    assert db.session.scalar(sa.select(PayCode.used_at)) is None  # the code can still be used
    assert redemption_count() == 0


def test_out_of_stock(app, counter_setup):
    s = counter_setup(points=5000, stock=2)
    _, payload = pay(s.resident)
    assert refusal(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 3)])).code == "out_of_stock"
    assert stock_of(s.rice) == 2 and available(s.resident) == 5000


def test_over_limit_per_period(app, counter_setup, make_item):
    s = counter_setup(points=5000)
    limited = make_item(s.station, "大米 10kg", 300, stock=10, limit_qty=1, limit_period="month")
    _, payload = pay(s.resident)
    assert refusal(lambda: svc.redeem(s.clerk, s.station, payload, [(limited.id, 2)])).code == "over_limit"
    run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(limited.id, 1)]))
    _, payload2 = pay(s.resident)
    err = refusal(lambda: svc.redeem(s.clerk, s.station, payload2, [(limited.id, 1)]))
    assert err.code == "over_limit"
    assert stock_of(limited) == 9


def test_bad_quantities(app, counter_setup):
    s = counter_setup()
    _, payload = pay(s.resident)
    for lines in ([], [(s.rice.id, 0)], [(s.rice.id, -1)], [(s.rice.id, 100)]):
        err = refusal(lambda lines=lines: svc.redeem(s.clerk, s.station, payload, lines))
        assert isinstance(err, Invalid)
    assert refusal(lambda: svc.redeem(s.clerk, s.station, payload, [(999999, 1)])).code == "item_not_found"


def test_clerk_of_other_station_cannot_redeem(app, counter_setup, make_station, make_user):
    s = counter_setup()
    other = make_station(s.community)
    stranger = make_user("clerk", station=other)
    _, payload = pay(s.resident)
    assert isinstance(refusal(lambda: svc.redeem(stranger, s.station, payload, [(s.rice.id, 1)])), NotFound)


def test_undo_within_window_then_refund(app, counter_setup, make_user, monkeypatch):
    s = counter_setup(points=1000)
    _, payload = pay(s.resident)
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 2)]))
    run_in_unit(lambda: svc.undo(s.clerk, db.session.get(Redemption, r.id)))
    assert available(s.resident) == 1000 and stock_of(s.rice) == 10
    assert db.session.get(Redemption, r.id).status == "undone"
    assert refusal(lambda: svc.undo(s.clerk, db.session.get(Redemption, r.id))).code == "already_reversed"
    assert svc.stock_mismatches() == []

    _, payload = pay(s.resident)
    r2 = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.oil.id, 1)]))
    later = utcnow() + timedelta(minutes=svc.undo_minutes() + 1)
    freeze_station_clock(monkeypatch, later)
    assert refusal(lambda: svc.undo(s.clerk, db.session.get(Redemption, r2.id))).code == "undo_window_passed"
    assert isinstance(refusal(lambda: svc.refund(s.clerk, db.session.get(Redemption, r2.id), "质量问题")), NotFound)
    coordinator = make_user("coordinator", community=s.community)
    assert refusal(lambda: svc.refund(coordinator, db.session.get(Redemption, r2.id), " ")).code == "reason_required"
    run_in_unit(lambda: svc.refund(coordinator, db.session.get(Redemption, r2.id), "食用油过期，退回积分"))
    assert db.session.get(Redemption, r2.id).status == "refunded"
    assert available(s.resident) == 1000
    assert stock_of(s.oil) == 9  # a refund returns points; the goods already left


def test_reservation_pickup_cancel_and_expiry(app, counter_setup, make_station, make_user, monkeypatch):
    s = counter_setup(points=500)
    res = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.rice.id, 1)], key=new_key()))
    assert res.status == "pending" and len(res.digits) == 6
    assert stock_of(s.rice) == 9
    assert ledger.balance(ledger.find_resident_account(s.resident)) == (500, 200, 300)
    # wrong station
    other = make_station(s.community)
    other_clerk = make_user("clerk", station=other)
    payload = svc.pickup_payload(res)
    assert refusal(lambda: svc.hand_over(other_clerk, other, payload)).code == "wrong_station"
    info = run_in_unit(lambda: svc.look_up(s.clerk, s.station, res.digits))
    assert info.kind == "pickup" and info.reservation.id == res.id
    r = run_in_unit(lambda: svc.hand_over(s.clerk, s.station, payload))
    assert r.total == 200 and r.reservation_id == res.id
    assert ledger.balance(ledger.find_resident_account(s.resident)) == (300, 0, 300)
    assert refusal(lambda: svc.hand_over(s.clerk, s.station, payload)).code == "already_used"
    assert stock_of(s.rice) == 9

    # cancel releases points and stock
    res2 = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.oil.id, 1)]))
    assert available(s.resident) == 150 and stock_of(s.oil) == 9
    run_in_unit(lambda: svc.cancel_reservation(s.resident, db.session.get(Reservation, res2.id)))
    assert available(s.resident) == 300 and stock_of(s.oil) == 10
    assert refusal(lambda: svc.hand_over(s.clerk, s.station, svc.pickup_payload(res2))).code == "revoked"

    # unclaimed reservations expire
    res3 = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.oil.id, 2)]))
    assert available(s.resident) == 0
    later = utcnow() + timedelta(hours=svc.reservation_hours() + 1)
    assert refusal(lambda: svc.reserve(s.resident, s.station, [(s.oil.id, 1)])).code == "insufficient_points"
    assert run_in_unit(lambda: svc.expire_reservations(later)) == 1
    assert run_in_unit(lambda: svc.expire_reservations(later)) == 0
    assert db.session.get(Reservation, res3.id).status == "expired"
    assert available(s.resident) == 300 and stock_of(s.oil) == 10
    assert svc.stock_mismatches() == []


def test_reservation_refusals(app, counter_setup, make_item):
    s = counter_setup(points=100)
    assert refusal(lambda: svc.reserve(s.resident, s.station, [(s.rice.id, 1)])).code == "insufficient_points"
    assert stock_of(s.rice) == 10
    db.session.execute(sa.delete(Reservation))


def test_card_pin_counts_wrong_tries_and_locks(app, counter_setup):
    s = counter_setup()
    card = run_in_unit(lambda: svc.set_card_pin(s.resident, "2580"))
    text = svc.card_payload(card)
    assert refusal(lambda: svc.look_up(s.clerk, s.station, text)).code == "pin_required"
    for left in (4, 3, 2, 1):
        result = run_in_unit(lambda: svc.card_to_pay_code(s.clerk, s.station, text, "1111"))
        assert result.code == "wrong_pin" and result.details["tries_left"] == left
    locked = run_in_unit(lambda: svc.card_to_pay_code(s.clerk, s.station, text, "1111"))
    assert locked.code == "pin_locked"
    assert run_in_unit(lambda: svc.card_to_pay_code(s.clerk, s.station, text, "2580")).code == "pin_locked"
    assert refusal(lambda: svc.set_card_pin(s.resident, "1111")).code == "invalid_pin"


def test_card_with_right_pin_redeems(app, counter_setup):
    s = counter_setup()
    card = run_in_unit(lambda: svc.set_card_pin(s.resident, "2580"))
    code = run_in_unit(lambda: svc.card_to_pay_code(s.clerk, s.station, svc.card_payload(card), "2580"))
    assert isinstance(code, PayCode) and code.via_card
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, svc.pay_payload(code), [(s.haircut.id, 1)]))
    assert r.total == 50
    forged = codes.payload(codes.CARD, "unknown")
    assert refusal(lambda: svc.card_to_pay_code(s.clerk, s.station, forged, "2580")).code == "invalid"


def test_proxy_spends_for_elder_and_is_recorded(app, counter_setup, make_user):
    s = counter_setup()
    daughter = make_user("resident", community=s.community, name="王小红")
    assert isinstance(refusal(lambda: svc.issue_pay_code(daughter, for_resident_id=s.resident.id)), NotFound)
    coordinator = make_user("coordinator", community=s.community)
    run_in_unit(lambda: svc.register_proxy(coordinator, s.resident, daughter, "女儿"))
    code = run_in_unit(lambda: svc.issue_pay_code(daughter, for_resident_id=s.resident.id))
    assert code.resident_id == s.resident.id and code.proxy_id == daughter.id
    info = run_in_unit(lambda: svc.look_up(s.clerk, s.station, svc.pay_payload(code)))
    assert info.proxy.id == daughter.id
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, svc.pay_payload(code), [(s.oil.id, 1)]))
    assert r.proxy_id == daughter.id and r.resident_id == s.resident.id
    lines, _ = ledger.statement(ledger.find_resident_account(s.resident))
    assert lines[0].memo == "兑换：食用油 5L ×1（王小红代办）"
    assert available(s.resident) == 350
    assert svc.redemption_for(daughter, r.id).id == r.id


def test_daily_report_adds_up(app, counter_setup):
    s = counter_setup(points=2000)
    for qty in (1, 2):
        _, payload = pay(s.resident)
        run_in_unit(lambda qty=qty, payload=payload: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, qty)]))
    _, payload = pay(s.resident)
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.oil.id, 1)]))
    run_in_unit(lambda: svc.undo(s.clerk, db.session.get(Redemption, r.id)))
    report = svc.daily_report(s.station, svc.today_local())
    assert report["redemptions"] == 2 and report["points_in"] == 600 and report["undone"] == 1
    assert report["items_out"] == [{"name": "大米 5kg", "qty": 3, "points": 600}]
    stock = {row["name"]: row for row in report["stock"]}
    assert stock["大米 5kg"]["stock"] == 7 and stock["食用油 5L"]["stock"] == 10
    assert report["stock_consistent"] is True
    total_moves = db.session.scalar(
        sa.select(sa.func.sum(StockMovement.delta)).where(StockMovement.item_id == s.rice.id)
    )
    assert total_moves == 7


def test_low_stock_stands_out(app, counter_setup):
    s = counter_setup(stock=3)
    assert svc.is_low(s.rice, s.station) and not svc.is_low(s.haircut, s.station)


def test_non_resident_cannot_issue_pay_code(app, counter_setup):
    s = counter_setup()
    with pytest.raises(DomainError):
        run_in_unit(lambda: svc.issue_pay_code(s.clerk))


def test_refused_is_422_and_used_is_409():
    assert Refused("x").status == 422 and Conflict("x").status == 409
