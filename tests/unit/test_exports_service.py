"""Exports: scope, streamed CSV with BOM, XLSX rows, and outstanding points (insights.liability) against the ledger."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

import pytest

from pointsbank.db import run_in_unit
from pointsbank.errors import NotFound
from pointsbank.exports import scope, service
from pointsbank.extensions import db
from pointsbank.insights import liability
from pointsbank.ledger import service as ledger

START, END = datetime(2000, 1, 1), datetime.now() + timedelta(days=1)


def test_scope_admin_all_coordinator_own_and_404_elsewhere(app, make_user, make_community):
    other = make_community()
    admin = make_user("admin")
    coordinator = make_user("coordinator")
    assert scope.visible_communities(admin) is None
    own = coordinator.grants[0].community_id
    assert scope.visible_communities(coordinator) == {own}
    assert scope.community_ids(coordinator, community_id=own) == [own]
    with pytest.raises(NotFound):
        scope.community_ids(coordinator, community_id=other.id)
    street_ids = scope.community_ids(admin, street_id=other.street_id)
    assert other.id in street_ids and own in street_ids
    assert scope.community_ids(coordinator, street_id=other.street_id) == [own]


def test_csv_has_bom_and_streams_before_all_rows_are_read(app, make_user, award_points, monkeypatch):
    resident = make_user()
    for _ in range(7):
        award_points(resident, 5)
    monkeypatch.setattr(service, "BATCH", 2)
    reads = []
    real = service.rows

    def counting(*a):
        for row in real(*a):
            reads.append(row)
            yield row

    monkeypatch.setattr(service, "rows", counting)
    chunks = service.csv_chunks("awards", [resident.community_id], START, END)
    assert next(chunks) == "\ufeff".encode()
    assert reads == []
    text = b"".join(chunks).decode("utf-8")
    assert len(text.strip().splitlines()) == 8 and len(reads) == 7


def test_xlsx_opens_and_has_the_rows(app, make_user, award_points):
    from openpyxl import load_workbook

    resident = make_user()
    award_points(resident, 3)
    award_points(resident, 4)
    book = load_workbook(io.BytesIO(service.xlsx_bytes("awards", [resident.community_id], START, END)))
    values = list(book.active.iter_rows(values_only=True))
    assert len(values) == 3 and sorted(r[3] for r in values[1:]) == [3, 4]


def test_xlsx_is_streamed_in_chunks_from_a_file(app, make_user, award_points):
    from openpyxl import load_workbook

    resident = make_user()
    for n in range(1, 40):
        award_points(resident, n)
    chunks = list(service.xlsx_chunks("awards", [resident.community_id], START, END, chunk=1024))
    assert len(chunks) > 2 and all(len(c) == 1024 for c in chunks[:-1])
    values = list(load_workbook(io.BytesIO(b"".join(chunks))).active.iter_rows(values_only=True))
    assert sorted(r[3] for r in values[1:]) == list(range(1, 40))


def test_outstanding_matches_ledger_balances_on_random_data(app, make_user, award_points, ledger_station):
    rnd = random.Random(12)
    community_id = None
    residents = []
    first = make_user()
    community_id = first.community_id
    residents.append(first)
    residents += [make_user(community=first.community) for _ in range(4)]
    station = ledger_station(first.community)
    for i in range(30):
        r = rnd.choice(residents)
        award_points(r, rnd.randint(1, 50))
        if rnd.random() < 0.3:
            bal = ledger.balance(ledger.find_resident_account(r)).available
            if bal > 1:
                run_in_unit(
                    lambda r=r, b=bal: ledger.spend(r, station.id, b // 2, key=f"x{i}", actor_id=None, memo="m")
                )
    db.session.rollback()
    expected = [ledger.balance(ledger.find_resident_account(r)) for r in residents]
    got = liability.outstanding([community_id])
    assert got["balance"] == sum(b.balance for b in expected)
    assert got["held"] == sum(b.on_hold for b in expected)


def test_api_export_is_audited_once_and_404_outside_scope(app, make_user, make_community, award_points, login):
    import sqlalchemy as sa

    from pointsbank.audit.models import AuditEntry

    coordinator = make_user("coordinator")
    own = coordinator.grants[0].community_id
    resident = make_user(community=db.session.get(type(make_community()), own))
    award_points(resident, 9)
    other = make_community()
    client = app.test_client()
    login(coordinator, client)
    r = client.get(f"/api/v1/communities/{own}/exports/awards.csv?from=2000-01-01&to=2100-01-01")
    assert r.status_code == 200 and r.data.startswith("\ufeff".encode()) and r.headers["X-Row-Count"] == "1"
    entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export.created")))
    assert len(entries) == 1 and entries[0].details["rows"] == 1
    r = client.get(f"/api/v1/communities/{other.id}/exports/awards.csv?from=2000-01-01&to=2100-01-01")
    assert r.status_code == 404
