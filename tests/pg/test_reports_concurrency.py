"""Reports on PostgreSQL: racing triage actions move a report once and pay the reporter once."""

from __future__ import annotations

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
            report = service.visible_report(actor, second.id, for_update=True)
            if i % 2:
                return service.mark_duplicate(report, actor, first.id).status
            return service.accept(report, actor).status

        return run_in_unit(act)

    results = run_together(pg_app, 6, work)
    assert sum(1 for kind, _ in results if kind == "ok") == 1
    final = db.session.get(Report, second.id)
    db.session.refresh(final)
    paid = run_in_unit(lambda: ledger.balance(ledger.resident_account(bob)).balance)
    assert (final.status, paid) in {("accepted", 5), ("duplicate", 0)}
