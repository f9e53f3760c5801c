"""`flask ledger verify` in its SQL passes: each finding still names the row, and the progress callback runs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.verify import verify


@pytest.fixture
def booked(app, make_user, award_points, ledger_station):
    resident = make_user()
    award_points(resident, 100)
    station = ledger_station(resident.community)
    spend = run_in_unit(lambda: ledger.spend(resident, station.id, 30, key="s1", actor_id=None, memo="兑换"))
    return resident, spend


def raw(sql: str) -> None:
    """Tamper below the app, foreign keys off (as someone with the database file would)."""
    db.session.rollback()
    conn = db.engine.raw_connection()
    try:
        conn.commit()
        cursor = conn.cursor()
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute(sql)
        conn.commit()
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        conn.close()


def test_clean_ledger_reports_progress(booked):
    seen = []
    report = verify(progress=lambda label, done, total: seen.append((label, done, total)))
    assert report.ok, report.problems
    assert report.transfers == 2
    assert seen[0][0] == "adding up" and seen[-1] == ("done", 1, 1)


def test_entry_without_transfer_is_named(booked):
    raw(
        "INSERT INTO entry (id, transfer_id, account_id, amount, balance_after) "
        "SELECT 9000, 99999, account_id, 5, balance_after + 5 FROM entry ORDER BY id DESC LIMIT 1"
    )
    problems = verify().problems
    assert "entry 9000: its transfer is missing" in problems
    assert "all entries sum to 5 (must be 0)" in problems


def test_transfer_without_entries_is_named(booked):
    raw(
        "INSERT INTO transfer (id, kind, idempotency_key, request_hash, memo, created_at) "
        "VALUES (777, 'award', 'k-777', 'h', '', CURRENT_TIMESTAMP)"
    )
    assert "transfer 777: entries sum to 0 over 0 entries (must be 0 over 2+)" in verify().problems


def test_balance_on_an_account_without_entries_is_named(booked, make_user):
    other = make_user()
    account = run_in_unit(lambda: ledger.resident_account(other))
    raw(f"UPDATE account SET balance = 12 WHERE id = {account.id}")
    assert f"account {account.id}: cached balance 12 but its entries sum to 0" in verify().problems


def test_middle_balance_after_is_named_once_per_account(booked):
    resident, _spend = booked
    account = ledger.find_resident_account(resident)
    first = db.session.scalar(sa.text(f"SELECT min(id) FROM entry WHERE account_id = {account.id}"))
    raw(f"UPDATE entry SET balance_after = balance_after + 1 WHERE id = {first}")
    found = [p for p in verify().problems if p.startswith(f"account {account.id}: entry")]
    assert found == [
        f"account {account.id}: entry {first} (transfer {found[0].split('transfer ')[1].split(')')[0]}) says balance "
        f"after 101, but the entries before it add up to 100"
    ]
