"""Reports on PostgreSQL: racing triage actions move a report once and pay the reporter once."""

from __future__ import annotations

import pytest

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.errors import Conflict
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.models import User
from pointsbank.reports import service
from pointsbank.reports.models import Report, ReportEvent
from tests.factories.ledger import run_together


def _world(make_community, make_user, make_report_rule, make_category):
    community = make_community()
    coordinators = [make_user("coordinator", community=community) for _ in range(2)]
    rule = make_report_rule(coordinators[0], community, points=5)
    category = make_category(community, rule=rule)
    return community, coordinators, category, make_user("resident", community=community)


def test_ten_racing_accepts_pay_once(pg_app, make_community, make_user, make_report_rule, make_category, make_report):
    _, coordinators, category, alice = _world(make_community, make_user, make_report_rule, make_category)
    report = make_report(alice, category)

    def work(i):
        def accept():
            actor = db.session.get(User, coordinators[i % 2].id)
            return service.accept(service.visible_report(actor, report.id, for_update=True), actor).status

        return run_in_unit(accept)

    results = run_together(pg_app, 10, work)
    assert sum(1 for kind, _ in results if kind == "ok") == 1
    assert all(
        isinstance(value, Conflict) and value.code == "illegal_transition" for kind, value in results if kind == "error"
    )
    assert run_in_unit(lambda: ledger.balance(ledger.resident_account(alice)).balance) == 5
    events = db.session.query(ReportEvent).filter_by(report_id=report.id, action="accept").count()
    assert events == 1


def test_racing_duplicate_and_accept_end_in_one_state(
    pg_app, make_community, make_user, make_report_rule, make_category, make_report
):
    _, coordinators, category, alice = _world(make_community, make_user, make_report_rule, make_category)
    bob = make_user("resident", community=alice.community)
    first = make_report(alice, category)
    second = make_report(bob, category)

    def work(i):
        def act():
            actor = db.session.get(User, coordinators[i % 2].id)
            if i % 2:
                return service.mark_duplicate(service.visible_report(actor, second.id), actor, first.id).status
            return service.accept(service.visible_report(actor, second.id, for_update=True), actor).status

        return run_in_unit(act)

    results = run_together(pg_app, 6, work)
    final = db.session.get(Report, second.id)
    db.session.refresh(final)
    assert sum(1 for kind, value in results if kind == "ok" and value == "accepted") <= 1
    paid = run_in_unit(lambda: ledger.balance(ledger.resident_account(bob)).balance)
    assert (final.status, final.duplicate_of_id, paid) == ("duplicate", first.id, 0)
    # an accept that won the race made the first report accepted and paid; else nobody was paid yet
    first_paid = run_in_unit(lambda: ledger.balance(ledger.resident_account(alice)).balance)
    assert first_paid in (0, 5)


@pytest.mark.parametrize("orders", ["both", "same"])
def test_concurrent_marks_pay_exactly_the_first_reporter_once(
    pg_app, make_community, make_user, make_report_rule, make_category, make_report, orders
):
    from pointsbank.ledger.verify import verify

    _, coordinators, category, alice = _world(make_community, make_user, make_report_rule, make_category)
    bob = make_user("resident", community=alice.community)
    first = make_report(alice, category)
    second = make_report(bob, category)
    run_in_unit(lambda: service.accept(db.session.get(Report, second.id), db.session.get(User, coordinators[0].id)))
    assert run_in_unit(lambda: ledger.balance(ledger.resident_account(bob)).balance) == 5

    def work(i):
        def act():
            actor = db.session.get(User, coordinators[i % 2].id)
            target, other = (second, first) if orders == "same" or i % 2 == 0 else (first, second)
            return service.mark_duplicate(service.visible_report(actor, target.id), actor, other.id).id

        return run_in_unit(act)

    results = run_together(pg_app, 6, work)
    assert all(kind == "ok" for kind, _ in results), results
    balances = run_in_unit(
        lambda: (
            ledger.balance(ledger.resident_account(alice)).balance,
            ledger.balance(ledger.resident_account(bob)).balance,
        )
    )
    assert balances == (5, 0)
    later = db.session.get(Report, second.id)
    db.session.refresh(later)
    assert (later.status, later.duplicate_of_id) == ("duplicate", first.id)
    marks = db.session.query(AuditEntry).filter_by(action="report.duplicate_marked").count()
    assert marks == 1
    assert run_in_unit(verify).ok
