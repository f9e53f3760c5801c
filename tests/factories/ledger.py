"""Factory fixtures: ledger."""

from __future__ import annotations

import itertools

import pytest

_keys = itertools.count(1)


def new_key(prefix: str = "test") -> str:
    """A fresh idempotency key."""
    return f"{prefix}:{next(_keys)}"


@pytest.fixture
def award_points():
    """award_points(user, points, memo=...) -> Transfer (issuance -> resident, committed)."""
    from pointsbank.db import run_in_unit
    from pointsbank.ledger import service as ledger

    def factory(user, points: int, *, memo: str = "志愿活动：楼道清扫 2 小时", key: str | None = None, actor_id=None):
        return run_in_unit(
            lambda: ledger.award(user, points, key=key or new_key("award"), actor_id=actor_id, memo=memo)
        )

    return factory


@pytest.fixture
def ledger_station(make_community):
    """ledger_station(community) -> Station (a plain station row for ledger tests)."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.stations.models import Station

    counter = itertools.count(1)

    def factory(community=None):
        community = community or make_community()

        def work():
            station = Station(
                community_id=community.id, name=f"测试兑换站{next(counter)}", address="", opening_hours=""
            )
            db.session.add(station)
            db.session.flush()
            return station

        return run_in_unit(work)

    return factory


@pytest.fixture
def account_of():
    """account_of(user) -> Account (created and committed)."""
    from pointsbank.db import run_in_unit
    from pointsbank.ledger import service as ledger

    def factory(user):
        return run_in_unit(lambda: ledger.resident_account(user))

    return factory


# --- concurrency scenarios (acceptance 3 and 4), shared by the PostgreSQL and SQLite suites -------------


def run_together(app, count: int, work):
    """Run work(i) in `count` threads, each with its own app context and connection, released together.

    Returns [("ok", value) | ("error", exception)] in thread order.
    """
    import threading

    from pointsbank.extensions import db

    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[i] = ("ok", work(i))
            except Exception as exc:  # noqa: BLE001 - the test inspects what reached the caller
                results[i] = ("error", exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def ledger_totals():
    """(sum of all entries, {account id: (cached, summed)} for accounts that disagree, transfers not summing to 0)."""
    import sqlalchemy as sa

    from pointsbank.extensions import db
    from pointsbank.ledger.models import Account, Entry

    db.session.rollback()
    total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0)))
    sums = {
        a: int(s)
        for a, s in db.session.execute(
            sa.select(Entry.account_id, sa.func.sum(Entry.amount)).group_by(Entry.account_id)
        ).all()
    }
    cached = db.session.execute(sa.select(Account.id, Account.balance, Account.held, Account.kind)).all()
    wrong = {i: (b, sums.get(i, 0)) for i, b, _h, _k in cached if b != sums.get(i, 0)}
    negative = {i: (b, h) for i, b, h, k in cached if k != "issuance" and (b < 0 or b - h < 0 or h < 0)}
    wrong.update(negative)
    unbalanced = db.session.scalars(
        sa.select(Entry.transfer_id).group_by(Entry.transfer_id).having(sa.func.sum(Entry.amount) != 0)
    ).all()
    return int(total), wrong, list(unbalanced)


def scenario_spend_race(app, make_user, award_points, ledger_station, threads: int = 50):
    """(a) balance 100, `threads` threads each spend 10: exactly 10 succeed, final balance 0."""
    from pointsbank.db import run_in_unit
    from pointsbank.errors import Refused
    from pointsbank.ledger import service as ledger

    resident = make_user()
    station = ledger_station(resident.community)
    award_points(resident, 100)

    def work(i):
        return run_in_unit(
            lambda: ledger.spend(
                resident, station.id, 10, key=f"race:spend:{i}", actor_id=None, memo="兑换：大米 5kg ×1"
            )
        ).id

    results = run_together(app, threads, work)
    ok = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "error" and isinstance(r[1], Refused)]
    assert len(ok) == 10, results
    assert len(refused) == threads - 10, [r for r in results if r[0] == "error" and not isinstance(r[1], Refused)]
    assert all(r[1].code == "insufficient_points" for r in refused)
    assert ledger.balance(ledger.find_resident_account(resident)) == (0, 0, 0)
    assert ledger_totals() == (0, {}, [])


def scenario_opposite_directions(app, make_user, award_points, per_thread: int = 500):
    """(b) 2 threads x per_thread transfers in opposite directions: balances unchanged, no error reaches a caller."""
    from pointsbank.db import run_in_unit
    from pointsbank.ledger import service as ledger

    community = make_user().community
    a, b = make_user(community=community), make_user(community=community)
    award_points(a, 1000)
    award_points(b, 1000)
    acc_a, acc_b = (run_in_unit(lambda u=u: ledger.resident_account(u)) for u in (a, b))
    pairs = [(acc_a, acc_b), (acc_b, acc_a)]

    def work(i):
        src, dst = pairs[i]
        for n in range(per_thread):
            run_in_unit(
                lambda n=n: ledger.post(
                    "transfer", [(src, -1), (dst, 1)], key=f"race:dir:{i}:{n}", actor_id=None, memo="转赠"
                )
            )
        return per_thread

    results = run_together(app, 2, work)
    assert results == [("ok", per_thread), ("ok", per_thread)]
    assert ledger.balance(acc_a).balance == 1000 and ledger.balance(acc_b).balance == 1000
    assert ledger_totals() == (0, {}, [])


def scenario_reverse_race(app, make_user, award_points, threads: int = 20):
    """(c) `threads` threads reverse one transfer: exactly one reversal."""
    import sqlalchemy as sa

    from pointsbank.db import run_in_unit
    from pointsbank.errors import Conflict
    from pointsbank.extensions import db
    from pointsbank.ledger import service as ledger
    from pointsbank.ledger.models import Transfer

    resident = make_user()
    original = award_points(resident, 40)

    def work(i):
        return run_in_unit(lambda: ledger.reverse(original, key=f"race:rev:{i}", actor_id=None, reason="重复发放")).id

    results = run_together(app, threads, work)
    ok = [r for r in results if r[0] == "ok"]
    assert len(ok) == 1, results
    assert all(isinstance(r[1], Conflict) and r[1].code == "already_reversed" for r in results if r[0] == "error")
    db.session.rollback()
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Transfer).where(Transfer.reverses_id == original.id))
        == 1
    )
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 0
    assert ledger_totals() == (0, {}, [])


def scenario_same_key(app, make_user, award_points, threads: int = 50):
    """(d) `threads` threads post with one idempotency key: one transfer, every caller gets the same result."""
    import sqlalchemy as sa

    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.ledger import service as ledger
    from pointsbank.ledger.models import Transfer

    resident = make_user()
    account = run_in_unit(lambda: ledger.resident_account(resident))

    def work(i):
        return run_in_unit(
            lambda: ledger.award(account, 7, key="race:same-key", actor_id=None, memo="志愿活动：楼道清扫 2 小时")
        ).id

    results = run_together(app, threads, work)
    assert all(r[0] == "ok" for r in results), [r for r in results if r[0] != "ok"]
    assert len({r[1] for r in results}) == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
    assert ledger.balance(account).balance == 7
    assert ledger_totals() == (0, {}, [])


def scenario_hold_end_race(app, make_user, award_points, ledger_station, threads: int = 20):
    """Promise 6 under concurrency: threads post, void and expire one hold at once; it ends exactly once."""
    from datetime import timedelta

    import sqlalchemy as sa

    from pointsbank.db import run_in_unit, utcnow
    from pointsbank.errors import Conflict
    from pointsbank.extensions import db
    from pointsbank.ledger import service as ledger
    from pointsbank.ledger.models import Hold

    resident = make_user()
    station = ledger_station(resident.community)
    award_points(resident, 50)
    account = ledger.find_resident_account(resident)
    h = run_in_unit(
        lambda: ledger.hold(account, 30, key="race:hold", expires_at=utcnow() + timedelta(hours=1), memo="预约：大米")
    )
    to = run_in_unit(lambda: ledger.station_account(station.id, station.community_id))

    def work(i):
        if i % 2 == 0:
            return run_in_unit(lambda: ledger.post_hold(h, to, key=f"race:post:{i}", actor_id=None)).kind
        return run_in_unit(lambda: ledger.void_hold(h, reason="取消")).status

    results = run_together(app, threads, work)
    ok = [r for r in results if r[0] == "ok"]
    assert len(ok) == 1, results
    assert all(isinstance(r[1], Conflict) and r[1].code == "hold_closed" for r in results if r[0] == "error")
    db.session.rollback()
    status = db.session.scalar(sa.select(Hold.status).where(Hold.id == h.id))
    expected = (20, 0) if status == "posted" else (50, 0)
    assert ledger.balance(account)[:2] == expected
    assert ledger_totals() == (0, {}, [])


LEDGER_CLOCK_MODULES = ("pointsbank.ledger.posting", "pointsbank.ledger.holds", "pointsbank.ledger.adjustments")


def set_ledger_clock(monkeypatch, now) -> None:
    """Make the ledger stamp what it writes next with now() (a callable returning an aware datetime)."""
    for module in LEDGER_CLOCK_MODULES:
        monkeypatch.setattr(f"{module}.utcnow", now)
