"""Undo minutes, reservation hours and the low-stock default come from the community's settings."""

from __future__ import annotations

from datetime import timedelta

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.people.models import Community
from pointsbank.stations import service as svc
from pointsbank.stations.models import Redemption
from tests.factories.stations import freeze_station_clock
from tests.unit.test_stations_service import refusal


def set_community(community, **fields) -> None:
    def work():
        row = db.session.get(Community, community.id)
        for name, value in fields.items():
            setattr(row, name, value)

    run_in_unit(work)


def test_undo_minutes_come_from_the_community(app, counter_setup, monkeypatch):
    s = counter_setup(points=1000)
    set_community(s.community, undo_minutes=2)
    payload = svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(s.resident)))
    r = run_in_unit(lambda: svc.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)]))
    assert svc.undo_deadline(db.session.get(Redemption, r.id)) - r.created_at == timedelta(minutes=2)
    freeze_station_clock(monkeypatch, utcnow() + timedelta(minutes=3))
    err = refusal(lambda: svc.undo(s.clerk, db.session.get(Redemption, r.id)))
    assert err.code == "undo_window_passed" and "2" in str(err.message)


def test_reservation_hours_come_from_the_community(app, counter_setup):
    s = counter_setup(points=1000)
    set_community(s.community, reservation_hours=3)
    res = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.rice.id, 1)]))
    assert timedelta(hours=3) - timedelta(minutes=1) < res.expires_at - res.created_at <= timedelta(hours=3)
    assert run_in_unit(lambda: svc.expire_reservations(utcnow() + timedelta(hours=3, minutes=1))) == 1


def test_new_stations_take_the_low_stock_default(app, make_community, make_user):
    community = make_community()
    set_community(community, low_stock_default=8)
    coordinator = make_user("coordinator", community=community)
    station = run_in_unit(lambda: svc.create_station(coordinator, db.session.get(Community, community.id), "爱心超市"))
    assert station.low_stock_threshold == 8
