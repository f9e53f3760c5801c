"""Revocable sessions, idle expiry, token minting, scopes and expiry, and the one-query user load."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.people.auth import create_token
from pointsbank.people.models import ApiToken, UserSession
from tests.web.test_ledger_statement_counts import counted

PASSWORD = "secret-pass-1"


def _form_login(client, user, password=PASSWORD):
    answer = client.post("/login", data={"phone": user.phone, "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def _bearer(plain: str) -> dict:
    return {"Authorization": f"Bearer {plain}"}


def test_logout_ends_the_session_for_a_saved_cookie(app, make_user):
    user = make_user("resident", password=PASSWORD)
    client = _form_login(app.test_client(), user)
    saved = _cookie(client)
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", saved)
    answer = replay.get("/api/v1/me")
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "unauthorized"


def test_password_change_ends_other_sessions_and_revokes_tokens(app, make_user):
    user = make_user("resident", password=PASSWORD)
    here, elsewhere = _form_login(app.test_client(), user), _form_login(app.test_client(), user)
    _token, plain = run_in_unit(lambda: create_token(user, "script"))
    changed = here.post(
        "/account/password",
        data={"current": PASSWORD, "new": "another-pass-2", "confirm": "another-pass-2"},
        follow_redirects=True,
    )
    assert "其他设备" in changed.get_data(as_text=True)  # the page says what happened
    assert here.get("/api/v1/me").status_code == 200  # this session stays
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=_bearer(plain)).status_code == 401
    assert "password.changed" in _actions()


def test_password_reset_by_coordinator_ends_every_session_and_token(app, make_user, make_community, login):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user("resident", community=community, password=PASSWORD)
    device = _form_login(app.test_client(), resident)
    _token, plain = run_in_unit(lambda: create_token(resident, "script"))
    staff = login(coordinator, app.test_client())
    assert staff.post(f"/communities/{community.id}/residents/{resident.id}/reset-password").status_code == 200
    assert device.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=_bearer(plain)).status_code == 401
    assert "password.reset" in _actions()


def test_coordinator_and_admin_end_all_sessions_of_a_user(app, make_user, make_community, login):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user("resident", community=community, password=PASSWORD)
    device = _form_login(app.test_client(), resident)
    staff = login(coordinator, app.test_client())
    answer = staff.post(f"/communities/{community.id}/residents/{resident.id}/end-sessions")
    assert answer.status_code == 302
    assert device.get("/api/v1/me").status_code == 401
    # Outside the coordinator's community: 404.
    other = make_user("resident")
    assert staff.post(f"/communities/{community.id}/residents/{other.id}/end-sessions").status_code == 404
    device = _form_login(app.test_client(), resident)
    admin = make_user("admin")
    _t, admin_token = run_in_unit(lambda: create_token(admin, "ops"))
    ended = app.test_client().delete(f"/api/v1/users/{resident.id}/sessions", headers=_bearer(admin_token))
    assert ended.status_code == 200 and ended.get_json() == {"ended": 1}
    assert device.get("/api/v1/me").status_code == 401
    assert _actions().count("session.ended_all") == 2
    _t, coordinator_token = run_in_unit(lambda: create_token(coordinator, "ops"))
    refused = app.test_client().delete(f"/api/v1/users/{resident.id}/sessions", headers=_bearer(coordinator_token))
    assert refused.status_code == 404


@pytest.mark.app_config(PB_SESSION_IDLE_MINUTES=30)
def test_session_expires_after_idle_time(app, make_user):
    user = make_user("resident", password=PASSWORD)
    client = _form_login(app.test_client(), user)
    assert client.get("/api/v1/me").status_code == 200
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 200  # still within the idle time, and touched now
    assert db.session.scalar(sa.select(UserSession.last_seen_at)) > utcnow() - timedelta(minutes=1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_cannot_mint_tokens(app, make_user):
    user = make_user("resident")
    _t, plain = run_in_unit(lambda: create_token(user, "script"))
    answer = app.test_client().post("/api/v1/tokens", json={"name": "child"}, headers=_bearer(plain))
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "session_required"
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1


def test_token_needs_a_recently_typed_password(app, make_user, login):
    user = make_user("resident", password=PASSWORD)
    client = login(user, app.test_client())
    db.session.execute(sa.update(UserSession).values(password_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    stale = client.post("/api/v1/tokens", json={"name": "x"})
    assert stale.status_code == 403 and stale.get_json()["error"]["code"] == "reauth_required"
    wrong = client.post("/api/v1/tokens", json={"name": "x", "password": "not-my-pass"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "wrong_password"
    made = client.post("/api/v1/tokens", json={"name": "x", "password": PASSWORD, "expires_in_days": 7})
    assert made.status_code == 201 and made.get_json()["scope"] == "read"
    assert client.post("/api/v1/tokens", json={"name": "y"}).status_code == 201  # fresh for a few minutes now
    page = client.post("/account/tokens", data={"name": "z", "scope": "manage", "days": 30})
    assert page.status_code == 200
    assert "token.created" in _actions()


def test_token_scopes_are_enforced(app, make_user):
    admin = make_user("admin")
    headers = {
        s: _bearer(run_in_unit(lambda s=s: create_token(admin, s, scope=s))[1]) for s in ("read", "counter", "manage")
    }
    api = app.test_client()
    for scope in ("read", "counter", "manage"):
        assert api.get("/api/v1/me", headers=headers[scope]).status_code == 200
    for scope in ("read", "counter"):
        refused = api.post("/api/v1/districts", json={"name": f"区{scope}"}, headers=headers[scope])
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"
    assert api.post("/api/v1/districts", json={"name": "渝中区"}, headers=headers["manage"]).status_code == 201
    # A counter token reaches the counter (here: a station that does not exist), a read token does not.
    counter = api.post("/api/v1/stations/999/code-checks", json={"code": "12345678"}, headers=headers["counter"])
    assert counter.status_code != 403
    read = api.post("/api/v1/stations/999/code-checks", json={"code": "12345678"}, headers=headers["read"])
    assert read.status_code == 403


def test_expired_and_revoked_tokens_stay_dead(app, make_user):
    user = make_user("resident")
    token, plain = run_in_unit(lambda: create_token(user, "script", days=1))
    api = app.test_client()
    assert api.get("/api/v1/me", headers=_bearer(plain)).status_code == 200
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert api.get("/api/v1/me", headers=_bearer(plain)).status_code == 401
    other, other_plain = run_in_unit(lambda: create_token(user, "other"))
    assert api.delete(f"/api/v1/tokens/{other.id}", headers=_bearer(other_plain)).status_code == 204
    assert api.get("/api/v1/me", headers=_bearer(other_plain)).status_code == 401
    assert db.session.get(ApiToken, other.id).revoked_at is not None
    with pytest.raises(Exception):
        run_in_unit(lambda: create_token(user, "bad", days=400))


def test_token_last_used_is_written_every_few_minutes_not_every_request(app, make_user):
    user = make_user("resident")
    _t, plain = run_in_unit(lambda: create_token(user, "script"))
    api = app.test_client()
    api.get("/api/v1/me", headers=_bearer(plain))
    with counted() as seen:
        for _ in range(3):
            assert api.get("/api/v1/me", headers=_bearer(plain)).status_code == 200
    assert not [s for s in seen if s.lstrip().upper().startswith(("UPDATE", "COMMIT"))], seen


def _selects(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def test_me_loads_user_and_roles_in_one_query_cookie_and_bearer(app, make_user, login):
    coordinator = make_user("coordinator")
    cookie = login(coordinator, app.test_client())
    _t, plain = run_in_unit(lambda: create_token(coordinator, "script"))
    bearer = app.test_client()
    cookie.get("/api/v1/me")
    bearer.get("/api/v1/me", headers=_bearer(plain))
    with counted() as by_cookie:
        body = cookie.get("/api/v1/me").get_json()
    assert body["coordinated_communities"] and body["roles"] == ["coordinator"]
    with counted() as by_bearer:
        assert bearer.get("/api/v1/me", headers=_bearer(plain)).status_code == 200
    assert len(_selects(by_cookie)) == 1, by_cookie
    assert len(_selects(by_bearer)) == 1, by_bearer
    assert len(by_cookie) <= 2 and len(by_bearer) <= 2  # plus SQLite's BEGIN


def test_an_authenticated_page_loads_the_user_in_one_query(app, make_user, login):
    resident = make_user("resident")
    client = login(resident, app.test_client())
    client.get("/account")
    with counted() as seen:
        assert client.get("/account").status_code == 200
    assert len(_selects(seen)) == 1, seen
