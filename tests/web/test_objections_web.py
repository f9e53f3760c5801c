"""公示 over HTTP: the public board shows no unmasked name or phone; object, queue and decide with two
coordinators through the API; `flask ledger verify --against` a published seal."""

from __future__ import annotations

import pytest

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.rules import service as rules
from tests.factories.ledger import new_key


@pytest.fixture
def board(app, login, make_community, make_user, make_rule):
    community = make_community()
    a = make_user("coordinator", community=community, name="甲协调员")
    b = make_user("coordinator", community=community, name="乙协调员")
    resident = make_user(community=community, name="张三丰")
    neighbour = make_user(community=community, name="李四")
    rule = make_rule(community, a, title="楼道清扫", points=10)

    def work():
        outcome = rules.award_by_coordinator(
            db.session.get(User, a.id), rule, resident.id, note="清扫", key=new_key("w")
        )
        return outcome.transfer.id

    transfer_id = run_in_unit(work)
    clients = {name: login(user, app.test_client()) for name, user in dict(a=a, b=b, neighbour=neighbour).items()}
    return type(
        "Board", (), dict(community=community, approver=a, resident=resident, transfer_id=transfer_id, **clients)
    )


def test_public_board_needs_no_login_and_shows_masked_names_only(app, board):
    anonymous = app.test_client()
    page = anonymous.get(f"/insights/public/communities/{board.community.id}/board")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "张*丰" in html and "楼道清扫" in html
    for secret in ("张三丰", board.resident.phone, "甲协调员", "乙协调员", board.approver.phone):
        assert secret not in html
    api = anonymous.get(f"/api/v1/communities/{board.community.id}/publicity").get_json()
    assert [line["name"] for line in api["items"]] == ["张*丰"]
    assert "张三丰" not in str(api) and board.resident.phone not in str(api)
    assert anonymous.get("/insights/public/seals").status_code == 200


def test_object_queue_and_decide_through_the_api_with_two_coordinators(board):
    filed = board.neighbour.post(f"/api/v1/awards/{board.transfer_id}/objections", data={"reason": "没有看到他清扫"})
    assert filed.status_code == 201, filed.get_json()
    objection = filed.get_json()
    again = board.neighbour.post(f"/api/v1/awards/{board.transfer_id}/objections", data={"reason": "再说一次"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_objected"
    assert board.a.get("/api/v1/objections").get_json()["items"] == []  # the approver does not see it
    assert [i["id"] for i in board.b.get("/api/v1/objections").get_json()["items"]] == [objection["id"]]
    url = f"/api/v1/objections/{objection['id']}/decision"
    refused = board.a.post(url, json={"outcome": "upheld", "reason": "核实"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "approver_cannot_decide"
    assert board.b.post(url, json={"outcome": "upheld", "reason": "核实属实"}).status_code == 200
    assert board.b.post(url, json={"outcome": "dismissed", "reason": "改主意"}).status_code == 409
    assert board.neighbour.post(url, json={"outcome": "upheld", "reason": "x"}).status_code == 404


def test_verify_against_a_published_seal(app, board):
    from pointsbank.ledger.seal import latest_seal

    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "seal"]).exit_code == 0
    published = latest_seal().hash
    good = runner.invoke(args=["ledger", "verify", "--against", published[:12]])
    assert good.exit_code == 0, good.output
    bad = runner.invoke(args=["ledger", "verify", "--against", "0" * 64])
    assert bad.exit_code != 0


def test_board_memos_read_in_english(app, board):
    from pointsbank.ledger.models import Transfer
    from pointsbank.notices.memos import render_memo

    memo = db.session.get(Transfer, board.transfer_id).memo
    english = render_memo(memo, locale="en")
    html = (
        app.test_client().get(f"/insights/public/communities/{board.community.id}/board?lang=en").get_data(as_text=True)
    )
    assert english != memo and english in html and memo not in html
