"""Ledger service: the contract and promises 1-7 and 10, on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Conflict, Invalid, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Hold, Transfer
from tests.factories.ledger import ledger_totals, new_key


def fresh_balance(user) -> ledger.Balance:
    db.session.rollback()
    return ledger.balance(ledger.find_resident_account(user))


def test_award_and_spend_move_points(app, make_user, award_points, ledger_station):
    resident = make_user()
    station = ledger_station(resident.community)
    transfer = award_points(resident, 100)
    assert transfer.kind == "award" and len(transfer.entries) == 2
    assert sum(e.amount for e in transfer.entries) == 0
    run_in_unit(lambda: ledger.spend(resident, station.id, 30, key="s1", actor_id=None, memo="兑换：大米 5kg ×1"))
    assert fresh_balance(resident) == (70, 0, 70)
    issuance = run_in_unit(lambda: ledger.community_account(resident.community_id, "issuance"))
    assert ledger.balance(issuance).balance == -100
    assert ledger_totals() == (0, {}, [])


def test_spend_more_than_available_is_refused_and_changes_nothing(app, make_user, award_points, ledger_station):
    resident = make_user()
    station = ledger_station(resident.community)
    award_points(resident, 10)
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: ledger.spend(resident, station.id, 11, key="s", actor_id=None, memo="兑换"))
    assert err.value.code == "insufficient_points"
    assert fresh_balance(resident) == (10, 0, 10)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1


def test_same_key_returns_first_result_other_request_conflicts(app, make_user, award_points):
    resident = make_user()
    first = award_points(resident, 5, key="k")
    again = award_points(resident, 5, key="k")
    assert again.id == first.id
    with pytest.raises(Conflict) as err:
        award_points(resident, 6, key="k")
    assert err.value.code == "idempotency_conflict"
    assert fresh_balance(resident).balance == 5


def test_unbalanced_or_bad_legs_are_invalid(app, make_user):
    resident = make_user()
    account = run_in_unit(lambda: ledger.resident_account(resident))
    issuance = run_in_unit(lambda: ledger.community_account(resident.community_id, "issuance"))
    bad_legs = (
        [(issuance, -5), (account, 4)],
        [(account, 5)],
        [(issuance, 0), (account, 0)],
        [(issuance, -1.5), (account, 1.5)],
    )
    for legs in bad_legs:
        with pytest.raises(Invalid):
            run_in_unit(lambda legs=legs: ledger.post("transfer", legs, key=new_key(), actor_id=None, memo="x"))
    for bad in (0, -3, True, 2.0, "5"):
        with pytest.raises(Invalid):
            run_in_unit(lambda bad=bad: ledger.award(resident, bad, key=new_key(), actor_id=None, memo="x"))
    assert ledger_totals() == (0, {}, [])


def test_hold_reduces_available_and_ends_once(app, make_user, award_points, ledger_station):
    resident = make_user()
    station = ledger_station(resident.community)
    award_points(resident, 50)
    account = run_in_unit(lambda: ledger.resident_account(resident))
    h = run_in_unit(lambda: ledger.hold(account, 40, key="h1", expires_at=utcnow() + timedelta(hours=1), memo="预约"))
    assert fresh_balance(resident) == (50, 40, 10)
    with pytest.raises(Refused):
        run_in_unit(lambda: ledger.spend(resident, station.id, 11, key="s", actor_id=None, memo="兑换"))
    with pytest.raises(Refused):
        run_in_unit(lambda: ledger.hold(account, 11, key="h2", expires_at=utcnow() + timedelta(hours=1), memo="x"))
    to = run_in_unit(lambda: ledger.station_account(station.id, station.community_id))
    t = run_in_unit(lambda: ledger.post_hold(h, to, key="p1", actor_id=None))
    assert h.status == "posted" and t.kind == "spend"
    assert fresh_balance(resident) == (10, 0, 10)
    # posting again with the same key returns the same transfer; any other end is refused
    assert run_in_unit(lambda: ledger.post_hold(h, to, key="p1", actor_id=None)).id == t.id
    for end in (lambda: ledger.post_hold(h, to, key="p2", actor_id=None), lambda: ledger.void_hold(h)):
        with pytest.raises(Conflict) as err:
            run_in_unit(end)
        assert err.value.code == "hold_closed"
    assert fresh_balance(resident) == (10, 0, 10)
    assert ledger_totals() == (0, {}, [])


def test_void_and_expire_release_holds(app, make_user, award_points):
    resident = make_user()
    award_points(resident, 50)
    account = run_in_unit(lambda: ledger.resident_account(resident))
    h1 = run_in_unit(lambda: ledger.hold(account, 10, key="h1", expires_at=utcnow() + timedelta(hours=1), memo="x"))
    h2 = run_in_unit(lambda: ledger.hold(account, 20, key="h2", expires_at=utcnow() - timedelta(seconds=1), memo="x"))
    assert fresh_balance(resident) == (50, 30, 20)
    run_in_unit(lambda: ledger.void_hold(h1, reason="居民取消"))
    assert run_in_unit(lambda: ledger.expire_holds()) == 1
    assert run_in_unit(lambda: ledger.expire_holds()) == 0
    assert fresh_balance(resident) == (50, 0, 50)
    statuses = dict(db.session.execute(sa.select(Hold.id, Hold.status)).all())
    assert statuses == {h1.id: "voided", h2.id: "expired"}
    with pytest.raises(Conflict):
        run_in_unit(lambda: ledger.void_hold(h2))


def test_reverse_once_and_refuse_when_spent(app, make_user, award_points, ledger_station):
    resident = make_user()
    station = ledger_station(resident.community)
    t1 = award_points(resident, 30)
    r = run_in_unit(lambda: ledger.reverse(t1, key="r1", actor_id=None, reason="重复发放"))
    assert r.reverses_id == t1.id and r.kind == "reversal"
    assert fresh_balance(resident).balance == 0
    assert run_in_unit(lambda: ledger.reverse(t1, key="r1", actor_id=None, reason="重复发放")).id == r.id
    with pytest.raises(Conflict) as err:
        run_in_unit(lambda: ledger.reverse(t1, key="r2", actor_id=None, reason="again"))
    assert err.value.code == "already_reversed"
    t2 = award_points(resident, 30)
    run_in_unit(lambda: ledger.spend(resident, station.id, 25, key="s", actor_id=None, memo="兑换"))
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: ledger.reverse(t2, key="r3", actor_id=None, reason="错误"))
    assert err.value.code == "insufficient_points"
    assert fresh_balance(resident).balance == 5
    assert ledger_totals() == (0, {}, [])


def test_statement_newest_first_with_running_balance(app, make_user, award_points):
    resident = make_user()
    for i in range(1, 26):
        award_points(resident, i, memo=f"志愿活动：第{i}次")
    account = ledger.find_resident_account(resident)
    lines, total = ledger.statement(account, page=1, per_page=10)
    assert total == 25 and len(lines) == 10
    assert lines[0].memo == "志愿活动：第25次" and lines[0].balance_after == sum(range(1, 26))
    assert [ln.balance_after - ln.amount for ln in lines[:-1]] == [ln.balance_after for ln in lines[1:]]
    page3, _ = ledger.statement(account, page=3, per_page=10)
    assert [ln.memo for ln in page3][-1] == "志愿活动：第1次" and len(page3) == 5
