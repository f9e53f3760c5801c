"""Duplicate suggestions at scale: statements and time per suggestion query, and the plan PostgreSQL picks.

    python -m bench.bench_duplicates [--reports 100000] [--communities 4] [--probes 200] [--keep]

A fresh PostgreSQL database with the project's migrations; `--reports` reports written by PostgreSQL itself
(`INSERT ... SELECT` over `generate_series`, seeded by the row number), spread over a year, four categories per
community, half with coordinates around one neighbourhood and half with a grid and place text. Then
`reports.similar.suggestions()` for `--probes` reports of community 1, counting statements, against a
primary-key read of one report in the same run as the reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import pg

CATEGORIES = 4


def _fill(conninfo: str, reports: int, communities: int) -> None:
    import psycopg

    residents = communities * 50
    located = f"(i / {communities} / {CATEGORIES}) % 2 = 0"
    statements = [
        "SET session_replication_role = replica",
        "INSERT INTO district (id, name) VALUES (1, '沙坪坝区')",
        "INSERT INTO street (id, district_id, name) VALUES (1, 1, '覃家岗街道')",
        f"""INSERT INTO community (id, street_id, name, expiry_policy, adjustment_threshold)
            SELECT k, 1, '社区' || k, 'none', 200 FROM generate_series(1, {communities}) k""",
        f"INSERT INTO grid (id, community_id, name) SELECT k, k, '第一网格' FROM generate_series(1, {communities}) k",
        f"""INSERT INTO user_account (id, phone, name, password_hash, active, community_id, grid_id, elder_mode,
                created_at)
            SELECT i, (16600000000 + i)::text, '居民' || i, 'x', true, (i - 1) % {communities} + 1,
                (i - 1) % {communities} + 1, false, now() - interval '400 days'
            FROM generate_series(1, {residents}) i""",
        f"""INSERT INTO report_category (id, community_id, name, time_limit_hours, active, position)
            SELECT (k - 1) * {CATEGORIES} + c, k, '类别' || c, 72, true, c
            FROM generate_series(1, {communities}) k, generate_series(1, {CATEGORIES}) c""",
        # Report i: community (i % n) + 1; filed over the past 365 days; half carry coordinates within about
        # 2 km of one point, the other half a building and place out of 40 x 20.
        f"""INSERT INTO report (id, community_id, reporter_id, category_id, description, grid_id, building, place,
                lat, lon, status, status_note, department, award_note, created_at, updated_at)
            SELECT i, i % {communities} + 1, (i % {residents}) + 1,
                (i % {communities}) * {CATEGORIES} + (i / {communities}) % {CATEGORIES} + 1,
                '楼道堆放杂物', i % {communities} + 1,
                CASE WHEN NOT {located} THEN (i * 7919 % 40) || '栋' ELSE '' END,
                CASE WHEN NOT {located} THEN (i * 104729 % 20) || '单元门口' ELSE '' END,
                CASE WHEN {located} THEN 29.56 + (i * 2654435761 % 36000) / 1000000.0 END,
                CASE WHEN {located} THEN 106.45 + (i * 40503 % 42000) / 1000000.0 END,
                CASE WHEN i % 10 = 0 THEN 'rejected' WHEN i % 3 = 0 THEN 'closed' ELSE 'submitted' END,
                '', '', '', now() - (i * 31536000.0 / {reports}) * interval '1 second',
                now() - (i * 31536000.0 / {reports}) * interval '1 second'
            FROM generate_series(1::bigint, {reports}) i""",
        "SELECT setval(pg_get_serial_sequence('report', 'id'), (SELECT max(id) FROM report))",
    ]
    with psycopg.connect(conninfo) as conn:
        for statement in statements:
            conn.execute(statement)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _timed(fn, rounds: list[int]) -> list[float]:
    spent = []
    for report_id in rounds:
        started = time.perf_counter()
        fn(report_id)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description="Duplicate suggestion benchmark.")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=4)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    from pointsbank import create_app
    from pointsbank.extensions import db
    from pointsbank.reports import similar
    from pointsbank.reports.models import Report

    folder = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    name = pg.new_database()
    try:
        pg.migrate(name, folder / "instance")
        started = time.perf_counter()
        _fill(pg.libpq_url(name), args.reports, args.communities)
        print(
            f"dataset: {args.reports:,} reports in {args.communities} communities",
            f"({time.perf_counter() - started:.1f} s)",
        )
        os.environ.setdefault("PB_INSTANCE_PATH", str(folder / "instance"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": pg.url_of(name), "TESTING": True, "SERVER_NAME": "localhost"})
        with app.app_context():
            statements = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *_a: statements.append(1))
            step = max(1, args.reports // args.communities // args.probes)
            probes = [i for i in range(args.communities, args.reports, args.communities * step)][: args.probes]

            def suggest(report_id: int) -> int:
                report = db.session.get(Report, report_id)
                before = len(statements)
                found = similar.suggestions(report)
                per_call.append(len(statements) - before)
                db.session.expunge_all()
                return len(found)

            def plain(report_id: int) -> None:
                db.session.get(Report, report_id)
                db.session.expunge_all()

            per_call: list[int] = []
            _timed(suggest, probes[:20])  # warm-up
            per_call.clear()
            suggest_ms = _timed(suggest, probes)
            plain_ms = _timed(plain, probes)
            hits = sum(suggest(p) > 0 for p in probes)
            report = db.session.get(Report, probes[len(probes) // 2])
            metres, days = similar.settings()
            query = sa.select(Report).where(similar._condition(report, metres, days), Report.status != "rejected")
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = [row[0] for row in db.session.execute(sa.text(f"EXPLAIN {compiled}"))]
            db.session.remove()
        index_used = any("ix_report_duplicate_probe" in line for line in plan)
        median, p95 = statistics.median(suggest_ms), sorted(suggest_ms)[int(len(suggest_ms) * 0.95) - 1]
        reference = statistics.median(plain_ms)
        print()
        print("| what | figure |")
        print("|---|---|")
        print(f"| reports | {args.reports:,} |")
        print(f"| probes with a suggestion | {hits} of {len(probes)} |")
        verdict = "met" if max(per_call) <= 3 else "SHORT"
        print(f"| statements per suggestion query | {max(per_call)} (target ≤ 3: {verdict}) |")
        print(f"| suggestion query, median / p95 | {median:.2f} / {p95:.2f} ms |")
        print(f"| reference: one report by primary key | {reference:.2f} ms (ratio {median / reference:.1f}×) |")
        print(f"| plan uses ix_report_duplicate_probe | {'yes' if index_used else 'NO'} |")
        print()
        print("\n".join(plan))
    finally:
        if args.keep:
            print(f"database kept: {name}")
        else:
            pg.drop_database(name)


if __name__ == "__main__":
    main()
