"""`flask ledger verify` against a plain scan of the entries, on a fresh district.

    python -m bench.bench_verify [--scale 2000000] [--keep]

Builds about --scale entries with bench/dataset.py on a new database migrated by the project's migrations
(unsealed, as the district is made), times verify in-process, then `SELECT count(*), sum(amount)` as reference.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import sqlalchemy as sa

from bench import pg
from bench.dataset import BUSY, TRANSFERS, build

TARGET_SECONDS, TARGET_ENTRIES = 10.0, 10_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description="Time ledger verify against a plain scan.")
    parser.add_argument("--scale", type=int, default=2_000_000, help="entries (default 2,000,000)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    residents = max(1, (args.scale - 2 * BUSY) // (2 * TRANSFERS))
    name = pg.new_database()
    instance = Path(pg.ROOT / "instance")
    try:
        pg.migrate(name, instance)
        district = build(pg.url_of(name), residents)
        from pointsbank import create_app
        from pointsbank.extensions import db
        from pointsbank.ledger.verify import verify

        app = create_app({"SQLALCHEMY_DATABASE_URI": pg.url_of(name), "SECRET_KEY": pg.SECRET})
        with app.app_context():
            started = time.perf_counter()
            report = verify()
            seconds = time.perf_counter() - started
            with db.engine.connect() as conn:
                started = time.perf_counter()
                conn.execute(sa.text("SELECT count(*), sum(amount) FROM entry")).one()
                scan = time.perf_counter() - started
            db.engine.dispose()
    finally:
        if not args.keep:
            pg.drop_database(name)
    projected = seconds * TARGET_ENTRIES / district.entries
    verdict = "met" if projected < TARGET_SECONDS else "short"
    print(
        f"entries {district.entries:,}; verify {seconds:.2f} s ({'OK' if report.ok else 'PROBLEMS'}); "
        f"plain scan {scan:.2f} s; ratio {seconds / scan:.1f}x"
    )
    print(f"target < 10 s at 10M: {verdict} ({projected:.1f} s at 10M, linear from this run)")


if __name__ == "__main__":
    main()
