"""Signals API: coordinators of the community and admins only; a review is audited once."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.signals.models import FraudSignal
from pointsbank.signals.service import upsert


def _signal(community_id: int) -> int:
    return run_in_unit(lambda: upsert(community_id, "pair", "pair:1:2", 22, {"approved": 22}).id)


def test_list_is_for_the_communitys_coordinators_and_admins(app, login, make_community, make_user):
    community, other = make_community(), make_community()
    signal_id = _signal(community.id)
    _signal(other.id)
    url = f"/api/v1/communities/{community.id}/signals"
    for role, community_of, expected in (
        ("coordinator", community, 200),
        ("admin", None, 200),
        ("coordinator", other, 404),
        ("resident", community, 404),
    ):
        client = login(make_user(role, community=community_of), app.test_client())
        response = client.get(url)
        assert response.status_code == expected, (role, response.get_json())
        if expected == 200:
            assert [i["id"] for i in response.get_json()["items"]] == [signal_id]
        else:
            review = client.post(f"/api/v1/signals/{signal_id}/review", json={"status": "dismissed", "note": "x"})
            assert review.status_code == 404
    assert app.test_client().get(url).status_code == 401


def test_review_is_audited_once_and_kept(app, login, make_community, make_user):
    community = make_community()
    signal_id = _signal(community.id)
    coordinator = make_user("coordinator", community=community)
    client = login(coordinator, app.test_client())
    url = f"/api/v1/signals/{signal_id}/review"
    assert client.post(url, json={"status": "closed", "note": "x"}).status_code == 400
    assert client.post(url, json={"status": "dismissed", "note": ""}).status_code == 400
    done = client.post(url, json={"status": "dismissed", "note": "活动日，正常"})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["review_note"], body["reviewed_by"]) == ("dismissed", "活动日，正常", coordinator.id)
    again = client.post(url, json={"status": "dismissed", "note": "活动日，正常"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_reviewed"
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "signal.reviewed")).all()
        assert [(e.actor_id, e.subject_id, e.community_id) for e in entries] == [
            (coordinator.id, signal_id, community.id)
        ]
    # The nightly run with the same evidence keeps the review.
    _signal(community.id)
    with app.app_context():
        assert db.session.get(FraudSignal, signal_id).status == "dismissed"
    listed = client.get(f"/api/v1/communities/{community.id}/signals?status=open").get_json()
    assert listed["items"] == []


def test_signals_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/communities/{community_id}/signals"]
    assert "post" in paths["/api/v1/signals/{signal_id}/review"]
