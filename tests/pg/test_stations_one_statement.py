"""The PostgreSQL redemption in one statement (station_redeem) writes what the ORM path writes, refuses the same
way, and keeps its promises under real concurrent connections."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.errors import DomainError
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Entry, Transfer
from pointsbank.ledger.verify import verify
from pointsbank.stations import counter
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, PayCode, Redemption, RedemptionLine, StockMovement
from tests.factories.stations import new_key
from tests.pg.test_stations_concurrency import assert_books_agree, race, redeem_job


def _opened(s):
    """The station's account exists after its first redemption; from then on redemptions take one statement."""
    run_in_unit(lambda: svc.redeem(s.clerk, s.station, _code(s.resident), [(s.haircut.id, 1)], key=new_key()))


def _code(resident, **kw) -> str:
    return svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(resident, **kw)))


def _statements(fn) -> tuple[list[str], object]:
    seen: list[str] = []
    listener = lambda _c, _cur, statement, *_a: seen.append(statement)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = run_in_unit(fn)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return seen, result


def _written(redemption_id: int) -> dict:
    """Everything a redemption wrote, without ids and times that differ between two redemptions."""
    db.session.expire_all()
    r = db.session.get(Redemption, redemption_id)
    transfer = db.session.get(Transfer, r.transfer_id)
    entries = db.session.scalars(sa.select(Entry).where(Entry.transfer_id == transfer.id).order_by(Entry.id)).all()
    lines = db.session.scalars(
        sa.select(RedemptionLine).where(RedemptionLine.redemption_id == r.id).order_by(RedemptionLine.id)
    ).all()
    moves = db.session.scalars(
        sa.select(StockMovement).where(StockMovement.redemption_id == r.id).order_by(StockMovement.id)
    ).all()
    return {
        "redemption": (r.station_id, r.resident_id, r.clerk_id, r.proxy_id, r.total, r.status, r.end_reason),
        "balance_after": r.balance_after,
        "transfer": (
            transfer.kind,
            transfer.actor_id,
            transfer.memo,
            transfer.subject_type,
            transfer.subject_id == r.id,
        ),
        "key": transfer.idempotency_key == f"stations:redemption:{r.id}",
        "entries": [(e.amount, e.community_id, e.created_at == transfer.created_at) for e in entries],
        "lines": [(x.item_id, x.item_name, x.qty, x.unit_points) for x in lines],
        "moves": [(m.item_id, m.delta, m.reason, m.note, m.actor_id) for m in moves],
        "code_used": db.session.get(PayCode, r.pay_code_id).used_at is not None,
    }


def test_one_statement_writes_what_the_orm_path_writes(pg_app, counter_setup, monkeypatch):
    s = counter_setup(points=5000, stock=20)
    _opened(s)
    basket = [(s.oil.id, 2), (s.rice.id, 1), (s.haircut.id, 1)]
    payload = _code(s.resident)
    seen, fast = _statements(lambda: svc.redeem(s.clerk, s.station, payload, basket, key=new_key()))
    assert any("station_redeem" in q for q in seen)
    assert not any(q.lstrip().upper().startswith(("INSERT", "UPDATE")) for q in seen)  # all writes in the call
    monkeypatch.setattr(counter, "one_statement", lambda: False)  # the ORM path, as on SQLite
    payload = _code(s.resident)
    seen, slow = _statements(lambda: svc.redeem(s.clerk, s.station, payload, basket, key=new_key()))
    assert not any("station_redeem" in q for q in seen)
    fast_rows, slow_rows = _written(fast.id), _written(slow.id)
    assert fast_rows["balance_after"] - slow_rows["balance_after"] == fast.total  # the second spent after it
    fast_rows.pop("balance_after"), slow_rows.pop("balance_after")
    assert fast_rows == slow_rows
    assert fast_rows["lines"] == [
        (s.rice.id, "大米 5kg", 1, 200),
        (s.oil.id, "食用油 5L", 2, 150),
        (s.haircut.id, "理发服务", 1, 50),
    ]
    assert verify().ok
    assert_books_agree([s.station.id])


def test_the_transfer_hash_is_the_one_the_ledger_makes(pg_app, counter_setup):
    """Posting the same spend again through the ledger under the same key is a replay, not a conflict."""
    s = counter_setup(points=1000)
    _opened(s)
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, _code(s.resident), [(s.rice.id, 1)], key=new_key()))
    transfer = db.session.get(Transfer, r.transfer_id)
    again = run_in_unit(
        lambda: ledger.spend(
            s.resident,
            s.station.id,
            r.total,
            key=transfer.idempotency_key,
            actor_id=s.clerk.id,
            memo=transfer.memo,
            subject=("redemption", r.id),
        )
    )
    assert again.id == transfer.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 3  # funding, opening, this one


def test_the_answer_shows_what_was_written(pg_app, counter_setup, make_user):
    s = counter_setup(points=1000)
    _opened(s)
    daughter = make_user("resident", community=s.community, name="王小红")
    coordinator = make_user("coordinator", community=s.community)
    run_in_unit(lambda: svc.register_proxy(coordinator, s.resident, daughter, "女儿"))
    payload = _code(daughter, for_resident_id=s.resident.id)
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 2)], key=new_key()))
    answered = (r.total, r.balance_after, r.proxy.name, [(x.item_id, x.qty) for x in r.lines], r.station.name)
    assert answered == (400, 1000 - 50 - 400, "王小红", [(s.rice.id, 2)], s.station.name)
    assert svc.undo_deadline(r) > r.created_at
    db.session.expire_all()
    stored = db.session.get(Redemption, r.id)
    assert (stored.total, stored.balance_after, stored.proxy_id) == (400, 550, daughter.id)
    assert "王小红代办" in db.session.get(Transfer, r.transfer_id).memo
    undone = run_in_unit(lambda: svc.undo(s.clerk, stored))  # the rows behave like any redemption's
    assert undone.status == "undone"
    assert ledger.balance(ledger.find_resident_account(s.resident)).available == 950
    assert verify().ok


@pytest.mark.parametrize(("points", "stock", "reason"), [(100, 10, "insufficient_points"), (5000, 0, "out_of_stock")])
def test_a_refusal_writes_nothing_and_is_noted_on_the_code(pg_app, counter_setup, points, stock, reason):
    s = counter_setup(points=points + 50, stock=stock)
    _opened(s)
    payload = _code(s.resident)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))
    with pytest.raises(DomainError) as refused:
        svc.noted(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key=new_key()))
    assert refused.value.code == reason
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == before
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == stock
    code = db.session.scalar(sa.select(PayCode).order_by(PayCode.id.desc()).limit(1))
    assert (code.used_at, code.refused_reason) == (None, reason)
    assert ledger.balance(ledger.find_resident_account(s.resident)).available == points
    assert verify().ok


def test_concurrent_confirms_of_one_code_on_an_opened_station(pg_app, counter_setup):
    s = counter_setup(points=10_000, stock=200)
    _opened(s)
    payload = _code(s.resident)
    jobs = [redeem_job(s.clerk.id, s.station.id, payload, [(s.rice.id, 1)], f"one:{i}") for i in range(40)]
    outcomes = race(pg_app, jobs)
    assert outcomes == Counter({"ok": 1, "already_used": 39}), outcomes
    payload = _code(s.resident)
    identical = [redeem_job(s.clerk.id, s.station.id, payload, [(s.oil.id, 1)], "same-key") for _ in range(30)]
    assert race(pg_app, identical) == Counter({"ok": 30})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 3
    assert ledger.balance(ledger.find_resident_account(s.resident)).available == 10_000 - 50 - 200 - 150
    assert_books_agree([s.station.id])
    assert verify().ok


def test_residents_race_for_the_last_items_and_points_on_an_opened_station(
    pg_app, counter_setup, make_user, fund_resident
):
    s = counter_setup(points=0, stock=3)
    fund_resident(s.resident, 50)
    _opened(s)
    residents = [make_user("resident", community=s.community, name=f"居民{i}") for i in range(16)]
    for i, resident in enumerate(residents):
        fund_resident(resident, 350 if i % 2 else 150)  # half can pay for rice, all for oil
    basket = [(s.oil.id, 1), (s.rice.id, 1)]  # 350 points: the odd ones only; items locked in id order
    jobs = [redeem_job(s.clerk.id, s.station.id, _code(r), basket, f"last:{i}") for i, r in enumerate(residents)]
    outcomes = race(pg_app, jobs)
    assert outcomes["ok"] == 3, outcomes
    assert set(outcomes) <= {"ok", "out_of_stock", "insufficient_points"}, outcomes
    db.session.expire_all()
    assert db.session.scalars(sa.select(Item.stock).where(Item.id.in_([s.rice.id, s.oil.id]))).all() == [0, 0]
    spent = sorted(350 - ledger.balance(ledger.find_resident_account(r)).available for r in residents[1::2])
    assert spent == [0] * 5 + [350] * 3
    assert_books_agree([s.station.id])
    assert verify().ok
