"""Minimum necessary: the API masks residents' numbers; a reveal gives the full one and is audited once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.auth import create_token


@pytest.fixture
def bearer(make_user):
    def make(role="resident", **kw):
        user = make_user(role, **kw)
        _token, plain = run_in_unit(lambda: create_token(user, "test"))
        return user, {"Authorization": f"Bearer {plain}"}

    return make


def _reveals() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "phone.revealed")))


def test_residents_list_is_masked_and_reveal_is_audited_once(client, bearer, make_user, make_community):
    community = make_community()
    coordinator, headers = bearer("coordinator", community=community)
    resident = make_user("resident", community=community)
    listed = client.get(f"/api/v1/communities/{community.id}/residents", headers=headers).get_json()
    phones = [r["phone"] for r in listed["items"]]
    assert resident.masked_phone in phones and resident.phone not in str(listed)
    assert _reveals() == []
    shown = client.post(f"/api/v1/residents/{resident.id}/phone-reveal", headers=headers)
    assert shown.status_code == 200 and shown.get_json()["phone"] == resident.phone
    entries = _reveals()
    assert len(entries) == 1 and entries[0].actor_id == coordinator.id
    client.post(f"/api/v1/residents/{resident.id}/phone-reveal", headers=headers)
    assert len(_reveals()) == 2  # once per reveal


def test_reveal_refused_outside_scope(client, bearer, make_user):
    _c, headers = bearer("coordinator")
    stranger = make_user("resident")  # another community
    assert client.post(f"/api/v1/residents/{stranger.id}/phone-reveal", headers=headers).status_code == 404
    _r, resident_headers = bearer("resident")
    assert client.post(f"/api/v1/residents/{stranger.id}/phone-reveal", headers=resident_headers).status_code == 404
    assert client.post("/api/v1/residents/999999/phone-reveal", headers=headers).status_code == 404
    assert _reveals() == []


def test_admin_may_reveal(client, bearer, make_user):
    _a, headers = bearer("admin")
    resident = make_user("resident")
    shown = client.post(f"/api/v1/residents/{resident.id}/phone-reveal", headers=headers)
    assert shown.status_code == 200 and shown.get_json()["phone"] == resident.phone
    assert len(_reveals()) == 1


def test_grants_list_is_masked(client, bearer):
    _a, headers = bearer("admin")
    body = client.get("/api/v1/role-grants", headers=headers).get_json()
    assert body["items"]
    for item in body["items"]:
        assert "****" in item["user"]["phone"]


def test_residents_page_shows_one_number_on_purpose_and_audits_it(client, login, make_user, make_community):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user("resident", community=community)
    other = make_user("resident", community=community)
    login(coordinator)
    page = client.get(f"/communities/{community.id}/residents").get_data(as_text=True)
    assert resident.masked_phone in page and resident.phone not in page and "显示" in page
    shown = client.post(f"/communities/{community.id}/residents/{resident.id}/phone")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and resident.phone in text and other.phone not in text
    (entry,) = _reveals()
    assert entry.actor_id == coordinator.id and entry.subject_id == resident.id


def test_residents_page_reveal_refused_for_another_community(client, login, make_user, make_community):
    coordinator = make_user("coordinator", community=make_community())
    stranger = make_user("resident", community=make_community())
    login(coordinator)
    answer = client.post(f"/communities/{stranger.community_id}/residents/{stranger.id}/phone")
    assert answer.status_code == 404 and _reveals() == []
