"""Acceptance 8: expiry per community policy, FIFO, safe to run twice, never expiring spent points."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import expiry
from pointsbank.ledger import service as ledger
from pointsbank.people.models import Community
from tests.factories.ledger import ledger_totals, new_key, set_ledger_clock

CST = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CST)


@pytest.fixture
def clock(monkeypatch):
    """clock(t) sets the ledger's server time."""

    def set_time(t: datetime) -> None:
        set_ledger_clock(monkeypatch, lambda: t.astimezone(ZoneInfo("UTC")))

    return set_time


def set_policy(community, policy: str) -> None:
    def work():
        db.session.get(Community, community.id).expiry_policy = policy

    run_in_unit(work)


def balance_of(user) -> ledger.Balance:
    db.session.rollback()
    return ledger.balance(ledger.find_resident_account(user))


def test_lot_expiry_dates():
    assert expiry.lot_expiry(at(2025, 1, 10, 9), "rolling_12_months") == at(2026, 2, 1).astimezone(ZoneInfo("UTC"))
    assert expiry.lot_expiry(at(2025, 12, 31, 23), "rolling_12_months") == at(2027, 1, 1).astimezone(ZoneInfo("UTC"))
    assert expiry.lot_expiry(at(2025, 3, 1), "year_end") == at(2026, 1, 1).astimezone(ZoneInfo("UTC"))
    assert expiry.lot_expiry(at(2025, 3, 1), "none") is None


def test_rolling_fifo_never_expires_spent_points_and_runs_twice_safely(
    app, make_user, award_points, ledger_station, clock
):
    resident = make_user()
    set_policy(resident.community, "rolling_12_months")
    station = ledger_station(resident.community)
    clock(at(2025, 1, 10, 10))
    award_points(resident, 100)
    clock(at(2025, 6, 10, 10))
    award_points(resident, 50)
    clock(at(2025, 7, 1, 10))
    run_in_unit(lambda: ledger.spend(resident, station.id, 120, key="s", actor_id=None, memo="兑换"))
    account = ledger.find_resident_account(resident)

    # the January lot is all spent: nothing expires at its end
    assert run_in_unit(lambda: expiry.expire_points(now=at(2026, 2, 1, 0, 5))) == 0
    assert expiry.expiring_soon(account, now=at(2026, 2, 1, 0, 5)) == (30, date(2026, 6, 30))
    # the June lot's 30 unspent points expire at the end of June 2026
    assert run_in_unit(lambda: expiry.expire_points(now=at(2026, 7, 1, 0, 5))) == 30
    assert run_in_unit(lambda: expiry.expire_points(now=at(2026, 7, 1, 0, 6))) == 0
    assert run_in_unit(lambda: expiry.expire_points(now=at(2027, 7, 1))) == 0
    assert balance_of(resident) == (0, 0, 0)
    expiry_account = run_in_unit(lambda: ledger.community_account(resident.community_id, "expiry"))
    assert ledger.balance(expiry_account).balance == 30
    assert expiry.expiring_soon(account, now=at(2026, 7, 2)) == (0, None)
    assert ledger_totals() == (0, {}, [])


def test_year_end_clearing_spares_points_on_hold_until_released(app, make_user, award_points, ledger_station, clock):
    resident = make_user()
    set_policy(resident.community, "year_end")
    clock(at(2025, 3, 1, 10))
    award_points(resident, 80)
    account = ledger.find_resident_account(resident)
    h = run_in_unit(lambda: ledger.hold(account, 10, key="h", expires_at=at(2026, 3, 1), memo="预约"))
    clock(at(2025, 12, 20))
    assert expiry.expiring_soon(account, now=at(2025, 12, 20)) == (80, date(2025, 12, 31))
    assert run_in_unit(lambda: expiry.expire_points(now=at(2026, 1, 1, 0, 1))) == 70
    assert balance_of(resident) == (10, 10, 0)
    run_in_unit(lambda: ledger.void_hold(h))
    assert run_in_unit(lambda: expiry.expire_points(now=at(2026, 1, 1, 0, 2))) == 10
    assert run_in_unit(lambda: expiry.expire_points(now=at(2026, 1, 1, 0, 3))) == 0
    assert balance_of(resident) == (0, 0, 0)
    assert ledger_totals() == (0, {}, [])


def test_policy_none_never_expires(app, make_user, award_points):
    resident = make_user()
    award_points(resident, 10)
    assert run_in_unit(lambda: expiry.expire_points(now=datetime.now(CST) + timedelta(days=3650))) == 0
    assert expiry.expiring_soon(ledger.find_resident_account(resident)) == (0, None)


def test_flask_points_expire_command(app, make_user, award_points, clock):
    resident = make_user()
    set_policy(resident.community, "year_end")
    clock(at(2025, 5, 5))
    award_points(resident, 25, key=new_key())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["points", "expire", "--now", "2026-01-01T00:00:01+08:00"])
    assert result.exit_code == 0 and "expired 25 point(s)" in result.output
    again = runner.invoke(args=["points", "expire", "--now", "2026-01-01T00:00:02+08:00"])
    assert "expired 0 point(s)" in again.output
    assert runner.invoke(args=["points", "expire", "--now", "2026-01-01T00:00:02"]).exit_code != 0
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(ledger.Transfer).where(ledger.Transfer.kind == "expiry")
        )
        == 1
    )


def test_two_expiry_runs_at_once_expire_once(app, make_user, award_points, clock):
    from tests.factories.ledger import run_together

    residents = [make_user()]
    set_policy(residents[0].community, "year_end")
    residents.append(make_user(community=residents[0].community))
    clock(at(2025, 4, 1))
    for r in residents:
        award_points(r, 40)
    results = run_together(app, 4, lambda i: run_in_unit(lambda: expiry.expire_points(now=at(2026, 1, 1, 1))))
    assert all(r[0] == "ok" for r in results), results
    assert sum(r[1] for r in results) == 80
    assert [balance_of(r).balance for r in residents] == [0, 0]
    assert ledger_totals() == (0, {}, [])


def test_expire_holds_command(app, make_user, award_points):
    resident = make_user()
    award_points(resident, 10)
    account = ledger.find_resident_account(resident)
    run_in_unit(lambda: ledger.hold(account, 4, key="h", expires_at=datetime.now(CST) - timedelta(minutes=1), memo="x"))
    runner = app.test_cli_runner()
    assert "expired 1 hold(s)" in runner.invoke(args=["ledger", "expire-holds"]).output
    assert "expired 0 hold(s)" in runner.invoke(args=["ledger", "expire-holds"]).output
    assert balance_of(resident) == (10, 0, 10)
