"""Redemption hot path: SQL statements per redemption and redemptions/s on SQLite and PostgreSQL.

    python -m bench.bench_redemption [--n 300] [--lines 3]

Each redemption confirms a fresh pay code with several items in one unit of work (code used, stock drops,
ledger spend, redemption recorded). Only the confirm is counted and timed; issuing the codes is not. Two ways
in: the service call (svc.redeem in run_in_unit) and the JSON API (POST /api/v1/stations/<id>/redemptions,
a whole request: login, scope check, the unit of work, the response). CPU ms is this process's CPU time, which
holds on a busy machine. PostgreSQL runs on a throw-away database when PB_TEST_POSTGRES_URL (default: the
local server) is reachable.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

PG_URL = os.environ.get("PB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Figures:
    """One way in on one backend: SQL statements and time per redemption."""

    statements: float
    rate: float
    cpu_ms: float
    kinds: Counter


def _app(url: str, folder: Path):
    from pointsbank import create_app

    os.environ.setdefault("PB_INSTANCE_PATH", str(folder / "instance"))
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "PB_PASSWORD_HASH": "pbkdf2:sha256:1000",
            "PB_UPLOAD_DIR": str(folder / "uploads"),
        }
    )


def run(url: str, folder: Path, n: int, lines: int) -> dict[str, Figures]:
    """Figures for the service call and for the API request."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.ledger import service as ledger
    from pointsbank.people import sessions
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
            ledger.award(resident, 2 * 10 * n * lines + 1000, key="bench:award", actor_id=None, memo="基准测试")
            items = []
            for i in range(lines):
                item = Item(station_id=station.id, name=f"物品{i}", points=10, kind="goods", stock=0)
                db.session.add(item)
                db.session.flush()
                svc.move_stock(item, 2 * n + 10, "intake", actor_id=clerk.id)
                items.append(item.id)
            return station, clerk, resident, items

        station, clerk, resident, item_ids = run_in_unit(setup)
        engine = db.engine
    basket = [(item_id, 1) for item_id in item_ids]
    kinds: Counter = Counter()
    counting = False

    def count(_conn, _cursor, statement, *_args):
        if counting:
            kinds[statement.split(None, 1)[0].upper()] += 1

    def new_payload() -> str:
        # Each refresh revokes the previous code, so issue one just before its redemption (not counted).
        with app.app_context():
            payload = svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(resident)))
            db.session.remove()
        return payload

    def service_call(i: int, payload: str) -> None:
        with app.app_context():
            run_in_unit(lambda: svc.redeem(clerk, station, payload, basket, key=f"bench:{i}"))
            db.session.remove()

    client = app.test_client()
    secret = run_in_unit(lambda: sessions.start(clerk))
    with client.session_transaction() as session:
        session["_user_id"] = str(clerk.id)
        session["_fresh"] = True
        session[sessions.SESSION_KEY] = secret
    body_lines = [{"item_id": item_id, "qty": 1} for item_id in item_ids]

    def api_call(i: int, payload: str) -> None:
        response = client.post(
            f"/api/v1/stations/{station.id}/redemptions",
            headers={"Idempotency-Key": f"bench-{i}"},
            json={"code": payload, "lines": body_lines},
        )
        assert response.status_code == 201, response.get_data(as_text=True)

    sa.event.listen(engine, "before_cursor_execute", count)
    results = {}
    for label, call in (("service", service_call), ("API", api_call)):
        call(-1, new_payload())  # warm up
        kinds = Counter()
        elapsed = cpu = 0.0
        for i in range(n):
            payload = new_payload()
            counting = True
            started, cpu_started = time.perf_counter(), time.process_time()
            call(i, payload)
            elapsed += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            counting = False
        results[label] = Figures(sum(kinds.values()) / n, n / elapsed, cpu * 1000 / n, kinds)
    sa.event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        assert svc.stock_mismatches() == []
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--lines", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict[str, Figures]] = {}
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
    print(f"redemption of {args.lines} items, {args.n} redemptions per backend and way in (one thread)")
    print(
        f"  {'backend':<11} {'way in':<8} {'SQL/redemption':>15} {'redemptions/s':>14} {'ms each':>8} "
        f"{'CPU ms':>7}  statements by kind"
    )
    for backend, ways in results.items():
        for way, f in ways.items():
            kinds = " ".join(f"{kind} {count / args.n:g}" for kind, count in sorted(f.kinds.items()))
            print(
                f"  {backend:<11} {way:<8} {f.statements:15.1f} {f.rate:14.1f} {1000 / f.rate:8.2f} "
                f"{f.cpu_ms:7.2f}  {kinds}"
            )
    for backend, ways in results.items():
        print(
            f"  {backend}: the API request costs {ways['API'].cpu_ms / ways['service'].cpu_ms:.2f}x the service "
            f"call's CPU and {ways['API'].statements - ways['service'].statements:+g} statements"
        )
    if len(results) == 2:
        ratio = results["postgresql"]["service"].rate / results["sqlite"]["service"].rate
        print(f"  ratio postgresql/sqlite service redemptions/s: {ratio:.2f}")


if __name__ == "__main__":
    main()
