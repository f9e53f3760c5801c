"""Per-resident limits and keyed retries under real threads (SQLite here; the PostgreSQL suite runs the same checks)."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, Redemption, Reservation, Station
from tests.factories.races import race


def limited_setup(counter_setup, make_item):
    s = counter_setup(points=10_000, stock=50)
    s.soap = make_item(s.station, "肥皂", 10, stock=50, limit_qty=1, limit_period="day")
    return s


def scanned_codes(s, n: int) -> list[str]:
    """n live pay codes of one resident, each scanned at the station (a scanned code survives the next refresh)."""
    payloads = []
    for _ in range(n):
        payload = svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(s.resident)))
        run_in_unit(lambda p=payload: svc.look_up(s.clerk, s.station, p))
        payloads.append(payload)
    return payloads


def check_limit_holds_for_concurrent_redemptions(app, counter_setup, make_item):
    s = limited_setup(counter_setup, make_item)

    def job(payload: str, i: int):
        def run():
            clerk, station = db.session.get(User, s.clerk.id), db.session.get(Station, s.station.id)
            return svc.redeem(clerk, station, payload, [(s.soap.id, 1)], key=f"limit:{i}")

        return run

    outcomes, _ = race(app, [job(p, i) for i, p in enumerate(scanned_codes(s, 20))])
    assert outcomes == Counter({"ok": 1, "over_limit": 19}), outcomes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.soap.id)) == 49


def check_limit_holds_for_concurrent_reservations(app, counter_setup, make_item):
    s = limited_setup(counter_setup, make_item)

    def job(i: int):
        def run():
            resident, station = db.session.get(User, s.resident.id), db.session.get(Station, s.station.id)
            return svc.reserve(resident, station, [(s.soap.id, 1)], key=f"limit-res:{i}")

        return run

    outcomes, _ = race(app, [job(i) for i in range(20)])
    assert outcomes == Counter({"ok": 1, "over_limit": 19}), outcomes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 1


def check_identical_reservation_retries_get_the_first_answer(app, counter_setup):
    s = counter_setup(points=10_000, stock=50)

    def job(lines):
        def run():
            resident, station = db.session.get(User, s.resident.id), db.session.get(Station, s.station.id)
            return svc.reserve(resident, station, lines, key="same-reservation")

        return run

    outcomes, ids = race(app, [job([(s.rice.id, 1)]) for _ in range(30)] + [job([(s.oil.id, 1)])])
    # Whichever body commits first is the answer: the 30 identical requests all get it, or (when the odd one
    # wins the race) all 30 are told the key was used for a different request.
    assert outcomes in (Counter({"ok": 30, "idempotency_conflict": 1}), Counter({"ok": 1, "idempotency_conflict": 30}))
    assert len(set(ids)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 1


def check_identical_pickup_retries_get_the_first_answer(app, counter_setup):
    s = counter_setup(points=10_000, stock=50)
    first = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.rice.id, 1)], key="r1"))
    second = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.oil.id, 1)], key="r2"))

    def job(reservation):
        payload = svc.pickup_payload(reservation)

        def run():
            clerk, station = db.session.get(User, s.clerk.id), db.session.get(Station, s.station.id)
            return svc.hand_over(clerk, station, payload, key="same-pickup")

        return run

    outcomes, ids = race(app, [job(first) for _ in range(30)])
    assert outcomes == Counter({"ok": 30}), outcomes
    assert len(set(ids)) == 1
    outcomes, _ = race(app, [job(second) for _ in range(5)])  # the same key with another pickup code
    assert outcomes == Counter({"idempotency_conflict": 5}), outcomes
    db.session.expire_all()
    assert db.session.get(Reservation, second.id).status == "pending"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1


def check_identical_redemption_retries_get_the_first_answer(app, counter_setup):
    s = counter_setup(points=10_000, stock=50)
    (payload,) = scanned_codes(s, 1)

    def job():
        def run():
            clerk, station = db.session.get(User, s.clerk.id), db.session.get(Station, s.station.id)
            return svc.redeem(clerk, station, payload, [(s.rice.id, 1)], key="same-redemption")

        return run

    outcomes, ids = race(app, [job() for _ in range(20)])
    assert outcomes == Counter({"ok": 20}), outcomes
    assert len(set(ids)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == 49


def test_limit_holds_for_concurrent_redemptions(app, counter_setup, make_item):
    check_limit_holds_for_concurrent_redemptions(app, counter_setup, make_item)


def test_limit_holds_for_concurrent_reservations(app, counter_setup, make_item):
    check_limit_holds_for_concurrent_reservations(app, counter_setup, make_item)


def test_identical_reservation_retries_get_the_first_answer(app, counter_setup):
    check_identical_reservation_retries_get_the_first_answer(app, counter_setup)


def test_identical_pickup_retries_get_the_first_answer(app, counter_setup):
    check_identical_pickup_retries_get_the_first_answer(app, counter_setup)


def test_identical_redemption_retries_get_the_first_answer(app, counter_setup):
    check_identical_redemption_retries_get_the_first_answer(app, counter_setup)
