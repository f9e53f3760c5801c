"""`flask ledger verify` on PostgreSQL (grouped passes, streamed seal chain) still names each kind of tampering."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import verify as verify_module
from pointsbank.ledger.seal import seal
from pointsbank.ledger.verify import verify


def tamper(sql: str) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # bypasses the append-only triggers
        conn.execute(sa.text(sql))


def sealed(make_user, award_points):
    resident = make_user()
    transfer = award_points(resident, 10)
    run_in_unit(seal)
    assert verify().ok
    return transfer


def test_tampered_amount_is_named(pg_app, make_user, award_points):
    transfer = sealed(make_user, award_points)
    tamper(f"UPDATE entry SET amount = amount + 1 WHERE transfer_id = {transfer.id} AND amount > 0")
    problems = verify().problems
    assert any(p.startswith(f"transfer {transfer.id}: entries sum to 1") for p in problems)
    assert any("changed since sealed" in p for p in problems)


def test_tampered_hash_is_named(pg_app, make_user, award_points):
    sealed(make_user, award_points)
    tamper("UPDATE ledger_seal SET hash = repeat('a', 64)")
    assert any("changed since sealed" in p for p in verify().problems)


def test_unbalanced_transfer_is_named(pg_app, make_user, award_points):
    transfer = sealed(make_user, award_points)
    tamper(f"DELETE FROM entry WHERE transfer_id = {transfer.id} AND amount < 0")
    assert any(p.startswith(f"transfer {transfer.id}: entries sum to 10 over 1") for p in verify().problems)


def test_wrong_balance_is_named(pg_app, make_user, award_points):
    transfer = sealed(make_user, award_points)
    account_id = db.session.scalar(
        sa.text(f"SELECT account_id FROM entry WHERE transfer_id = {transfer.id} AND amount > 0")
    )
    tamper(f"UPDATE account SET balance = 99 WHERE id = {account_id}")
    assert f"account {account_id}: cached balance 99 but its entries sum to 10" in verify().problems


def test_seal_chain_is_read_as_streams(pg_app, make_user, award_points, monkeypatch):
    sealed(make_user, award_points)
    seen = []
    real = verify_module._stream

    def spy(conn, query):
        result = real(conn, query)
        seen.append((result.context.execution_options.get("yield_per"), type(result.cursor).__name__))
        return result

    monkeypatch.setattr(verify_module, "_stream", spy)
    assert verify().ok
    assert seen and all(size == verify_module.BATCH and "Server" in kind for size, kind in seen)  # a server-side cursor
