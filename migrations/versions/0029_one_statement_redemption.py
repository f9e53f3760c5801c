"""PostgreSQL: a counter redemption's writes in one statement (functions ledger_spend and station_redeem)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-09 10:00:00

The function bodies are frozen here as they were at this revision; a later change to them is a new migration
(tests/pg/test_pg_migrations.py checks the migrated definitions equal the ones the models install).
"""
from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

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

STATION_REDEEM_SQL = """
CREATE OR REPLACE FUNCTION station_redeem(
    p_redemption_id integer, p_code_id integer, p_station_id integer, p_resident_id integer, p_clerk_id integer,
    p_proxy_id integer, p_now timestamptz, p_grace interval, p_idempotency_key text, p_redemption_hash text,
    p_item_ids integer[], p_names text[], p_qtys integer[], p_unit_points integer[], p_tracked integer[],
    p_total integer, p_transfer_key text, p_request_hash text, p_memo text, p_from integer, p_to integer,
    OUT o_status text, OUT o_transfer_id integer, OUT o_balance bigint, OUT o_held bigint, OUT o_to_balance bigint
) LANGUAGE plpgsql AS $$
DECLARE
    v_item integer;
    v_qty integer;
BEGIN
    UPDATE pay_code SET used_at = p_now
     WHERE id = p_code_id AND used_at IS NULL AND revoked_at IS NULL
       AND (expires_at > p_now OR (scanned_station_id = p_station_id AND scanned_at > p_now - p_grace));
    IF NOT FOUND THEN
        o_status := 'already_used';
        RETURN;
    END IF;
    FOR v_item, v_qty IN
        SELECT u.item, u.qty FROM unnest(p_item_ids, p_qtys) AS u(item, qty)
         WHERE u.item = ANY (p_tracked) ORDER BY u.item
    LOOP
        UPDATE item SET stock = stock - v_qty WHERE id = v_item AND stock >= v_qty;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'pb:out_of_stock' USING DETAIL = v_item::text;
        END IF;
    END LOOP;
    SELECT s.o_transfer_id, s.o_balance, s.o_held, s.o_to_balance
      INTO o_transfer_id, o_balance, o_held, o_to_balance
      FROM ledger_spend(p_transfer_key, p_request_hash, p_clerk_id, p_memo, 'redemption', p_redemption_id,
                        p_from, p_to, p_total, p_now) AS s;
    INSERT INTO redemption (id, station_id, resident_id, clerk_id, proxy_id, pay_code_id, total, status,
                            transfer_id, balance_after, idempotency_key, request_hash, end_reason, created_at)
    VALUES (p_redemption_id, p_station_id, p_resident_id, p_clerk_id, p_proxy_id, p_code_id, p_total, 'done',
            o_transfer_id, o_balance - o_held, p_idempotency_key, p_redemption_hash, '', p_now);
    INSERT INTO redemption_line (redemption_id, item_id, item_name, qty, unit_points)
    SELECT p_redemption_id, u.item, u.name, u.qty, u.points
      FROM unnest(p_item_ids, p_names, p_qtys, p_unit_points) WITH ORDINALITY AS u(item, name, qty, points, n)
     ORDER BY u.n;
    INSERT INTO stock_movement (item_id, delta, reason, note, actor_id, redemption_id, created_at)
    SELECT u.item, -u.qty, 'redemption', '', p_clerk_id, p_redemption_id, p_now
      FROM unnest(p_item_ids, p_qtys) AS u(item, qty)
     WHERE u.item = ANY (p_tracked) ORDER BY u.item;
    o_status := 'done';
END
$$;
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(LEDGER_SPEND_SQL)
    op.execute(STATION_REDEEM_SQL)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS station_redeem")
    op.execute("DROP FUNCTION IF EXISTS ledger_spend")
