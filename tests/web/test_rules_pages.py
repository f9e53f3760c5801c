"""Pages: how to earn, rule drafting/publishing/versions, approval queue."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward, Rule, RuleVersion


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    resident = make_user("resident", community=community, name="王秀英")
    return community, coordinator, resident


def text(response) -> str:
    return response.get_data(as_text=True)


RULE_FORM = {
    "category": "志愿服务",
    "title": "楼道清扫",
    "grade": "",
    "description": "",
    "points": "10",
    "unit": "hour",
    "cap_day": "30",
    "cap_week": "",
    "cap_month": "",
    "evidence": "check_in",
    "valid_from": "2026-01-01",
    "valid_until": "",
}


def test_how_to_earn_groups_rules_in_plain_words(world, make_rule, client, login):
    community, coordinator, resident = world
    make_rule(community, coordinator, points=10, unit="hour", cap_day=30)
    make_rule(
        community,
        coordinator,
        category="随手拍/社情民意",
        title="随手拍",
        grade="安全隐患",
        points=10,
    )
    make_rule(community, coordinator, title="草稿规则", publish=False)
    login(resident)
    body = text(client.get("/rules/how-to-earn"))
    assert "每小时 10 分，每天最多 30 分" in body
    assert "随手拍/社情民意" in body and "安全隐患" in body and "每次 10 分" in body
    assert "草稿规则" not in body
    assert body.index("志愿服务") < body.index("随手拍/社情民意")


def test_coordinator_drafts_publishes_changes_and_retires(world, client, login):
    community, coordinator, _ = world
    login(coordinator)
    response = client.post("/rules/new", data=dict(RULE_FORM, community_id=community.id))
    assert response.status_code == 302
    rule = db.session.scalar(sa.select(Rule))
    assert rule.status == "draft"
    assert client.post(f"/rules/{rule.id}/publish").status_code == 302
    db.session.expire_all()
    assert rules.current_version(db.session.get(Rule, rule.id)).points == 10
    assert client.get(f"/rules/{rule.id}/edit").status_code == 200
    assert client.post(f"/rules/{rule.id}/edit", data=dict(RULE_FORM, points="12")).status_code == 302
    db.session.expire_all()
    versions = db.session.scalars(sa.select(RuleVersion).order_by(RuleVersion.version)).all()
    assert [(v.version, v.points) for v in versions] == [(1, 10), (2, 12)]
    assert "v2" in text(client.get(f"/rules/{rule.id}"))
    client.post(f"/rules/{rule.id}/retire")
    db.session.expire_all()
    assert db.session.get(Rule, rule.id).status == "retired"


def test_bad_rule_form_changes_nothing(world, client, login):
    community, coordinator, _ = world
    login(coordinator)
    response = client.post("/rules/new", data=dict(RULE_FORM, community_id=community.id, points="0"))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rule)) == 0


def test_residents_cannot_reach_coordinator_pages(world, make_rule, client, login):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator)
    login(resident)
    assert client.get("/rules/").status_code == 404
    assert client.get("/rules/approvals").status_code == 404
    assert client.post(f"/rules/{rule.id}/retire").status_code == 404
    assert db.session.get(Rule, rule.id).status == "published"


def test_approval_queue_page_bulk_and_reject(world, make_rule, make_user, client, login):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=5, needs_approval=True))
    ids = [
        run_in_unit(
            lambda i=i: rules.award_under_rule(
                resident,
                version,
                key=f"page:{i}",
                actor_id=None,
                memo="文明行为：劝导不文明养犬",
                evidence="coordinator",
            )
        ).pending_award.id
        for i in range(3)
    ]
    login(coordinator)
    assert "劝导不文明养犬" in text(client.get("/rules/approvals"))
    client.post("/rules/approvals", data={"ids": [str(ids[0]), str(ids[1])]})
    client.post(f"/rules/approvals/{ids[2]}/reject", data={"reason": "没有照片"})
    db.session.expire_all()
    assert [db.session.get(PendingAward, i).status for i in ids] == [
        "approved",
        "approved",
        "rejected",
    ]
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 10
    login(resident)
    body = text(client.get("/rules/my-awards"))
    assert "没有照片" in body


def test_resident_posting_to_approve_own_award_is_refused(world, make_rule, client, login):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, needs_approval=True))
    pending = run_in_unit(
        lambda: rules.award_under_rule(resident, version, key="own", actor_id=None, memo="x", evidence="coordinator")
    ).pending_award
    login(resident)
    assert client.post(f"/rules/approvals/{pending.id}/approve").status_code == 404
    assert client.post("/rules/approvals", data={"ids": [str(pending.id)]}).status_code == 404
    db.session.expire_all()
    assert db.session.get(PendingAward, pending.id).status == "pending"


def test_award_page_posts_once_per_form(world, make_rule, client, login):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator, category="邻里互助", title="邻里帮扶", points=5, needs_approval=True)
    login(coordinator)
    assert client.get(f"/rules/{rule.id}/award").status_code == 200
    form = {"phone": resident.phone, "quantity": "1", "note": "帮邻居代买药", "nonce": "abc123"}
    client.post(f"/rules/{rule.id}/award", data=form)
    client.post(f"/rules/{rule.id}/award", data=form)  # a double submit of the same form
    pending = db.session.scalars(sa.select(PendingAward)).all()
    assert len(pending) == 1 and pending[0].memo == "邻里互助：邻里帮扶，帮邻居代买药"
    client.post(f"/rules/{rule.id}/award", data=dict(form, phone="13000000000", nonce="n2"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingAward)) == 1
