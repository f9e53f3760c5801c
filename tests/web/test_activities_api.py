"""API: activities, sign-ups, check-ins, confirmation, personal codes and teams."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pointsbank.activities import service as activities
from pointsbank.activities.models import Activity
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    residents = [make_user("resident", community=community, name=n) for n in ("王秀英", "李建国")]
    return community, coordinator, residents


def test_activity_flow_over_the_api(world, make_rule, client, login):
    community, coordinator, (a, b) = world
    rule = make_rule(community, coordinator, points=10, unit="hour", cap_day=15)
    login(coordinator)
    from pointsbank.db import utcnow

    start = (utcnow() - timedelta(minutes=5)).replace(microsecond=0)
    response = client.post(
        "/api/v1/activities",
        json={
            "community_id": community.id,
            "rule_id": rule.id,
            "title": "楼道清扫",
            "place": "梨园小区3栋",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "capacity": 1,
        },
    )
    assert response.status_code == 201, response.get_json()
    activity_id = response.get_json()["id"]
    assert response.get_json()["starts_at"].endswith("+00:00")

    login(a)
    assert client.post(f"/api/v1/activities/{activity_id}/signups").get_json()["status"] == "signed_up"
    login(b)
    assert client.post(f"/api/v1/activities/{activity_id}/signups").get_json()["status"] == "waiting"
    code = client.get("/api/v1/me/check-in-code").get_json()
    assert code["code"].startswith("PB1V.") and len(code["digits"]) == 6

    login(a)
    poster = activities.poster_code(db.session.get(Activity, activity_id))
    assert client.post("/api/v1/check-ins", json={"code": poster}).get_json()["action"] == "checked_in"
    bad = client.post("/api/v1/check-ins", json={"code": "PB1A.nope"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid"

    login(coordinator)
    assert len(client.get(f"/api/v1/activities/{activity_id}/signups").get_json()) == 2
    confirmed = client.post(f"/api/v1/activities/{activity_id}/confirm", headers={"Idempotency-Key": "c1"})
    assert confirmed.get_json()["status"] == "confirmed"
    assert client.post(f"/api/v1/activities/{activity_id}/confirm").get_json()["status"] == "confirmed"
    login(a)
    [mine] = client.get("/api/v1/me/signups").get_json()["items"]
    assert mine["status"] == "attended" and mine["points_awarded"] <= 15
    assert ledger.balance(ledger.find_resident_account(a)).balance == mine["points_awarded"]


def test_poster_next_day_refused_over_the_api(world, make_activity, client, login):
    community, coordinator, (a, _) = world
    activity = make_activity(community, coordinator)
    run_in_unit(lambda: activities.sign_up(a, db.session.get(Activity, activity.id)))
    code = activities.poster_code(activity)
    run_in_unit(lambda: activities.check_in_with_poster(a, code))
    with pytest.raises(Exception) as err:
        run_in_unit(lambda: activities.check_in_with_poster(a, code, now=activity.ends_at + timedelta(days=1)))
    assert getattr(err.value, "code", None) == "expired"


def test_coordinator_scans_volunteer_code_over_the_api(world, make_activity, client, login):
    community, coordinator, (a, _) = world
    activity = make_activity(community, coordinator)
    run_in_unit(lambda: activities.sign_up(a, db.session.get(Activity, activity.id)))
    payload, _ = activities.personal_code(a)
    login(coordinator)
    result = client.post(f"/api/v1/activities/{activity.id}/check-ins", json={"code": payload}).get_json()
    assert result["action"] == "checked_in" and result["signup"]["user_id"] == a.id
    login(a)
    forbidden = client.post(f"/api/v1/activities/{activity.id}/check-ins", json={"code": payload})
    assert forbidden.status_code == 404


def test_teams_over_the_api(world, client, login):
    community, coordinator, (a, _) = world
    login(coordinator)
    team = client.post(
        "/api/v1/teams",
        json={"community_id": community.id, "name": "外卖小哥志愿服务队"},
    ).get_json()
    assert team["members"] == 0
    assert (
        client.post(
            "/api/v1/teams",
            json={"community_id": community.id, "name": "外卖小哥志愿服务队"},
        ).status_code
        == 409
    )
    login(a)
    joined = client.post(f"/api/v1/teams/{team['id']}/members").get_json()
    assert joined["members"] == 1 and joined["joined"] is True
    assert client.get("/api/v1/teams").get_json()["total"] == 1
    assert client.delete(f"/api/v1/teams/{team['id']}/members/me").get_json()["members"] == 0


def test_endpoints_are_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/rules",
        "/api/v1/rules/{rule_id}/publish",
        "/api/v1/pending-awards/{pending_id}/approve",
        "/api/v1/pending-awards/bulk-approve",
        "/api/v1/activities",
        "/api/v1/activities/{activity_id}/signups",
        "/api/v1/check-ins",
        "/api/v1/activities/{activity_id}/check-ins",
        "/api/v1/teams",
    ):
        assert path in paths, path


def test_patch_activity(world, make_activity, client, login):
    community, coordinator, (a, _) = world
    activity = make_activity(community, coordinator, starts_in=timedelta(days=1))
    login(coordinator)
    changed = client.patch(f"/api/v1/activities/{activity.id}", json={"capacity": 3, "title": "楼道清扫（改期）"})
    assert changed.status_code == 200 and changed.get_json()["capacity"] == 3
    bad = client.patch(f"/api/v1/activities/{activity.id}", json={"ends_at": "2000-01-01T00:00:00+00:00"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_dates"
    login(a)
    assert client.patch(f"/api/v1/activities/{activity.id}", json={"capacity": 9}).status_code == 404
    assert db.session.get(Activity, activity.id).capacity == 3
