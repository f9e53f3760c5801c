"""A redemption stays within a fixed number of SQL statements (counts, never time)."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.stations import service as svc
from tests.factories.stations import new_key

# Per backend: SQLite adds BEGIN IMMEDIATE and inserts rows one by one where it must return their ids.
# The pay code query also brings the replayed key, both accounts and (PostgreSQL) the new redemption id; on
# PostgreSQL every write is one call of station_redeem (stations/pg_counter.py).
REDEMPTION_BUDGET = {"sqlite": 16, "postgresql": 3}


def statements_of(fn) -> list[str]:
    """The SQL statements fn sends inside one unit of work."""
    seen: list[str] = []

    def hit(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", hit)
    try:
        run_in_unit(fn)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hit)
    return seen


def test_redemption_of_three_items_stays_within_budget(app, counter_setup):
    check_redemption_budget(counter_setup)


def check_redemption_budget(counter_setup) -> None:
    """Redeem three items (goods and a service) twice; count the second, then a replay of it."""
    s = counter_setup(points=5000)
    basket = [(s.rice.id, 1), (s.oil.id, 2), (s.haircut.id, 1)]
    first = svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(s.resident)))
    run_in_unit(lambda: svc.redeem(s.clerk, s.station, first, basket, key=new_key()))  # opens the station's account
    payload = svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(s.resident)))
    db.session.expunge_all()  # nothing cached from setting up
    key = new_key()
    seen = statements_of(lambda: svc.redeem(s.clerk, s.station, payload, basket, key=key))
    assert len(seen) <= REDEMPTION_BUDGET[db.engine.dialect.name], "\n".join(s[:90] for s in seen)
    assert not any(s.upper().startswith(("SAVEPOINT", "RELEASE")) for s in seen)
    replay = statements_of(lambda: svc.redeem(s.clerk, s.station, payload, basket, key=key))
    assert len(replay) <= 4, replay  # the same key again: the code's query finds the first redemption
