"""A district for the benchmark, written in bulk by PostgreSQL itself on the schema the migrations make.

    python -m bench.dataset --scale 100000 [--seed 1] [--database NAME]

`--scale` residents in communities of 25,000 (community 1 is the one the benchmark measures), one station with
a few items per community, and TRANSFERS transfers per resident (two entries each): awards from the community's
issuance account spread over the past ten weeks, one spend at the station. In the current week the measured
community has exactly MEASURED_WEEKLY residents with an award, whatever the scale, so its champions, board and
export have the same size at every scale while the district around it grows. Amounts come from the seed; the
balances, `balance_after` and sequences are exact, so `flask ledger verify` passes. Times are relative to now.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa

COMMUNITY_SIZE = 25_000
TRANSFERS = 10  # per resident: 20 entries per resident, 10M entries at 500,000 residents
MEASURED_WEEKLY = 5_000
BUSY = 5_000  # extra entries of resident 1
ITEMS = 4
PHONE_BASE = 16600000000


@dataclass(frozen=True)
class District:
    """What build() made: ids the benchmark needs."""

    residents: int
    communities: int
    transfers: int
    entries: int

    def community_of(self, resident: int) -> int:
        return (resident - 1) // COMMUNITY_SIZE + 1

    def measured_residents(self) -> int:
        return min(self.residents, COMMUNITY_SIZE)


def _sql(residents: int, communities: int, seed: int, password_hash: str) -> list[str]:
    n, c = residents, communities
    issuance, station = n, n + c  # account id of community k's issuance account: n + k; station: n + c + k
    spend_slot = 4
    return [
        "SET session_replication_role = replica",  # no FK triggers while loading rows that are consistent
        "SET work_mem = '256MB'",
        "SET maintenance_work_mem = '256MB'",
        "SET synchronous_commit = off",
        "INSERT INTO district (id, name) VALUES (1, '沙坪坝区')",
        f"""INSERT INTO street (id, district_id, name)
            SELECT s, 1, '街道' || s FROM generate_series(1, {(c + 9) // 10}) s""",
        f"""INSERT INTO community (id, street_id, name, expiry_policy, adjustment_threshold)
            SELECT k, (k - 1) / 10 + 1, CASE WHEN k = 1 THEN '梨园社区' ELSE '社区' || k END, 'none', 200
            FROM generate_series(1, {c}) k""",
        f"""INSERT INTO grid (id, community_id, name) SELECT k, k, '第一网格' FROM generate_series(1, {c}) k""",
        f"""INSERT INTO user_account (id, phone, name, password_hash, active, community_id, grid_id, elder_mode,
                created_at)
            SELECT i, ({PHONE_BASE} + i)::text, '居民' || i, '{password_hash}', true, (i - 1) / {COMMUNITY_SIZE} + 1,
                (i - 1) / {COMMUNITY_SIZE} + 1, false, now() - interval '80 days'
            FROM generate_series(1, {n}) i""",
        f"""INSERT INTO station (id, community_id, name, address, opening_hours, active, created_at)
            SELECT k, k, '幸福银行' || k, '', '', true, now() - interval '80 days' FROM generate_series(1, {c}) k""",
        f"""INSERT INTO item (id, station_id, name, kind, points, stock, active, created_at)
            SELECT (k - 1) * {ITEMS} + j, k, '物品' || j, 'goods', 1 + j, 1000000000, true, now() - interval '80 days'
            FROM generate_series(1, {c}) k, generate_series(1, {ITEMS}) j""",
        # t: one row per transfer; resident i's slot s gets id s * n + i, so ids follow time.
        f"""CREATE TEMP TABLE t AS
            SELECT id, i, k, s, kind, at,
                CASE WHEN kind = 'spend' THEN 3 ELSE 5 + abs(hashint4(i * 31 + s + {seed} * 7919)) % 20 END AS amount
            FROM (SELECT s * {n} + i AS id, i, (i - 1) / {COMMUNITY_SIZE} + 1 AS k, s,
                CASE WHEN s = {spend_slot} OR (s = {TRANSFERS - 1} AND i > {MEASURED_WEEKLY} AND i <= {COMMUNITY_SIZE})
                     THEN 'spend' ELSE 'award' END AS kind,
                now() - ({TRANSFERS - 1} - s) * interval '7 days' - ({n} - i) * interval '50 microseconds' AS at
                FROM generate_series(0, {TRANSFERS - 1}) s, generate_series(1, {n}) i
                UNION ALL  -- resident 1 is busy: BUSY more awards, ten weeks back (a long statement)
                SELECT {TRANSFERS * n} + s, 1, 1, {TRANSFERS} + s, 'award',
                    now() - interval '70 days' + s * interval '1 second'
                FROM generate_series(1, {BUSY}) s) g""",
        # other: the non-resident side (issuance pays awards, the station receives spends).
        f"""CREATE TEMP TABLE tx AS
            SELECT id, i, k, kind, at, amount,
                sum(CASE WHEN kind = 'award' THEN amount ELSE -amount END) OVER (PARTITION BY i ORDER BY id) AS r_after,
                CASE WHEN kind = 'award' THEN {issuance} + k ELSE {station} + k END AS other,
                sum(CASE WHEN kind = 'award' THEN -amount ELSE amount END)
                    OVER (PARTITION BY kind, k ORDER BY id) AS o_after
            FROM t""",
        f"""INSERT INTO account (id, kind, owner_key, owner_user_id, community_id, station_id, balance, held,
                created_at)
            SELECT i, 'resident', 'resident:' || i, i, (i - 1) / {COMMUNITY_SIZE} + 1, NULL::int,
                sum(CASE WHEN kind = 'award' THEN amount ELSE -amount END), 0, now() - interval '80 days'
                FROM t GROUP BY i
            UNION ALL SELECT {issuance} + k, 'issuance', 'issuance:' || k, NULL::int, k, NULL::int,
                -sum(amount) FILTER (WHERE kind = 'award'), 0, now() - interval '80 days' FROM t GROUP BY k
            UNION ALL SELECT {station} + k, 'station', 'station:' || k, NULL::int, k, k,
                sum(amount) FILTER (WHERE kind = 'spend'), 0, now() - interval '80 days' FROM t GROUP BY k
            ORDER BY 1""",
        """INSERT INTO transfer (id, kind, idempotency_key, request_hash, actor_id, memo, created_at)
            SELECT id, kind, 'bench:' || id, 'bench', NULL,
                CASE WHEN kind = 'spend' THEN '兑换：大米 5kg ×1' ELSE '志愿活动：楼道清扫 2 小时' END, at
            FROM tx ORDER BY id""",
        """INSERT INTO entry (id, transfer_id, account_id, amount, balance_after)
            SELECT 2 * id - 1, id, CASE WHEN kind = 'award' THEN other ELSE i END, -amount,
                CASE WHEN kind = 'award' THEN o_after ELSE r_after END FROM tx
            UNION ALL
            SELECT 2 * id, id, CASE WHEN kind = 'award' THEN i ELSE other END, amount,
                CASE WHEN kind = 'award' THEN r_after ELSE o_after END FROM tx
            ORDER BY 1""",
        "RESET session_replication_role",
    ]


# Secondary indexes and unique constraints of the bulk tables: dropped while loading, rebuilt after (same DDL).
SAVED_DDL = """
SELECT 'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname) || ' '
       || pg_get_constraintdef(oid), 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname)
  FROM pg_constraint WHERE contype = 'u' AND conrelid::regclass::text IN ('transfer', 'entry')
UNION ALL
SELECT pg_get_indexdef(i.indexrelid), 'DROP INDEX ' || i.indexrelid::regclass
  FROM pg_index i WHERE i.indrelid::regclass::text IN ('transfer', 'entry')
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""

SEQUENCES = ("district", "street", "community", "grid", "user_account", "station", "item", "account", "transfer")
SEQUENCES += ("entry",)


def build(url: str, residents: int, seed: int = 1, verbose: bool = False) -> District:
    """Fill the (migrated, empty) database at url with a district of `residents` residents."""
    from werkzeug.security import generate_password_hash

    from bench.pg import PASSWORD

    communities = (residents + COMMUNITY_SIZE - 1) // COMMUNITY_SIZE
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        saved = conn.execute(SAVED_DDL).fetchall()
        for _create, drop in saved:
            conn.execute(drop)
        statements = _sql(residents, communities, seed, password_hash) + [create for create, _drop in saved]
        for statement in statements:
            started = time.perf_counter()
            conn.execute(statement)
            if verbose:
                print(f"  {time.perf_counter() - started:6.1f} s  {' '.join(statement.split())[:70]}", flush=True)
        for table in SEQUENCES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    transfers = residents * TRANSFERS + BUSY
    return District(residents, communities, transfers, 2 * transfers)


def main() -> None:
    from bench import pg

    parser = argparse.ArgumentParser(description="Build a benchmark district on PostgreSQL.")
    parser.add_argument("--scale", type=int, default=10_000, help="residents (default 10,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="an existing empty database (default: a new one, migrated)")
    args = parser.parse_args()
    name = args.database
    if not name:
        name = pg.new_database()
        pg.migrate(name, Path(pg.ROOT / "instance"))
    started = time.perf_counter()
    district = build(pg.url_of(name), args.scale, args.seed, verbose=True)
    print(
        f"database {name}: {district.residents:,} residents in {district.communities} communities, "
        f"{district.transfers:,} transfers, {district.entries:,} entries in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
