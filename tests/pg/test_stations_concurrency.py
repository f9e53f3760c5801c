"""PostgreSQL with real threads: one pay code, last points, last item — exactly one wins; stock and ledger agree."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.errors import DomainError
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Account
from pointsbank.people.models import User
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, Redemption, Station, StockMovement


def race(app, jobs) -> Counter:
    """Run every job in its own thread and app context, released together; count outcomes."""
    start = threading.Event()
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job):
        with app.app_context():
            start.wait()
            try:
                run_in_unit(job)
                outcome = "ok"
            except DomainError as err:
                outcome = err.code
            except Exception as exc:  # noqa: BLE001  (anything else is a bug the test must show)
                outcome = f"crash:{type(exc).__name__}:{exc}"[:200]
            finally:
                db.session.remove()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(timeout=120)
    assert all(not t.is_alive() for t in threads)
    return Counter(outcomes)


def redeem_job(clerk_id: int, station_id: int, payload: str, lines, key: str):
    def job():
        clerk = db.session.get(User, clerk_id)
        station = db.session.get(Station, station_id)
        return svc.redeem(clerk, station, payload, lines, key=key)

    return job


def assert_books_agree(station_ids):
    """Stock equals its movements; each station's points equal its done redemptions."""
    db.session.expire_all()
    assert svc.stock_mismatches() == []
    for station_id in station_ids:
        done = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Redemption.total), 0)).where(
                Redemption.station_id == station_id, Redemption.status == "done"
            )
        )
        account = db.session.scalar(sa.select(Account).where(Account.owner_key == f"station:{station_id}"))
        assert (account.balance if account else 0) == done  # a station that never sold has no account yet


def test_100_concurrent_confirms_of_one_pay_code_make_one_redemption(pg_app, counter_setup):
    s = counter_setup(points=10_000, stock=200)
    code = run_in_unit(lambda: svc.issue_pay_code(s.resident))
    payload = svc.pay_payload(code)
    jobs = [redeem_job(s.clerk.id, s.station.id, payload, [(s.rice.id, 1)], f"race:{i}") for i in range(100)]
    outcomes = race(pg_app, jobs)
    assert outcomes["ok"] == 1, outcomes
    assert outcomes["already_used"] == 99, outcomes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == 199
    assert ledger.balance(ledger.find_resident_account(s.resident)).available == 9_800
    assert_books_agree([s.station.id])


def test_two_stations_spend_the_same_last_points_once(pg_app, counter_setup, make_station, make_item, make_user):
    s = counter_setup(points=0, stock=50)
    other = make_station(s.community)
    other_clerk = make_user("clerk", station=other)
    other_rice = make_item(other, "大米 5kg", 200, stock=50)
    daughter = make_user("resident", community=s.community, name="王小红")
    coordinator = make_user("coordinator", community=s.community)
    run_in_unit(lambda: svc.register_proxy(coordinator, s.resident, daughter, "女儿"))
    for round_ in range(5):
        run_in_unit(lambda r=round_: ledger.award(s.resident, 200, key=f"pg:last:{r}", actor_id=None, memo="测试"))
        own = run_in_unit(lambda: svc.issue_pay_code(s.resident))
        by_proxy = run_in_unit(lambda: svc.issue_pay_code(daughter, for_resident_id=s.resident.id))
        outcomes = race(
            pg_app,
            [
                redeem_job(s.clerk.id, s.station.id, svc.pay_payload(own), [(s.rice.id, 1)], f"a:{round_}"),
                redeem_job(other_clerk.id, other.id, svc.pay_payload(by_proxy), [(other_rice.id, 1)], f"b:{round_}"),
            ],
        )
        assert outcomes == Counter({"ok": 1, "insufficient_points": 1}), outcomes
        assert ledger.balance(ledger.find_resident_account(s.resident)) == (0, 0, 0)
    total_out = db.session.scalar(
        sa.select(sa.func.count()).select_from(StockMovement).where(StockMovement.reason == "redemption")
    )
    assert total_out == 5
    assert_books_agree([s.station.id, other.id])


def test_20_residents_race_for_the_last_item(pg_app, counter_setup, make_user, fund_resident):
    s = counter_setup(points=0, stock=1)
    residents = [make_user("resident", community=s.community, name=f"居民{i}") for i in range(20)]
    payloads = []
    for resident in residents:
        fund_resident(resident, 500)
        payloads.append(svc.pay_payload(run_in_unit(lambda r=resident: svc.issue_pay_code(r))))
    jobs = [redeem_job(s.clerk.id, s.station.id, p, [(s.rice.id, 1)], f"last:{i}") for i, p in enumerate(payloads)]
    outcomes = race(pg_app, jobs)
    assert outcomes == Counter({"ok": 1, "out_of_stock": 19}), outcomes
    db.session.expire_all()
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == 0
    balances = sorted(ledger.balance(ledger.find_resident_account(r)).available for r in residents)
    assert balances == [300] + [500] * 19
    assert_books_agree([s.station.id])


def test_20_residents_reserve_the_last_item(pg_app, counter_setup, make_user, fund_resident):
    s = counter_setup(points=0, stock=1)
    residents = [make_user("resident", community=s.community, name=f"居民{i}") for i in range(20)]
    for resident in residents:
        fund_resident(resident, 500)

    def reserve_job(resident_id: int, i: int):
        def job():
            return svc.reserve(
                db.session.get(User, resident_id),
                db.session.get(Station, s.station.id),
                [(s.rice.id, 1)],
                key=f"reserve:{i}",
            )

        return job

    outcomes = race(pg_app, [reserve_job(r.id, i) for i, r in enumerate(residents)])
    assert outcomes == Counter({"ok": 1, "out_of_stock": 19}), outcomes
    held = [ledger.balance(ledger.find_resident_account(r)).on_hold for r in residents]
    assert sorted(held) == [0] * 19 + [200]
    assert_books_agree([s.station.id])
