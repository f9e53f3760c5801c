"""Adversarial checks on the ledger API: a coordinator who is also a resident cannot pay themselves."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Adjustment, Transfer
from pointsbank.people.service import grant_role


def transfers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))


@pytest.fixture
def insider(app, login, make_community, make_user, fund_resident):
    """A grid worker who lives in the community they coordinate (a resident with points), and a colleague."""
    community = make_community()
    worker = make_user("resident", community=community, name="张网格")
    run_in_unit(lambda: grant_role(db.session.merge(worker), "coordinator", community=community))
    colleague = make_user("coordinator", community=community, name="李书记")
    fund_resident(worker, 100)
    account_id = ledger.find_resident_account(worker).id
    # Something in the fund, so a fund award is not refused for lack of points.
    donor = make_user("resident", community=community, name="王秀英")
    fund_resident(donor, 100)
    run_in_unit(lambda: ledger.donate(db.session.merge(donor), 50, key="qa:donate"))
    return {
        "worker": login(worker, app.test_client()),
        "colleague": login(colleague, app.test_client()),
        "account_id": account_id,
        "worker_user": worker,
    }


def balance(user) -> int:
    db.session.expire_all()
    return ledger.balance(ledger.find_resident_account(user)).balance


def test_coordinator_cannot_adjust_their_own_account(insider):
    before = transfers()
    response = insider["worker"].post(
        "/api/v1/adjustments", json={"account_id": insider["account_id"], "amount": 5, "reason": "补录"}
    )
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "own_account"
    assert transfers() == before and balance(insider["worker_user"]) == 100
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Adjustment)) == 0


def test_coordinator_cannot_approve_an_adjustment_to_themselves(insider):
    asked = insider["colleague"].post(
        "/api/v1/adjustments", json={"account_id": insider["account_id"], "amount": 5000, "reason": "大额补录"}
    )
    assert asked.status_code == 201 and asked.get_json()["status"] == "pending"
    before = transfers()
    response = insider["worker"].post(f"/api/v1/adjustments/{asked.get_json()['id']}/approve")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "own_account"
    assert transfers() == before and balance(insider["worker_user"]) == 100
    assert db.session.get(Adjustment, asked.get_json()["id"]).status == "pending"


def test_coordinator_cannot_award_themselves_from_the_fund(insider):
    before = transfers()
    response = insider["worker"].post(
        "/api/v1/fund-awards", json={"account_id": insider["account_id"], "points": 20, "memo": "辛苦了"}
    )
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "own_account"
    assert transfers() == before and balance(insider["worker_user"]) == 100


def test_a_colleague_still_can(insider):
    response = insider["colleague"].post(
        "/api/v1/fund-awards", json={"account_id": insider["account_id"], "points": 20, "memo": "辛苦了"}
    )
    assert response.status_code == 201, response.get_json()
    assert balance(insider["worker_user"]) == 120


def test_coordinator_cannot_reverse_a_deduction_from_their_own_account(insider):
    cut = insider["colleague"].post(
        "/api/v1/adjustments", json={"account_id": insider["account_id"], "amount": -30, "reason": "重复发放"}
    )
    assert cut.status_code == 201 and cut.get_json()["status"] == "posted"
    assert balance(insider["worker_user"]) == 70
    before = transfers()
    response = insider["worker"].post(
        f"/api/v1/transfers/{cut.get_json()['transfer_id']}/reversal", json={"reason": "扣错了"}
    )
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "own_account"
    assert transfers() == before and balance(insider["worker_user"]) == 70


def test_reversing_an_award_already_spent_is_refused_and_balance_never_goes_negative(
    app, login, counter_setup, make_user, make_rule
):
    s = counter_setup(points=0)
    coordinator = make_user("coordinator", community=s.community, name="网格员")
    co, rc, cc = (login(u, app.test_client()) for u in (coordinator, s.resident, s.clerk))
    rule = make_rule(s.community, coordinator, points=200, unit="occurrence")
    award = co.post(f"/api/v1/rules/{rule.id}/awards", json={"resident_id": s.resident.id})
    assert award.status_code == 201 and award.get_json()["awarded"] == 200
    code = rc.post("/api/v1/pay-codes", json={}).get_json()
    lines = [{"item_id": s.rice.id, "qty": 1}]
    assert (
        cc.post(
            f"/api/v1/stations/{s.station.id}/redemptions", json={"code": code["payload"], "lines": lines}
        ).status_code
        == 201
    )
    before = transfers()
    response = co.post(f"/api/v1/transfers/{award.get_json()['transfer_id']}/reversal", json={"reason": "发错了"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "insufficient_points"
    assert transfers() == before and balance(s.resident) == 0
