"""Objections on PostgreSQL: racing decisions by several coordinators reverse an award exactly once."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.errors import Conflict
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.ledger.verify import verify
from pointsbank.objections import service as objections
from pointsbank.people.models import Community, User
from pointsbank.rules import service as rules
from tests.factories.ledger import new_key, run_together


def _world(make_community, make_user, make_rule, objectors: int):
    community = make_community()

    def configure():
        db.session.get(Community, community.id).publicity_days = 3

    run_in_unit(configure)
    approver = make_user("coordinator", community=community)
    deciders = [make_user("coordinator", community=community) for _ in range(3)]
    resident = make_user(community=community)
    rule = make_rule(community, approver, title="楼道清扫", points=10)

    def award():
        actor = db.session.get(User, approver.id)
        outcome = rules.award_by_coordinator(actor, rule, resident.id, note="清扫楼道", key=new_key("aw"))
        return outcome.transfer.id

    transfer_id = run_in_unit(award)
    filed = []
    for _ in range(objectors):
        neighbour = make_user(community=community)
        objection = run_in_unit(
            lambda n=neighbour: objections.file_objection(db.session.get(User, n.id), transfer_id, "没有看到他清扫")
        )
        filed.append(objection.id)
    return deciders, resident, transfer_id, filed


def _decide(coordinator_id: int, objection_id: int, outcome: str):
    def work():
        actor = db.session.get(User, coordinator_id)
        decided = objections.decide(objections.objection_to_decide(objection_id, actor), actor, outcome, "核实后决定")
        return decided.status

    return run_in_unit(work)


def _reversals(transfer_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Transfer.id)).where(Transfer.reverses_id == transfer_id))


def test_upholding_many_objections_at_once_reverses_the_award_once(pg_app, make_community, make_user, make_rule):
    deciders, resident, transfer_id, filed = _world(make_community, make_user, make_rule, objectors=6)

    def work(i):
        return _decide(deciders[i % 3].id, filed[i], "upheld" if i % 3 else "dismissed")

    results = run_together(pg_app, 6, work)
    assert all(kind == "ok" for kind, _ in results), results
    assert _reversals(transfer_id) == 1
    assert run_in_unit(lambda: ledger.balance(ledger.resident_account(resident)).balance) == 0
    reversal_ids = {
        o.reversal_id
        for o in db.session.scalars(sa.select(objections.Objection).where(objections.Objection.id.in_(filed)))
    }
    assert len(reversal_ids - {None}) == 1
    assert objections.get_award(transfer_id).state == "reversed"
    assert run_in_unit(verify).ok


def test_one_objection_decided_by_racing_coordinators_is_decided_once(pg_app, make_community, make_user, make_rule):
    deciders, resident, transfer_id, filed = _world(make_community, make_user, make_rule, objectors=1)

    def work(i):
        return _decide(deciders[i % 3].id, filed[0], "upheld" if i % 2 else "dismissed")

    results = run_together(pg_app, 8, work)
    wins = [value for kind, value in results if kind == "ok"]
    assert len(wins) == 1, results
    assert all(isinstance(v, Conflict) and v.code == "already_decided" for kind, v in results if kind == "error")
    decided = db.session.get(objections.Objection, filed[0])
    db.session.refresh(decided)
    assert decided.status == wins[0]
    assert _reversals(transfer_id) == (1 if wins[0] == "upheld" else 0)
    balance = run_in_unit(lambda: ledger.balance(ledger.resident_account(resident)).balance)
    assert balance == (0 if wins[0] == "upheld" else 10)
    audited = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.subject_type == "objection",
            AuditEntry.subject_id == filed[0],
            AuditEntry.action.in_(["objection.upheld", "objection.dismissed"]),
        )
    )
    assert audited == 1
    assert run_in_unit(verify).ok
