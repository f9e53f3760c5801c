"""`flask stations expire-reservations` and `flask stations check-stock`."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, Reservation
from tests.factories.stations import freeze_station_clock


def test_expire_reservations_command_releases_points_and_stock(app, counter_setup, monkeypatch):
    s = counter_setup(points=500)
    res = run_in_unit(lambda: svc.reserve(s.resident, s.station, [(s.rice.id, 2)]))
    runner = app.test_cli_runner()
    assert "expired 0" in runner.invoke(args=["stations", "expire-reservations"]).output
    later = utcnow() + timedelta(hours=svc.reservation_hours() + 1)
    freeze_station_clock(monkeypatch, later)
    assert "expired 1" in runner.invoke(args=["stations", "expire-reservations"]).output
    db.session.expire_all()
    assert db.session.get(Reservation, res.id).status == "expired"
    assert db.session.scalar(sa.select(Item.stock).where(Item.id == s.rice.id)) == 10
    result = runner.invoke(args=["stations", "check-stock"])
    assert result.exit_code == 0 and "add up" in result.output


def test_check_stock_reports_a_drifted_item(app, counter_setup):
    s = counter_setup()
    with db.engine.begin() as conn:  # simulate drift behind the service's back
        conn.execute(sa.text("UPDATE item SET stock = stock + 1 WHERE id = :id"), {"id": s.rice.id})
    result = app.test_cli_runner().invoke(args=["stations", "check-stock"])
    assert result.exit_code == 1 and f"item {s.rice.id}: stock 11 but movements add up to 10" in result.output


def test_home_tiles_per_role(app, counter_setup, make_user):
    from flask import url_for

    from pointsbank.web.pages.stations import home_links

    s = counter_setup()
    with app.test_request_context():
        resident_urls = [link.url for link in home_links(s.resident)]
        clerk_urls = [link.url for link in home_links(s.clerk)]
        assert url_for("stations.pay") in resident_urls
        assert url_for("stations.scan", station_id=s.station.id) in clerk_urls
