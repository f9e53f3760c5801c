"""A counter redemption on PostgreSQL: the code query, then every write in one statement (SQLite: counter.redeem).

`code_query` finds the pay code with everything the redemption needs (its resident, a replayed key, both
accounts and the new redemption's id); then one call of `station_redeem` writes it all.

`station_redeem` claims the pay code, takes the stock of tracked items in ascending item id order, posts the spend
through the ledger's `ledger_spend`, and inserts the redemption, its lines and the stock movements: the same rows
counter.redeem writes through the ORM, in one round trip. Checks that need the loaded rows (code state, items,
limits) have run in Python before; the guards here hold under concurrency. A refusal after the claim raises, so
the caller's unit of work rolls everything back.
"""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from pointsbank.db import prepared
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Account
from pointsbank.ledger.pg_spend import INSUFFICIENT
from pointsbank.people.models import User
from pointsbank.stations import codes
from pointsbank.stations.models import PayCode, Redemption, RedemptionLine, Station, StockMovement
from pointsbank.stations.paycodes import SCAN_GRACE, pay_code_query
from pointsbank.stations.pricing import PricedLine
from pointsbank.stations.stock import out_of_stock

OUT_OF_STOCK = "pb:out_of_stock"

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

DROP_STATION_REDEEM_SQL = "DROP FUNCTION IF EXISTS station_redeem"

_ARGUMENTS = (
    ("p_redemption_id", "integer"), ("p_code_id", "integer"), ("p_station_id", "integer"),
    ("p_resident_id", "integer"), ("p_clerk_id", "integer"), ("p_proxy_id", "integer"), ("p_now", "timestamptz"),
    ("p_grace", "interval"), ("p_idempotency_key", "text"), ("p_redemption_hash", "text"),
    ("p_item_ids", "integer[]"), ("p_names", "text[]"), ("p_qtys", "integer[]"), ("p_unit_points", "integer[]"),
    ("p_tracked", "integer[]"), ("p_total", "integer"), ("p_key", "text"), ("p_request_hash", "text"),
    ("p_memo", "text"), ("p_from", "integer"), ("p_to", "integer"),
)  # fmt: skip
_CALL = prepared(sa.text(f"SELECT * FROM station_redeem({', '.join(f'CAST(:{n} AS {t})' for n, t in _ARGUMENTS)})"))


def next_redemption_id() -> sa.ColumnElement:
    """The new redemption's id, drawn in the query that finds the code (the transfer's key and hash name it)."""
    return sa.func.nextval(sa.literal("redemption_id_seq", sa.Text))


def one_statement() -> bool:
    """Whether a redemption's writes go in one statement (PostgreSQL); SQLite takes the ORM path below."""
    return db.session.get_bind().dialect.name == "postgresql"


@functools.cache
def code_query(by_secret: bool, with_key: bool, one_statement: bool) -> sa.Select:
    """The pay code with its resident, built once per shape; values are bound (secret or digits, key, station).

    The idempotency look-up rides along (one statement instead of two), so do the resident's and the station's
    accounts the ledger will move (None where not opened yet) and, on PostgreSQL, the new redemption's id: its
    writes then go in one statement (pg_counter).
    """
    code = sa.bindparam("secret") if by_secret else sa.bindparam("digits")
    replayed = (
        sa.select(Redemption.id).where(Redemption.idempotency_key == sa.bindparam("key")).scalar_subquery()
        if with_key
        else sa.null()
    )
    mine, theirs = sa.orm.aliased(Account), sa.orm.aliased(Account)
    parsed = codes.ParsedCode(codes.PAY, code, None) if by_secret else codes.ParsedCode(codes.PAY, None, code)
    return prepared(
        pay_code_query(parsed)
        .add_columns(replayed, next_redemption_id() if one_statement else sa.null(), mine, theirs)
        .outerjoin(mine, sa.and_(mine.owner_user_id == PayCode.resident_id, mine.kind == "resident"))
        .outerjoin(theirs, theirs.owner_key == sa.bindparam("station_key"))
    )


def redeem_in_one_statement(
    *,
    redemption_id: int,
    code: PayCode,
    station: Station,
    resident: User,
    clerk: User,
    priced: list[PricedLine],
    now: datetime,
    key: str | None,
    wanted: str,
    memo: str,
    account: Account,
    station_account: Account,
) -> Redemption | None:
    """Write the redemption in one statement; None when the code was claimed meanwhile (nothing written)."""
    total = sum(p.points for p in priced)
    posting = ledger.spend_params(
        account.id,
        station_account.id,
        total,
        key=f"stations:redemption:{redemption_id}",
        actor_id=clerk.id,
        memo=memo,
        subject=("redemption", redemption_id),
    )
    params = {
        **posting,
        "p_redemption_id": redemption_id,
        "p_code_id": code.id,
        "p_station_id": station.id,
        "p_resident_id": resident.id,
        "p_clerk_id": clerk.id,
        "p_proxy_id": code.proxy_id,
        "p_now": now,
        "p_grace": SCAN_GRACE,
        "p_idempotency_key": key,
        "p_redemption_hash": wanted,
        "p_item_ids": [p.item.id for p in priced],
        "p_names": [p.item.name for p in priced],
        "p_qtys": [p.qty for p in priced],
        "p_unit_points": [p.item.points for p in priced],
        "p_tracked": [p.item.id for p in priced if p.item.tracks_stock],
        "p_total": total,
    }
    try:
        row = db.session.execute(_CALL, params).one()
    except sa.exc.DBAPIError as exc:
        raise _refusal(exc, priced) from None
    if row.o_status != "done":
        return None
    return _loaded(row, params, code, station, resident, priced, account, station_account)


def _refusal(exc: sa.exc.DBAPIError, priced: list[PricedLine]) -> Exception:
    diag = getattr(exc.orig, "diag", None)
    message = getattr(diag, "message_primary", None) or ""
    if message == OUT_OF_STOCK:
        item_id = int(diag.message_detail)
        return out_of_stock(next(p.item.name for p in priced if p.item.id == item_id))
    if message == INSUFFICIENT:
        return ledger.insufficient(int(diag.message_detail))
    return exc


def _loaded(row, params: dict, code, station, resident, priced, account, station_account) -> Redemption:
    """The rows just written, as session objects (no reload; what was written is known)."""
    now = params["p_now"]
    set_committed_value(code, "used_at", now)
    set_committed_value(account, "balance", row.o_balance)
    set_committed_value(account, "held", row.o_held)
    set_committed_value(station_account, "balance", row.o_to_balance)
    for p in priced:
        if p.item.tracks_stock:
            set_committed_value(p.item, "stock", p.item.stock - p.qty)
    redemption = Redemption(
        id=params["p_redemption_id"],
        station_id=station.id,
        resident_id=resident.id,
        clerk_id=params["p_clerk_id"],
        proxy_id=code.proxy_id,
        pay_code_id=code.id,
        reservation_id=None,
        total=params["p_total"],
        status="done",
        transfer_id=row.o_transfer_id,
        reversal_transfer_id=None,
        balance_after=row.o_balance - row.o_held,
        idempotency_key=params["p_idempotency_key"],
        request_hash=params["p_redemption_hash"],
        ended_at=None,
        ended_by_id=None,
        end_reason="",
        created_at=now,
    )
    make_transient_to_detached(redemption)
    db.session.add(redemption)
    set_committed_value(redemption, "station", station)
    set_committed_value(redemption, "resident", resident)
    set_committed_value(redemption, "proxy", code.proxy if code.proxy_id else None)
    # The lines as written (their ids are not needed by anything shown; they stay out of the session).
    lines = [
        RedemptionLine(
            redemption_id=redemption.id, item_id=p.item.id, item_name=p.item.name, qty=p.qty, unit_points=p.item.points
        )
        for p in priced
    ]
    set_committed_value(redemption, "lines", lines)
    return redemption


@sa.event.listens_for(StockMovement.__table__, "after_create")
def _install(target: sa.Table, connection: sa.Connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(STATION_REDEEM_SQL)
