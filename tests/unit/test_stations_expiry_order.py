"""Holds and reservations expire in either order: the holds job may end a reservation's hold first."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, Reservation


def test_reservation_expires_after_the_holds_job_ended_its_hold(app, counter_setup):
    s = counter_setup(points=500, stock=5)
    res = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.rice.id, 1)], key="order-1"))
    later = res.expires_at + timedelta(minutes=1)
    assert run_in_unit(lambda: ledger.expire_holds(later)) == 1
    assert run_in_unit(lambda: svc.expire_reservations(later)) == 1
    assert db.session.scalar(sa.select(Reservation.status).where(Reservation.id == res.id)) == "expired"
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == 5
    assert ledger.balance(ledger.find_resident_account(s.resident)).available == 500
