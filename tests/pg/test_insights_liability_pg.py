"""The liability view on PostgreSQL: the same grouped queries (bigint casts, CASE sums, nested GROUP BY) agree
with the ledger there too."""

from __future__ import annotations

import pytest

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.insights import liability
from pointsbank.people.models import Community
from tests.unit.test_insights_liability import assert_matches_ledger, generated_dataset


@pytest.fixture(autouse=True)
def _pg(pg_app):
    return pg_app


def test_generated_dataset_matches_the_ledger_on_postgres(monkeypatch, make_community, make_user, ledger_station):
    a, b = generated_dataset(monkeypatch, make_community, make_user, ledger_station, seed=2026)
    now = utcnow()
    data = liability.liability([db.session.get(Community, a.id), db.session.get(Community, b.id)], now)
    assert_matches_ledger(data, now)
    assert data["total"]["outstanding"] > 0


def test_stock_value_on_postgres(make_community, make_station, make_item):
    community = make_community()
    station = make_station(community)
    make_item(station, "大米 10kg", 400, stock=3, reference_value_fen=5000)
    make_item(station, "爱心书包", 60, stock=4)
    row = liability.stock_by_community([community.id])[community.id]
    assert row == {"stock_points": 1440, "stock_value_fen": 15000, "items_in_stock": 2, "items_without_value": 1}
