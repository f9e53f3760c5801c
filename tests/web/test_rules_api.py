"""API: rules and the approval queue."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward, Rule


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    resident = make_user("resident", community=community, name="王秀英")
    return community, coordinator, resident


def test_rule_lifecycle_over_the_api(world, client, login):
    community, coordinator, resident = world
    login(coordinator)
    response = client.post(
        "/api/v1/rules",
        json={
            "community_id": community.id,
            "category": "垃圾分类",
            "title": "垃圾分类督导",
            "points": 5,
            "cap_day": 10,
        },
    )
    assert response.status_code == 201, response.get_json()
    rule_id = response.get_json()["id"]
    assert response.get_json()["status"] == "draft" and response.get_json()["current_version"] is None
    published = client.post(f"/api/v1/rules/{rule_id}/publish").get_json()
    assert published["current_version"]["plain_words"] == "每次 5 分，每天最多 10 分"
    assert published["current_version"]["valid_from"].endswith("+00:00")
    changed = client.patch(f"/api/v1/rules/{rule_id}", json={"points": 6}).get_json()
    assert changed["current_version"]["version"] == 2
    assert [v["points"] for v in client.get(f"/api/v1/rules/{rule_id}/versions").get_json()] == [5, 6]
    login(resident)
    listed = client.get("/api/v1/rules").get_json()
    assert listed["total"] == 1 and listed["items"][0]["title"] == "垃圾分类督导"
    assert client.patch(f"/api/v1/rules/{rule_id}", json={"points": 100}).status_code == 404
    assert client.post(f"/api/v1/rules/{rule_id}/retire").status_code == 404


def test_bad_rule_input_is_400_and_creates_nothing(world, client, login):
    community, coordinator, _ = world
    login(coordinator)
    for body in (
        {"community_id": community.id, "category": "其他", "title": "x", "points": 1},
        {
            "community_id": community.id,
            "category": "垃圾分类",
            "title": "x",
            "points": 0,
        },
        {
            "community_id": community.id,
            "category": "垃圾分类",
            "title": "x",
            "points": 1,
            "valid_from": "2030-01-02T00:00:00+08:00",
            "valid_until": "2030-01-01T00:00:00+08:00",
        },
    ):
        response = client.post("/api/v1/rules", json=body)
        assert response.status_code == 400 and response.get_json()["error"]["code"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rule)) == 0


def test_approval_api(world, make_rule, client, login):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10, needs_approval=True, cap_day=15))
    ids = [
        run_in_unit(
            lambda i=i: rules.award_under_rule(
                resident,
                version,
                key=f"api:{i}",
                actor_id=None,
                memo="随手拍：井盖破损",
                evidence="coordinator",
            )
        ).pending_award.id
        for i in range(3)
    ]
    login(resident)
    assert client.post(f"/api/v1/pending-awards/{ids[0]}/approve").status_code == 404
    assert client.get("/api/v1/pending-awards").get_json()["total"] == 3  # my own
    login(coordinator)
    queue = client.get("/api/v1/pending-awards").get_json()
    assert [p["id"] for p in queue["items"]] == ids
    first = client.post(f"/api/v1/pending-awards/{ids[0]}/approve", headers={"Idempotency-Key": "a1"}).get_json()
    again = client.post(f"/api/v1/pending-awards/{ids[0]}/approve", headers={"Idempotency-Key": "a1"}).get_json()
    assert first["awarded_points"] == again["awarded_points"] == 10
    cut = client.post(f"/api/v1/pending-awards/{ids[1]}/approve").get_json()
    assert cut["awarded_points"] == 5 and "实得 5 分" in cut["cap_note"]
    bad = client.post(f"/api/v1/pending-awards/{ids[2]}/reject", json={"reason": ""})
    assert bad.status_code == 400
    rejected = client.post(f"/api/v1/pending-awards/{ids[2]}/reject", json={"reason": "照片不清楚"})
    assert rejected.get_json()["status"] == "rejected"
    conflict = client.post(f"/api/v1/pending-awards/{ids[2]}/approve")
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "already_decided"
    assert client.post("/api/v1/pending-awards/bulk-approve", json={"ids": ids}).get_json() == {
        "approved": 0,
        "skipped": 3,
    }
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 15
    assert db.session.get(PendingAward, ids[2]).reason == "照片不清楚"


def test_coordinator_approving_own_award_over_the_api(world, make_rule, client, login):
    community, coordinator, _ = world
    from pointsbank.people.models import User

    def make_resident():
        user = db.session.get(User, coordinator.id)
        user.community_id = community.id
        return user

    me = run_in_unit(make_resident)
    version = rules.current_version(make_rule(community, coordinator, needs_approval=True))
    pending = run_in_unit(
        lambda: rules.award_under_rule(me, version, key="self", actor_id=me.id, memo="x", evidence="coordinator")
    ).pending_award
    login(me)
    response = client.post(f"/api/v1/pending-awards/{pending.id}/approve")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "own_award"
    assert db.session.get(PendingAward, pending.id).status == "pending"


def test_coordinator_awards_on_their_word(world, make_rule, make_user, client, login):
    community, coordinator, resident = world
    rule = make_rule(
        community, coordinator, category="文明行为", title="文明养犬劝导", points=3, cap_day=6, evidence="coordinator"
    )
    login(coordinator)
    url = f"/api/v1/rules/{rule.id}/awards"
    first = client.post(
        url, json={"resident_id": resident.id, "note": "劝导不牵绳遛狗"}, headers={"Idempotency-Key": "k1"}
    )
    again = client.post(
        url, json={"resident_id": resident.id, "note": "劝导不牵绳遛狗"}, headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.get_json()["transfer_id"] == again.get_json()["transfer_id"]
    other = make_user("resident", community=community, name="李建国")
    clash = client.post(url, json={"resident_id": other.id}, headers={"Idempotency-Key": "k1"})
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "idempotency_conflict"
    cut = client.post(url, json={"resident_id": resident.id, "quantity": 2}).get_json()
    assert (cut["status"], cut["awarded"]) == ("posted", 3) and "实得 3 分" in cut["cap_note"]
    assert client.post(url, json={"resident_id": resident.id, "quantity": 1.5}).status_code == 400
    stranger = make_user("resident")
    assert client.post(url, json={"resident_id": stranger.id}).status_code == 404
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 6
    assert ledger.statement(ledger.find_resident_account(resident))[0][-1].memo.startswith("文明行为：文明养犬劝导")
    login(resident)
    assert client.post(url, json={"resident_id": resident.id}).status_code == 404
