"""Four-eyes cannot be split around: a coordinator's own adjustments in a rolling day stay within the threshold."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Conflict
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Adjustment, Transfer
from pointsbank.people.models import Community
from tests.factories.ledger import ledger_totals, set_ledger_clock


def bal(account) -> int:
    db.session.rollback()
    return ledger.balance(account).balance


@pytest.fixture
def people(app, make_user):
    resident = make_user()
    other = make_user(community=resident.community)
    first = make_user("coordinator", community=resident.community)
    second = make_user("coordinator", community=resident.community)
    accounts = run_in_unit(lambda: (ledger.resident_account(resident), ledger.resident_account(other)))
    return resident, other, first, second, accounts


def adjust(account, amount, coordinator, key, reason="补录：活动漏记"):
    return run_in_unit(
        lambda: ledger.request_adjustment(account, amount, reason=reason, requested_by=coordinator, key=key)
    )


def test_five_adjustments_of_200_do_not_post_1000_without_a_second_coordinator(people):
    _resident, _other, first, _second, (account, _) = people
    statuses = [adjust(account, 200, first, f"split{i}").status for i in range(5)]
    assert statuses == ["posted", "pending", "pending", "pending", "pending"]
    assert bal(account) == 200


def test_the_allowance_counts_one_resident_and_the_total_and_rolls_after_a_day(people, monkeypatch):
    _resident, _other, first, second, (account, other_account) = people
    assert adjust(account, 150, first, "a").status == "posted"
    assert adjust(account, 60, first, "b").status == "pending"  # 150 + 60 > 200 for this resident
    assert adjust(other_account, 60, first, "c").status == "pending"  # and in total across residents
    assert adjust(account, -50, first, "d").status == "posted"  # taking points away counts too: 200
    assert adjust(other_account, 1, first, "e").status == "pending"
    assert adjust(other_account, 100, second, "f").status == "posted"  # the second coordinator's own allowance
    assert ledger.allowance(first, account) == ledger.Allowance(200, 200, 200, 0)
    assert ledger.allowance(first, other_account) == ledger.Allowance(200, 0, 200, 0)
    later = utcnow() + timedelta(days=1, minutes=1)
    set_ledger_clock(monkeypatch, lambda: later)
    assert ledger.allowance(first, account).remaining == 200
    assert adjust(account, 200, first, "g").status == "posted"


def test_the_threshold_is_the_community_setting(people):
    resident, _other, first, _second, (account, _) = people
    run_in_unit(lambda: setattr(db.session.get(Community, resident.community_id), "adjustment_threshold", 30))
    assert adjust(account, 31, first, "x").status == "pending"
    assert adjust(account, 30, first, "y").status == "posted"
    assert adjust(account, 1, first, "z").status == "pending"


def test_reversing_an_adjustment_beyond_the_allowance_needs_a_second_coordinator(people):
    _resident, _other, first, second, (account, _) = people
    big = adjust(account, 500, first, "big")
    run_in_unit(lambda: ledger.approve_adjustment(db.session.get(Adjustment, big.id), second))
    assert bal(account) == 500
    waiting = run_in_unit(lambda: ledger.coordinator_reverse(first, big.transfer_id, key="rv1", reason="重复录入"))
    assert isinstance(waiting, Adjustment) and waiting.status == "pending" and waiting.amount == -500
    assert waiting.reverses_transfer_id == big.transfer_id and bal(account) == 500
    again = run_in_unit(lambda: ledger.coordinator_reverse(first, big.transfer_id, key="rv1", reason="重复录入"))
    assert again.id == waiting.id  # the same key answers the same request
    with pytest.raises(Conflict) as err:
        run_in_unit(lambda: ledger.coordinator_reverse(second, big.transfer_id, key="rv2", reason="重复录入"))
    assert err.value.code == "reversal_pending"
    run_in_unit(lambda: ledger.approve_adjustment(db.session.get(Adjustment, waiting.id), second))
    assert bal(account) == 0
    reversal = db.session.scalar(sa.select(Transfer).where(Transfer.reverses_id == big.transfer_id))
    assert reversal.kind == "reversal" and reversal.actor_id == second.id
    with pytest.raises(Conflict) as err:
        run_in_unit(lambda: ledger.coordinator_reverse(second, big.transfer_id, key="rv3", reason="再撤一次"))
    assert err.value.code == "already_reversed"
    assert ledger_totals() == (0, {}, [])


def test_a_small_reversal_posts_at_once_and_counts_against_the_allowance(people):
    _resident, _other, first, _second, (account, _) = people
    small = adjust(account, 80, first, "s")
    done = run_in_unit(lambda: ledger.coordinator_reverse(first, small.transfer_id, key="sr", reason="录错了"))
    assert isinstance(done, Transfer) and done.reverses_id == small.transfer_id and bal(account) == 0
    assert ledger.allowance(first, account).in_total == 160
    assert adjust(account, 41, first, "t").status == "pending"


def test_adjustments_and_decisions_are_audited(people):
    _resident, _other, first, second, (account, _) = people
    posted = adjust(account, 10, first, "p")
    waiting = adjust(account, 300, first, "w")
    run_in_unit(lambda: ledger.approve_adjustment(db.session.get(Adjustment, waiting.id), second))
    rejected = adjust(account, 400, first, "r")
    run_in_unit(lambda: ledger.reject_adjustment(db.session.get(Adjustment, rejected.id), second))
    rows = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.subject_id, AuditEntry.details)
        .where(AuditEntry.subject_type == "adjustment")
        .order_by(AuditEntry.id)
    ).all()
    assert [(r.action, r.actor_id, r.subject_id) for r in rows] == [
        ("adjustment.requested", first.id, posted.id),
        ("adjustment.requested", first.id, waiting.id),
        ("adjustment.approved", second.id, waiting.id),
        ("adjustment.requested", first.id, rejected.id),
        ("adjustment.rejected", second.id, rejected.id),
    ]
    assert rows[0].details["status"] == "posted" and rows[1].details["status"] == "pending"
    assert rows[2].details["status"] == {"before": "pending", "after": "posted"}
    assert rows[1].details["threshold"] == 200 and "name" not in str(rows[1].details)
