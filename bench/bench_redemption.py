"""Redemption hot path: SQL statements per redemption and redemptions/s on SQLite and PostgreSQL.

    python -m bench.bench_redemption [--n 300] [--lines 3]

Each redemption confirms a fresh pay code with several items in one unit of work (code used, stock drops,
ledger spend, redemption recorded). Only the confirm is counted and timed; issuing the codes is not.
PostgreSQL runs on a throw-away database when PB_TEST_POSTGRES_URL (default: the local server) is reachable.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

PG_URL = os.environ.get("PB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _app(url: str, folder: Path):
    from pointsbank import create_app

    os.environ.setdefault("PB_INSTANCE_PATH", str(folder / "instance"))
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                       "PB_PASSWORD_HASH": "pbkdf2:sha256:1000", "PB_UPLOAD_DIR": str(folder / "uploads")})


def run(url: str, folder: Path, n: int, lines: int) -> tuple[float, float]:
    """Return (statements per redemption, redemptions per second)."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.ledger import service as ledger
    from pointsbank.people.service import (
        create_user,
        get_or_create_community,
        grant_role,
    )
    from pointsbank.stations import service as svc
    from pointsbank.stations.models import Item, Station

    app = _app(url, folder)
    with app.app_context():
        db.create_all()

        def setup():
            community = get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", ["第一网格"])
            station = Station(community_id=community.id, name="梨园社区幸福银行")
            db.session.add(station)
            db.session.flush()
            clerk = create_user("13800000003", "刘小琴", "bench-pass-1", check_password=False)
            grant_role(clerk, "clerk", station_id=station.id)
            resident = create_user("13900000001", "王秀英", "bench-pass-1", community=community, check_password=False)
            ledger.award(resident, 10 * n * lines + 1000, key="bench:award", actor_id=None, memo="基准测试")
            items = []
            for i in range(lines):
                item = Item(station_id=station.id, name=f"物品{i}", points=10, kind="goods", stock=0)
                db.session.add(item)
                db.session.flush()
                svc.move_stock(item, n + 10, "intake", actor_id=clerk.id)
                items.append(item.id)
            return station, clerk, resident, items

        station, clerk, resident, item_ids = run_in_unit(setup)
        basket = [(item_id, 1) for item_id in item_ids]
        statements = 0
        counting = False

        def count(*_args):
            nonlocal statements
            if counting:
                statements += 1

        sa.event.listen(db.engine, "before_cursor_execute", count)
        elapsed = 0.0
        for i in range(n):
            # Each refresh revokes the previous code, so issue one just before its redemption (not counted).
            payload = svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(resident)))
            db.session.remove()
            counting = True
            started = time.perf_counter()
            run_in_unit(lambda p=payload, i=i: svc.redeem(clerk, station, p, basket, key=f"bench:{i}"))
            db.session.remove()
            elapsed += time.perf_counter() - started
            counting = False
        sa.event.remove(db.engine, "before_cursor_execute", count)
        assert svc.stock_mismatches() == []
        db.session.remove()
        db.engine.dispose()
    return statements / n, n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--lines", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results["sqlite"] = run(f"sqlite:///{folder / 'bench.db'}", folder, args.n, args.lines)
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"pb_bench_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # noqa: BLE001  (no server: SQLite only)
            print(f"PostgreSQL not reachable ({type(exc).__name__}); SQLite only")
        else:
            try:
                url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
                results["postgresql"] = run(url, folder, args.n, args.lines)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    print(f"redemption of {args.lines} items, {args.n} redemptions per backend (one thread)")
    for backend, (per, rate) in results.items():
        print(f"  {backend:<11} {per:5.1f} SQL statements per redemption   {rate:7.1f} redemptions/s")
    if len(results) == 2:
        print(f"  ratio postgresql/sqlite redemptions/s: {results['postgresql'][1] / results['sqlite'][1]:.2f}")


if __name__ == "__main__":
    main()
