"""Community settings: page and API for that community's coordinators, ranges checked, changes audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.auth import create_token
from pointsbank.people.models import Community
from pointsbank.people.settings import SETTINGS, current


@pytest.fixture
def staff(make_user, make_community):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    plain = run_in_unit(lambda: create_token(coordinator, "ops"))[1]
    return community, coordinator, {"Authorization": f"Bearer {plain}"}


def _form(community: Community, **changes) -> dict:
    data = {}
    for s in SETTINGS:
        value = changes.get(s.name, getattr(community, s.name))
        if s.kind == "bool":
            if value:
                data[s.name] = "y"
        else:
            data[s.name] = value
    return data


def test_settings_page_changes_and_audits(client, login, staff):
    community, coordinator, _h = staff
    login(coordinator)
    page = client.get(f"/communities/{community.id}/settings")
    assert page.status_code == 200 and "双人复核门槛" in page.get_data(as_text=True)
    saved = client.post(
        f"/communities/{community.id}/settings",
        data=_form(community, adjustment_threshold=300, undo_minutes=15, spend_after_publicity=True),
        follow_redirects=True,
    )
    assert "修改了 3 项设置" in saved.get_data(as_text=True)
    db.session.expire_all()
    changed = db.session.get(Community, community.id)
    assert (changed.adjustment_threshold, changed.undo_minutes, changed.spend_after_publicity) == (300, 15, True)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "settings.changed"))
    assert entry.details["before"] == {"adjustment_threshold": 200, "undo_minutes": 10, "spend_after_publicity": False}
    assert entry.details["after"] == {"adjustment_threshold": 300, "undo_minutes": 15, "spend_after_publicity": True}
    assert entry.actor_id == coordinator.id and entry.community_id == community.id


def test_settings_page_refuses_out_of_range_and_changes_nothing(client, login, staff):
    community, coordinator, _h = staff
    login(coordinator)
    answer = client.post(
        f"/communities/{community.id}/settings?lang=en",
        data=_form(community, publicity_days=99, undo_minutes=5),
    )
    assert answer.status_code == 400 and "Enter a number from 0 to 30." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Community, community.id).undo_minutes == 10
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_settings_are_for_that_communitys_coordinators(client, login, staff, make_user, make_community):
    community, _c, _h = staff
    login(make_user("coordinator", community=make_community()))
    assert client.get(f"/communities/{community.id}/settings").status_code == 404
    login(make_user("resident", community=community))
    assert client.post(f"/communities/{community.id}/settings", data={}).status_code == 404


def test_settings_api(client, staff, make_user, make_community):
    community, _c, headers = staff
    got = client.get(f"/api/v1/communities/{community.id}/settings", headers=headers)
    assert got.status_code == 200 and got.get_json() == current(community)
    patched = client.patch(
        f"/api/v1/communities/{community.id}/settings",
        json={"expiry_policy": "year_end", "reservation_hours": 24},
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.get_json()["expiry_policy"] == "year_end" and patched.get_json()["reservation_hours"] == 24
    for bad in ({}, {"reservation_hours": 0}, {"undo_minutes": "5"}, {"expiry_policy": "never"}, {"color": 1}):
        answer = client.patch(f"/api/v1/communities/{community.id}/settings", json=bad, headers=headers)
        assert answer.status_code == 400, (bad, answer.get_json())
    other = make_user("coordinator", community=make_community())
    other_headers = {"Authorization": f"Bearer {run_in_unit(lambda: create_token(other, 'x'))[1]}"}
    assert client.get(f"/api/v1/communities/{community.id}/settings", headers=other_headers).status_code == 404
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "settings.changed")).all()
    assert len(entries) == 1 and entries[0].details["after"] == {"expiry_policy": "year_end", "reservation_hours": 24}
