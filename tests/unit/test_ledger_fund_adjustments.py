"""Acceptance 9: donations to the community fund, fund awards, manual adjustments with a second approval."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Adjustment, Transfer
from tests.factories.ledger import ledger_totals


def bal(account) -> int:
    db.session.rollback()
    return ledger.balance(account).balance


def test_donate_and_award_from_fund(app, make_user, award_points):
    resident = make_user()
    other = make_user(community=resident.community)
    coordinator = make_user("coordinator", community=resident.community)
    award_points(resident, 50)
    run_in_unit(lambda: ledger.donate(resident, 20, key="d1"))
    run_in_unit(lambda: ledger.donate(resident, 20, key="d1"))  # replay: once
    fund = run_in_unit(lambda: ledger.community_account(resident.community_id, "fund"))
    assert bal(fund) == 20
    assert bal(ledger.find_resident_account(resident)) == 30
    with pytest.raises(Refused):
        run_in_unit(lambda: ledger.donate(resident, 31, key="d2"))
    run_in_unit(lambda: ledger.fund_award(other, 15, key="f1", actor=coordinator, memo="爱心基金：困难家庭慰问"))
    assert bal(fund) == 5
    with pytest.raises(Refused) as err:  # the fund cannot go below zero
        run_in_unit(lambda: ledger.fund_award(other, 6, key="f2", actor=coordinator, memo="x"))
    assert err.value.code == "insufficient_points"
    with pytest.raises(NotFound):  # a resident is not a coordinator
        run_in_unit(lambda: ledger.fund_award(other, 1, key="f3", actor=resident, memo="x"))
    outsider = make_user("coordinator")
    with pytest.raises(NotFound):  # another community's coordinator
        run_in_unit(lambda: ledger.fund_award(other, 1, key="f4", actor=outsider, memo="x"))
    assert bal(fund) == 5
    assert ledger_totals() == (0, {}, [])


def test_small_adjustment_posts_at_once_and_needs_a_reason(app, make_user):
    resident = make_user()
    coordinator = make_user("coordinator", community=resident.community)
    account = run_in_unit(lambda: ledger.resident_account(resident))
    with pytest.raises(Invalid) as err:
        run_in_unit(lambda: ledger.request_adjustment(account, 10, reason="  ", requested_by=coordinator, key="a0"))
    assert err.value.code == "reason_required"
    adj = run_in_unit(
        lambda: ledger.request_adjustment(
            account, 10, reason="补录：重阳节活动漏记", requested_by=coordinator, key="a1"
        )
    )
    assert adj.status == "posted" and adj.transfer_id
    assert bal(account) == 10
    t = db.session.get(Transfer, adj.transfer_id)
    assert (t.kind, t.subject_type, t.subject_id, t.actor_id) == ("adjustment", "adjustment", adj.id, coordinator.id)


def test_large_adjustment_needs_a_second_coordinator(app, make_user):
    resident = make_user()
    first = make_user("coordinator", community=resident.community)
    second = make_user("coordinator", community=resident.community)
    account = run_in_unit(lambda: ledger.resident_account(resident))
    adj = run_in_unit(
        lambda: ledger.request_adjustment(account, 500, reason="历史积分迁移", requested_by=first, key="big")
    )
    assert adj.status == "pending" and bal(account) == 0
    with pytest.raises(Forbidden) as err:
        run_in_unit(lambda: ledger.approve_adjustment(adj, first))
    assert err.value.code == "second_approver_required"
    assert bal(account) == 0
    run_in_unit(lambda: ledger.approve_adjustment(adj, second))
    assert adj.status == "posted" and bal(account) == 500
    with pytest.raises(Conflict):
        run_in_unit(lambda: ledger.approve_adjustment(adj, second))
    with pytest.raises(Conflict):
        run_in_unit(lambda: ledger.reject_adjustment(adj, second))
    assert bal(account) == 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "adjustment")) == 1


def test_rejected_adjustment_moves_nothing_and_negative_is_guarded(app, make_user, award_points):
    resident = make_user()
    first = make_user("coordinator", community=resident.community)
    second = make_user("coordinator", community=resident.community)
    award_points(resident, 30)
    account = ledger.find_resident_account(resident)
    adj = run_in_unit(lambda: ledger.request_adjustment(account, -300, reason="误发", requested_by=first, key="neg"))
    run_in_unit(lambda: ledger.reject_adjustment(adj, second))
    assert db.session.get(Adjustment, adj.id).status == "rejected" and bal(account) == 30
    with pytest.raises(Refused):
        run_in_unit(lambda: ledger.request_adjustment(account, -31, reason="误发", requested_by=first, key="neg2"))
    db.session.rollback()
    assert db.session.scalar(sa.select(Adjustment).where(Adjustment.idempotency_key == "neg2")) is None
    run_in_unit(lambda: ledger.request_adjustment(account, -30, reason="误发", requested_by=first, key="neg3"))
    assert bal(account) == 0
    assert ledger_totals() == (0, {}, [])
