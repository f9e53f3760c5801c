"""Four-eyes under real concurrency on PostgreSQL: parallel adjustments cannot split around the threshold."""

from __future__ import annotations

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Adjustment
from tests.factories.ledger import ledger_totals, run_together


def test_five_concurrent_adjustments_of_200_post_at_most_200_unapproved(pg_app, make_user):
    resident = make_user()
    coordinator = make_user("coordinator", community=resident.community)
    account = run_in_unit(lambda: ledger.resident_account(resident))

    def work(i):
        def unit():
            acc = db.session.get(type(account), account.id)
            return ledger.request_adjustment(acc, 200, reason="补录", requested_by=coordinator, key=f"race{i}").status

        return run_in_unit(unit)

    for round_ in range(3):
        results = run_together(pg_app, 5, lambda i, r=round_: work(r * 5 + i))
        assert all(kind == "ok" for kind, _ in results), results
        statuses = sorted(value for _, value in results)
        expected_posted = 1 if round_ == 0 else 0
        assert statuses.count("posted") == expected_posted, statuses
    db.session.rollback()
    assert ledger.balance(account).balance == 200
    assert db.session.query(Adjustment).filter_by(status="pending").count() == 14
    assert ledger_totals() == (0, {}, [])
