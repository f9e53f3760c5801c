"""Login: unknown numbers cost one password hash like real ones; per-number lock; coordinator unlock."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.extensions import db
from pointsbank.people import login as logins

PASSWORD = "secret-pass-1"


@pytest.fixture
def hash_checks(monkeypatch):
    """Count password-hash checks made by the login."""
    calls: list[str] = []
    real = logins.check_password_hash

    def counting(stored, password):
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(logins, "check_password_hash", counting)
    return calls


def test_unknown_numbers_hash_a_password_like_real_ones(client, make_user, hash_checks):
    user = make_user("resident", password=PASSWORD)
    for phone in (user.phone, "13999990000", "not-a-number"):
        answer = client.post("/login", data={"phone": phone, "password": "wrong-pass-9"})
        assert answer.status_code == 400 and "手机号码或密码错误" in answer.get_data(as_text=True)
    assert len(hash_checks) == 3  # one hash each, found or not
    method = user.password_hash.split("$")[0]
    assert all(stored.split("$")[0] == method for stored in hash_checks)  # the same kind of work


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PB_LOGIN_LIMIT="2 per 15 minutes")
def test_coordinator_unlocks_a_locked_resident(app, make_user, make_community, login):
    community = make_community()
    resident = make_user("resident", community=community, password=PASSWORD)
    device = app.test_client()
    for _ in range(2):
        device.post("/login", data={"phone": resident.phone, "password": "wrong-pass-9"})
    assert device.post("/login", data={"phone": resident.phone, "password": PASSWORD}).status_code == 429
    staff = login(make_user("coordinator", community=community), app.test_client())
    page = staff.get(f"/communities/{community.id}/residents").get_data(as_text=True)
    assert "解除登录锁定" in page
    other = make_community()
    assert staff.post(f"/communities/{other.id}/residents/{resident.id}/unlock").status_code == 404
    assert staff.post(f"/communities/{community.id}/residents/{resident.id}/unlock").status_code == 302
    assert device.post("/login", data={"phone": resident.phone, "password": PASSWORD}).status_code == 302
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("login.locked") == 1 and actions.count("login.unlocked") == 1
    locked = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "login.locked"))
    assert locked.subject_id == resident.id and locked.community_id == community.id


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PB_LOGIN_LIMIT="1 per 15 minutes")
def test_unlock_over_the_api(app, make_user, make_community):
    from pointsbank.db import run_in_unit
    from pointsbank.people.auth import create_token

    community = make_community()
    resident = make_user("resident", community=community, password=PASSWORD)
    device = app.test_client()
    device.post("/login", data={"phone": resident.phone, "password": "wrong-pass-9"})
    assert device.post("/login", data={"phone": resident.phone, "password": PASSWORD}).status_code == 429
    coordinator = make_user("coordinator", community=community)
    plain = run_in_unit(lambda: create_token(coordinator, "ops"))[1]
    answer = app.test_client().post(
        f"/api/v1/communities/{community.id}/residents/{resident.id}/login-unlocks",
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert answer.status_code == 204
    assert device.post("/login", data={"phone": resident.phone, "password": PASSWORD}).status_code == 302
