"""Ledger read path: the resident's balance page and statement API (requests/s, SQL statements per request,
ratio to the JSON account endpoint), and the cached balance column against SUM(entries).

    python -m bench.bench_ledger [--residents 100] [--entries 1000] [--requests 300]

PB_BENCH_DATABASE_URL chooses the database (default: a SQLite file in a temporary folder). Each request runs in
its own app context and session, as under gunicorn; every URL is warmed up before it is timed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

REFERENCE = "account API /accounts/me"  # the small JSON endpoint the pages are compared with
WARMUP = 20


def make_app(url: str | None):
    """An app on url (or a temporary SQLite file)."""
    from pointsbank import create_app

    folder = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    os.environ.setdefault("PB_INSTANCE_PATH", str(folder / "instance"))
    url = url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
            "PB_UPLOAD_DIR": str(folder / "up"),
        }
    )
    return app, folder


class Counter:
    """Counts SQL statements sent to the database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *_args) -> None:
        self.count += 1


def measure(clients: dict, picks: list[int], url_of, counter: Counter) -> tuple[float, float, float]:
    """(requests/s, SQL statements per request, this process's CPU ms per request): each pick GETs its url once."""
    for uid in picks[:WARMUP]:
        response = clients[uid].get(url_of(uid))
        assert response.status_code == 200, (url_of(uid), response.status_code)
    before = counter.count
    started, cpu = time.perf_counter(), time.process_time()
    for uid in picks:
        response = clients[uid].get(url_of(uid))
        assert response.status_code == 200, (url_of(uid), response.status_code)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(picks) / elapsed, (counter.count - before) / len(picks), cpu * 1000 / len(picks)


def compare_balance_reads(account_ids: list[int], rounds: int) -> tuple[float, float]:
    """Seconds per read: the cached balance column, and SUM over the account's entries."""
    from pointsbank.extensions import db
    from pointsbank.ledger.models import Account, Entry

    with db.engine.connect() as conn:
        started = time.perf_counter()
        for i in range(rounds):
            conn.execute(sa.select(Account.balance).where(Account.id == account_ids[i % len(account_ids)])).scalar()
        cached = (time.perf_counter() - started) / rounds
        started = time.perf_counter()
        for i in range(rounds):
            account_id = account_ids[i % len(account_ids)]
            conn.execute(sa.select(sa.func.sum(Entry.amount)).where(Entry.account_id == account_id)).scalar()
        summed = (time.perf_counter() - started) / rounds
    return cached, summed


def main() -> None:
    parser = argparse.ArgumentParser(description="Ledger read-path benchmark.")
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    from bench.small_dataset import build
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.ledger import service as ledger
    from pointsbank.people import sessions

    app, _folder = make_app(os.environ.get("PB_BENCH_DATABASE_URL"))
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        user_ids = build(args.residents, args.entries)
        backend = db.engine.dialect.name
        print(
            f"dataset: {args.residents} residents x {args.entries} entries on {backend} "
            f"({time.perf_counter() - started:.1f} s to build)"
        )
        accounts = {uid: ledger.find_resident_account(type("U", (), {"id": uid})()).id for uid in user_ids}
        cached, summed = compare_balance_reads(list(accounts.values()), 500)
        db.session.remove()
        engine = db.engine
    counter = Counter(engine)
    clients = {}
    for uid in user_ids:
        client = app.test_client()
        with app.app_context():
            secret = run_in_unit(lambda uid=uid: sessions.start(type("U", (), {"id": uid})()))
        with client.session_transaction() as session:
            session["_user_id"] = str(uid)
            session["_fresh"] = True
            session[sessions.SESSION_KEY] = secret
        clients[uid] = client
    picks = [user_ids[i % len(user_ids)] for i in range(args.requests)]
    figures = {
        label: measure(clients, picks, url_of, counter)
        for label, url_of in (
            ("balance page /ledger/", lambda uid: "/ledger/"),
            ("balance page, page 10", lambda uid: "/ledger/?page=10"),
            ("balance page, English", lambda uid: "/ledger/?lang=en"),
            ("statement API", lambda uid: f"/api/v1/accounts/{accounts[uid]}/entries?per_page=20"),
            (REFERENCE, lambda uid: "/api/v1/accounts/me"),
        )
    }
    engine.dispose()
    reference = figures[REFERENCE][0]
    print(
        f"{'request (' + backend + ')':<28} {'requests/s':>11} {'ms/request':>11} {'CPU ms/req':>11} "
        f"{'SQL/request':>12} {'vs JSON':>8}"
    )
    for label, (rate, per, cpu) in figures.items():
        print(f"{label:<28} {rate:11.1f} {1000 / rate:11.2f} {cpu:11.2f} {per:12.1f} {rate / reference:7.2f}x")
    print(
        f"('vs JSON': requests/s relative to the {REFERENCE} endpoint; CPU ms: this process, so the figure "
        "holds on a busy machine)"
    )
    print(
        f"balance read: cached column {cached * 1e6:8.1f} us, SUM(entries) {summed * 1e6:8.1f} us "
        f"over {args.entries} entries; ratio SUM/cached {summed / cached:.1f}x"
    )
    first, deep = figures["balance page /ledger/"], figures["balance page, page 10"]
    print(f"ratio balance page first/page-10 requests/s: {first[0] / deep[0]:.2f}")


if __name__ == "__main__":
    main()
