"""Promise 9: `flask ledger seal` / `flask ledger verify` find each kind of tampering and name it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger


@pytest.fixture
def booked(app, make_user, award_points, ledger_station):
    """A small ledger: two residents, awards, a spend; sealed."""
    resident = make_user()
    other = make_user(community=resident.community)
    station = ledger_station(resident.community)
    award_points(resident, 100)
    award_points(other, 40)
    spend = run_in_unit(
        lambda: ledger.spend(resident, station.id, 30, key="s1", actor_id=None, memo="兑换：大米 5kg ×1")
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "seal"])
    assert result.exit_code == 0, result.output
    return runner, resident, spend


def raw(sql: str, **params) -> None:
    db.session.rollback()  # end the test's read snapshot so the command sees the tampering
    with db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def verify(runner):
    return runner.invoke(args=["ledger", "verify"])


def test_clean_ledger_verifies(booked):
    runner, _resident, _spend = booked
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "ledger OK: checked 3 transfers" in result.output


def test_tampered_amount_names_transfer_and_account(booked):
    runner, _resident, spend = booked
    entry_id, account_id = next((e.id, e.account_id) for e in spend.entries if e.amount < 0)
    raw("UPDATE entry SET amount = -20 WHERE id = :id", id=entry_id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"transfer {spend.id}: entries sum to 10" in result.output
    assert f"account {account_id}: cached balance 70 but its entries sum to 80" in result.output
    assert "seal 1: transfers 1..3 changed since sealed" in result.output


def test_deleted_entry_names_transfer(booked):
    runner, _resident, spend = booked
    entry = next(e for e in spend.entries if e.amount > 0)
    raw("DELETE FROM entry WHERE id = :id", id=entry.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"transfer {spend.id}: entries sum to -30 over 1 entries" in result.output
    assert f"account {entry.account_id}: cached balance 30 but its entries sum to 0" in result.output


def test_changed_cached_balance_names_account(booked):
    runner, resident, _spend = booked
    account = ledger.find_resident_account(resident)
    raw("UPDATE account SET balance = balance + 500 WHERE id = :id", id=account.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"account {account.id}: cached balance 570 but its entries sum to 70" in result.output
    assert "transfer" not in result.output.split("FAILED")[0].replace("transfers", "")


def test_sum_preserving_change_is_caught_by_the_seal(booked):
    runner, _resident, spend = booked
    raw("UPDATE transfer SET memo = '兑换：金条 1kg' WHERE id = :id", id=spend.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert "seal 1: transfers 1..3 changed since sealed" in result.output


def test_broken_seal_chain_is_named(booked, award_points):
    runner, resident, _spend = booked
    award_points(resident, 5)
    assert runner.invoke(args=["ledger", "seal"]).exit_code == 0
    assert "nothing new to seal" in runner.invoke(args=["ledger", "seal"]).output
    raw("UPDATE ledger_seal SET prev_hash = :h WHERE id = 2", h="f" * 64)
    result = verify(runner)
    assert result.exit_code == 1
    assert "seal 2: chain broken" in result.output


def test_moved_balance_after_is_named(booked):
    runner, resident, _spend = booked
    account = ledger.find_resident_account(resident)
    raw("UPDATE entry SET balance_after = 999 WHERE account_id = :a", a=account.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"account {account.id}: entry" in result.output


def test_changed_cached_hold_is_named(booked):
    from datetime import timedelta

    from pointsbank.db import utcnow

    runner, resident, _spend = booked
    account = ledger.find_resident_account(resident)
    run_in_unit(lambda: ledger.hold(account, 20, key="h", expires_at=utcnow() + timedelta(hours=1), memo="预约"))
    assert verify(runner).exit_code == 0
    raw("UPDATE account SET held = 0 WHERE id = :id", id=account.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"account {account.id}: cached on-hold 0, pending holds sum to 20" in result.output


def test_entry_copies_of_community_and_time_are_checked(booked, make_community):
    runner, _resident, spend = booked
    entry = next(e for e in spend.entries if e.amount < 0)
    assert entry.community_id == spend.entries[1].community_id and entry.created_at == spend.created_at
    elsewhere = make_community()
    raw("UPDATE entry SET community_id = :c WHERE id = :id", c=elsewhere.id, id=entry.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {entry.id}: its copy of the community differs from its account and transfer" in result.output
    raw("UPDATE entry SET community_id = NULL, created_at = NULL WHERE id = :id", id=entry.id)
    assert f"entry {entry.id}: its copy of the community and time differs" in verify(runner).output
