"""Ledger API: my account, scope (404 outside), statement, donations, fund awards, adjustments."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer


def count_transfers() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))


def test_me_shows_balance_hold_and_statement(client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 30, memo="志愿活动：楼道清扫 2 小时")
    award_points(resident, 12, memo="随手拍：井盖破损（已受理）")
    login(resident)
    me = client.get("/api/v1/accounts/me").get_json()
    assert (me["balance"], me["on_hold"], me["available"]) == (42, 0, 42)
    assert me["expiring_points"] == 0 and me["expiring_on"] is None
    body = client.get(f"/api/v1/accounts/{me['id']}/entries?per_page=1").get_json()
    assert len(body["items"]) == 1 and body["newer"] is None and body["older"] == body["items"][0]["entry_id"]
    line = body["items"][0]
    assert line["memo"] == "随手拍：井盖破损（已受理）" and line["balance_after"] == 42 and line["amount"] == 12
    assert line["created_at"].endswith("+00:00")
    page2 = client.get(f"/api/v1/accounts/{me['id']}/entries?per_page=1&before={body['older']}").get_json()
    assert page2["items"][0]["memo"] == "志愿活动：楼道清扫 2 小时" and page2["older"] is None
    assert page2["newer"] == page2["items"][0]["entry_id"]
    back = client.get(f"/api/v1/accounts/{me['id']}/entries?per_page=1&after={page2['newer']}").get_json()
    assert back["items"] == body["items"] and back["newer"] is None
    oldest = client.get(f"/api/v1/accounts/{me['id']}/entries?per_page=1&after=0").get_json()
    assert oldest["items"] == page2["items"] and oldest["older"] is None and oldest["newer"] is not None


def test_statement_api_filters_by_flow_and_text(client, login, make_user, award_points, ledger_station):
    resident = make_user()
    station = ledger_station(resident.community)
    award_points(resident, 30, memo="志愿活动：敬老院陪伴")
    run_in_unit(lambda: ledger.spend(resident, station.id, 8, key="sp", actor_id=None, memo="兑换：洗衣液 ×1"))
    login(resident)
    account_id = client.get("/api/v1/accounts/me").get_json()["id"]
    url = f"/api/v1/accounts/{account_id}/entries"
    assert [i["amount"] for i in client.get(url + "?flow=earned").get_json()["items"]] == [30]
    assert [i["amount"] for i in client.get(url + "?flow=spent").get_json()["items"]] == [-8]
    assert [i["memo"] for i in client.get(url + "?q=洗衣").get_json()["items"]] == ["兑换：洗衣液 ×1"]
    assert client.get(url + "?q=_").get_json()["items"] == []
    for bad in ("?flow=all", "?before=0", "?after=-1", "?before=3&after=1", "?q=" + "x" * 41, "?before=9999999999"):
        response = client.get(url + bad)
        assert response.status_code in (400, 422) and "error" in response.get_json(), bad


def test_account_outside_scope_is_404(client, login, make_user, award_points):
    resident = make_user()
    other = make_user()
    award_points(other, 5)
    other_account = ledger.find_resident_account(other)
    login(resident)
    for url in (
        f"/api/v1/accounts/{other_account.id}",
        f"/api/v1/accounts/{other_account.id}/entries",
        "/api/v1/accounts/999999",
    ):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_coordinator_sees_accounts_in_their_community_only(client, login, make_user, award_points):
    resident = make_user()
    outsider = make_user()
    coordinator = make_user("coordinator", community=resident.community)
    award_points(resident, 5)
    award_points(outsider, 5)
    login(coordinator)
    mine = client.get(f"/api/v1/accounts/{ledger.find_resident_account(resident).id}")
    assert mine.status_code == 200 and mine.get_json()["owner_name"] == resident.name
    assert client.get(f"/api/v1/accounts/{ledger.find_resident_account(outsider).id}").status_code == 404
    assert client.get("/api/v1/accounts/me").status_code == 404


def test_donation_with_idempotency_key(client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 20)
    login(resident)
    headers = {"Idempotency-Key": "abc-1"}
    first = client.post("/api/v1/donations", json={"points": 5}, headers=headers)
    again = client.post("/api/v1/donations", json={"points": 5}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    other = client.post("/api/v1/donations", json={"points": 6}, headers=headers)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_conflict"
    too_much = client.post("/api/v1/donations", json={"points": 16})
    assert too_much.status_code == 422 and too_much.get_json()["error"]["code"] == "insufficient_points"
    for bad in ({"points": 0}, {"points": "5"}, {"points": -1}, {}, {"points": 2.5}):
        assert client.post("/api/v1/donations", json=bad).status_code == 400
    assert client.get("/api/v1/accounts/me").get_json()["balance"] == 15
    assert count_transfers() == 2


def test_unauthenticated_is_401(client):
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert client.post("/api/v1/donations", json={"points": 1}).status_code == 401


def test_adjustment_flow_needs_second_coordinator(client, login, make_user, app):
    resident = make_user()
    first = make_user("coordinator", community=resident.community)
    second = make_user("coordinator", community=resident.community)
    account = run_in_unit(lambda: ledger.resident_account(resident))
    login(first)
    no_reason = client.post("/api/v1/adjustments", json={"account_id": account.id, "amount": 5, "reason": " "})
    assert no_reason.status_code == 400 and no_reason.get_json()["error"]["code"] == "reason_required"
    small = client.post("/api/v1/adjustments", json={"account_id": account.id, "amount": 5, "reason": "补录"})
    assert small.status_code == 201 and small.get_json()["status"] == "posted"
    big = client.post("/api/v1/adjustments", json={"account_id": account.id, "amount": 900, "reason": "历史积分迁移"})
    assert big.get_json()["status"] == "pending"
    adj_id = big.get_json()["id"]
    own = client.post(f"/api/v1/adjustments/{adj_id}/approve")
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "second_approver_required"
    listing = client.get("/api/v1/adjustments?status=pending").get_json()
    assert [a["id"] for a in listing["items"]] == [adj_id]
    login(second)
    ok = client.post(f"/api/v1/adjustments/{adj_id}/approve")
    assert ok.status_code == 200 and ok.get_json()["status"] == "posted"
    assert client.post(f"/api/v1/adjustments/{adj_id}/reject").status_code == 409
    assert ledger.balance(account).balance == 905
    login(resident)
    assert client.post(f"/api/v1/adjustments/{adj_id}/approve").status_code == 404
    assert (
        client.post("/api/v1/adjustments", json={"account_id": account.id, "amount": 5, "reason": "x"}).status_code
        == 404
    )


def test_fund_award_by_coordinator(client, login, make_user, award_points):
    resident = make_user()
    donor = make_user(community=resident.community)
    coordinator = make_user("coordinator", community=resident.community)
    award_points(donor, 50)
    run_in_unit(lambda: ledger.donate(donor, 40, key="d"))
    account = run_in_unit(lambda: ledger.resident_account(resident))
    login(coordinator)
    response = client.post(
        "/api/v1/fund-awards",
        json={"account_id": account.id, "points": 25, "memo": "爱心基金：慰问独居老人"},
        headers={"Idempotency-Key": "fa-1"},
    )
    assert response.status_code == 201
    assert (
        client.post(
            "/api/v1/fund-awards",
            json={"account_id": account.id, "points": 25, "memo": "爱心基金：慰问独居老人"},
            headers={"Idempotency-Key": "fa-1"},
        ).get_json()["id"]
        == response.get_json()["id"]
    )
    over = client.post("/api/v1/fund-awards", json={"account_id": account.id, "points": 16, "memo": "x"})
    assert over.status_code == 422
    assert ledger.balance(account).balance == 25
    login(resident)
    assert (
        client.post("/api/v1/fund-awards", json={"account_id": account.id, "points": 1, "memo": "x"}).status_code == 404
    )


def test_coordinator_reverses_a_mistaken_award_once(client, login, make_user, award_points, ledger_station):
    resident = make_user()
    coordinator = make_user("coordinator", community=resident.community)
    outsider = make_user("coordinator")
    award = award_points(resident, 30)
    station = ledger_station(resident.community)
    spend = run_in_unit(lambda: ledger.spend(resident, station.id, 5, key="s", actor_id=None, memo="兑换"))
    login(outsider)
    assert client.post(f"/api/v1/transfers/{award.id}/reversal", json={"reason": "发错了"}).status_code == 404
    login(coordinator)
    assert client.post(f"/api/v1/transfers/{award.id}/reversal", json={"reason": " "}).status_code == 400
    redemption = client.post(f"/api/v1/transfers/{spend.id}/reversal", json={"reason": "x"})
    assert redemption.status_code == 422 and redemption.get_json()["error"]["code"] == "not_reversible_here"
    too_late = client.post(f"/api/v1/transfers/{award.id}/reversal", json={"reason": "发错了"})
    assert too_late.status_code == 422 and too_late.get_json()["error"]["code"] == "insufficient_points"
    small = award_points(resident, 10)
    done = client.post(
        f"/api/v1/transfers/{small.id}/reversal", json={"reason": "重复发放"}, headers={"Idempotency-Key": "r1"}
    )
    assert done.status_code == 201 and done.get_json()["reverses_id"] == small.id
    again = client.post(
        f"/api/v1/transfers/{small.id}/reversal", json={"reason": "重复发放"}, headers={"Idempotency-Key": "r1"}
    )
    assert again.get_json()["id"] == done.get_json()["id"]
    second = client.post(f"/api/v1/transfers/{small.id}/reversal", json={"reason": "重复发放"})
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "already_reversed"
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 25
    login(resident)
    assert client.post(f"/api/v1/transfers/{award.id}/reversal", json={"reason": "x"}).status_code == 404


def test_blank_or_long_idempotency_key_is_refused_and_posts_nothing(client, make_user, login, award_points):
    """One rule for every point-moving endpoint: a key that is sent must be 1 to 100 characters."""
    resident = make_user("resident")
    award_points(resident, 10)
    login(resident)
    before = count_transfers()
    for key in ("   ", "k" * 101):
        answer = client.post("/api/v1/donations", json={"points": 1}, headers={"Idempotency-Key": key})
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert count_transfers() == before


def test_split_adjustments_and_their_reversal_show_the_second_coordinator(client, login, make_user):
    resident = make_user()
    first = make_user("coordinator", community=resident.community)
    second = make_user("coordinator", community=resident.community)
    account = run_in_unit(lambda: ledger.resident_account(resident))
    login(first)
    answers = [
        client.post("/api/v1/adjustments", json={"account_id": account.id, "amount": 200, "reason": "补录"}).get_json()
        for _ in range(5)
    ]
    assert [(a["status"], a["needs_second_coordinator"]) for a in answers] == [("posted", False)] + [
        ("pending", True)
    ] * 4
    assert ledger.balance(account).balance == 200
    page = client.get(f"/ledger/accounts/{account.id}").get_data(as_text=True)
    assert "今天您还可自行调整 0 积分" in page
    assert "需另一位社区工作者审批" in client.get("/ledger/adjustments").get_data(as_text=True)
    login(second)
    approved = client.post(f"/api/v1/adjustments/{answers[1]['id']}/approve").get_json()
    transfer_id = approved["transfer_id"]
    login(first)
    waiting = client.post(f"/api/v1/transfers/{transfer_id}/reversal", json={"reason": "重复录入"})
    body = waiting.get_json()
    assert waiting.status_code == 202 and body["needs_second_coordinator"] is True
    assert body["reverses_transfer_id"] == transfer_id and body["amount"] == -200
    login(second)
    assert client.post(f"/api/v1/adjustments/{body['id']}/approve").get_json()["status"] == "posted"
    assert ledger.balance(account).balance == 200


def test_statement_api_gives_the_memo_in_the_readers_language(client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 12, memo="随手拍：井盖破损（已受理）")
    login(resident)
    me = client.get("/api/v1/accounts/me").get_json()
    (line,) = client.get(f"/api/v1/accounts/{me['id']}/entries").get_json()["items"]
    assert line["memo"] == line["memo_text"] == "随手拍：井盖破损（已受理）"
    run_in_unit(lambda: setattr(db.session.merge(resident), "locale", "en"))
    (line,) = client.get(f"/api/v1/accounts/{me['id']}/entries").get_json()["items"]
    assert line["memo"] == "随手拍：井盖破损（已受理）"  # stored as written
    assert line["memo_text"].startswith("Report") and "accepted" in line["memo_text"] and "：" not in line["memo_text"]
