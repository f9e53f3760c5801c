"""Adversarial input on every surface: NUL characters (PostgreSQL cannot store them) get a clean 400."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger.models import Transfer
from pointsbank.stations.models import Item


def nul_requests(s):
    """(method, path, kwargs) that each carry a NUL somewhere a careless client could put one."""
    return [
        ("post", f"/api/v1/stations/{s.station.id}/items", {"json": {"name": "大\x00米", "points": 5}}),
        ("patch", f"/api/v1/stations/{s.station.id}", {"json": {"address": "南门\x00"}}),
        ("post", "/api/v1/donations", {"json": {"points": 5}, "headers": {"Idempotency-Key": "k\x00"}}),
        ("post", "/api/v1/adjustments", {"json": {"account_id": 1, "amount": 5, "reason": "补录\x00"}}),
        ("get", "/api/v1/stations", {"query_string": {"page": "1", "x": "\x00"}}),
        ("post", f"/stations/items/{s.rice.id}/edit", {"data": {"name": "油\x00", "points": "5", "kind": "goods"}}),
    ]


@pytest.fixture
def nul_setup(app, login, counter_setup, make_user):
    s = counter_setup(points=500)
    s.coordinator = make_user("coordinator", community=s.community)
    s.co = login(s.coordinator, app.test_client())
    return s


@pytest.mark.parametrize("index", range(6))
def test_nul_characters_are_refused_with_a_stable_code(nul_setup, index):
    s = nul_setup
    method, path, kwargs = nul_requests(s)[index]
    before = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Item)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)),
    )
    response = getattr(s.co, method)(path, **kwargs)
    if path.startswith("/api/"):
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_characters"
    else:  # a page answers with a message, not a server error
        assert response.status_code in (302, 400)
    db.session.expire_all()
    after = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Item)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)),
    )
    assert after == before and db.session.get(Item, s.rice.id).name == "大米 5kg"


def test_text_without_nul_still_passes(nul_setup):
    s = nul_setup
    response = s.co.post(f"/api/v1/stations/{s.station.id}/items", json={"name": "大米🍚\t五公斤", "points": 5})
    assert response.status_code == 201, response.get_json()
