"""The spend posting as one PostgreSQL function, for callers that post in a single statement (the counter).

`ledger_spend` does what posting._write does for a spend with a new key: insert the transfer, move both
balances in ascending account id order (the resident's guarded against going below what is held) and insert the
two entries with the balance after, the account's community and the transfer's time. The request hash is made
here in Python exactly as posting._post makes it, so a transfer reads the same whichever path wrote it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pointsbank.ledger.accounts import Subject
from pointsbank.ledger.models import Entry
from pointsbank.ledger.posting import _check_key, _check_points, _request_hash, insufficient

__all__ = ["DROP_LEDGER_SPEND_SQL", "INSUFFICIENT", "LEDGER_SPEND_SQL", "insufficient", "spend_params"]

# The function raises with this message when the resident's available points are too few.
INSUFFICIENT = "pb:insufficient_points"

LEDGER_SPEND_SQL = """
CREATE OR REPLACE FUNCTION ledger_spend(
    p_key text, p_request_hash text, p_actor_id integer, p_memo text, p_subject_type text, p_subject_id integer,
    p_from integer, p_to integer, p_points bigint, p_now timestamptz,
    OUT o_transfer_id integer, OUT o_balance bigint, OUT o_held bigint, OUT o_to_balance bigint
) LANGUAGE plpgsql AS $$
DECLARE
    v_account integer;
    v_balance bigint;
    v_held bigint;
    v_community integer;
BEGIN
    INSERT INTO transfer (kind, idempotency_key, request_hash, actor_id, memo, subject_type, subject_id, created_at)
    VALUES ('spend', p_key, p_request_hash, p_actor_id, p_memo, p_subject_type, p_subject_id, p_now)
    RETURNING id INTO o_transfer_id;
    FOREACH v_account IN ARRAY ARRAY[LEAST(p_from, p_to), GREATEST(p_from, p_to)] LOOP
        IF v_account = p_from THEN
            UPDATE account SET balance = balance - p_points
             WHERE id = v_account AND balance - p_points - held >= 0
            RETURNING balance, held, community_id INTO v_balance, v_held, v_community;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'pb:insufficient_points' USING DETAIL = v_account::text;
            END IF;
            o_balance := v_balance;
            o_held := v_held;
        ELSE
            UPDATE account SET balance = balance + p_points WHERE id = v_account
            RETURNING balance, community_id INTO v_balance, v_community;
            o_to_balance := v_balance;
        END IF;
        INSERT INTO entry (transfer_id, account_id, amount, balance_after, community_id, created_at)
        VALUES (o_transfer_id, v_account, CASE WHEN v_account = p_from THEN -p_points ELSE p_points END,
                v_balance, v_community, p_now);
    END LOOP;
END
$$;
"""

DROP_LEDGER_SPEND_SQL = "DROP FUNCTION IF EXISTS ledger_spend"


def spend_params(
    account_id: int,
    station_account_id: int,
    points: int,
    *,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: Subject,
) -> dict[str, Any]:
    """The checked arguments of ledger_spend (p_* names), with the request hash posting._post would make."""
    _check_key(key)
    _check_points(points)
    memo = (memo or "")[:200]
    subject_type, subject_id = subject or (None, None)
    moves = sorted([(account_id, -points), (station_account_id, points)])
    request_hash = _request_hash("transfer", "spend", moves, subject_type, subject_id, memo, None, None, None)
    return {
        "p_key": key,
        "p_request_hash": request_hash,
        "p_actor_id": actor_id,
        "p_memo": memo,
        "p_subject_type": subject_type,
        "p_subject_id": subject_id,
        "p_from": account_id,
        "p_to": station_account_id,
        "p_points": points,
    }


@sa.event.listens_for(Entry.__table__, "after_create")
def _install(target: sa.Table, connection: sa.Connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(LEDGER_SPEND_SQL)
