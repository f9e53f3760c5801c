"""Login limits, CSRF, cookies, security headers, oversized bodies, production settings, passwords."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from pointsbank import create_app
from pointsbank.config import load
from pointsbank.extensions import db
from pointsbank.people.models import User


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PB_LOGIN_LIMIT="3 per 15 minutes")
def test_failed_logins_limited_per_number(client, make_user):
    user = make_user("resident", password="secret-pass-1")
    spellings = [
        user.phone,
        f"+86 {user.phone[:3]} {user.phone[3:7]} {user.phone[7:]}",
        f"{user.phone[:3]}-{user.phone[3:]}",
    ]
    for spelling in spellings:  # the same number typed three ways counts three times
        assert client.post("/login", data={"phone": spelling, "password": "wrong-pass-1"}).status_code == 400
    blocked = client.post("/login", data={"phone": user.phone, "password": "secret-pass-1"})
    assert blocked.status_code == 429
    assert "尝试次数过多" in _text(blocked) and "15 分钟" in _text(blocked)
    # Another number from the same address is not blocked by this number's limit.
    other = make_user("resident", password="secret-pass-1")
    assert client.post("/login", data={"phone": other.phone, "password": "secret-pass-1"}).status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PB_LOGIN_LIMIT="100 per 15 minutes")
def test_failed_logins_limited_per_address(client, make_user):
    for i in range(20):
        client.post("/login", data={"phone": f"1391000{i:04d}", "password": "wrong-pass-1"})
    user = make_user("resident", password="secret-pass-1")
    blocked = client.post("/login", data={"phone": user.phone, "password": "secret-pass-1"})
    assert blocked.status_code == 429
    other_address = client.post(
        "/login", data={"phone": user.phone, "password": "secret-pass-1"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other_address.status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PB_LOGIN_LIMIT="2 per 15 minutes")
def test_successful_logins_do_not_count(app, make_user):
    user = make_user("resident", password="secret-pass-1")
    for _ in range(4):
        client = app.test_client()
        assert client.post("/login", data={"phone": user.phone, "password": "secret-pass-1"}).status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PB_LOGIN_LIMIT="1 per 15 minutes")
def test_rate_limit_page_in_english(client, make_user):
    client.post("/login?lang=en", data={"phone": "13912345678", "password": "wrong-pass-1"})
    blocked = client.post("/login?lang=en", data={"phone": "13912345678", "password": "wrong-pass-1"})
    assert blocked.status_code == 429 and "Too many failed attempts" in _text(blocked)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_login_without_csrf_token_refused(client, make_user):
    user = make_user("resident", password="secret-pass-1")
    answer = client.post("/login", data={"phone": user.phone, "password": "secret-pass-1"})
    assert answer.status_code == 400
    assert "表单已过期" in _text(answer)
    assert client.get("/account").status_code == 302  # still logged out


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_form_without_csrf_token_changes_nothing(client, make_user, login):
    coordinator = make_user("coordinator")
    login(coordinator)
    before = _count(User)
    answer = client.post(
        f"/communities/{coordinator.grants[0].community_id}/residents",
        data={"name": "马春花", "phone": "13911112222", "grid_id": 0},
    )
    assert answer.status_code == 400
    assert _count(User) == before


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_api_session_write_without_csrf_header_refused(client, make_user, login):
    login(make_user("resident"))
    answer = client.post("/api/v1/tokens", json={"name": "x"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "csrf_failed"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_login_with_csrf_token_works(client, make_user):
    import re

    user = make_user("resident", password="secret-pass-1")
    page = _text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"phone": user.phone, "password": "secret-pass-1", "csrf_token": token})
    assert answer.status_code == 302


def test_session_cookie_flags(client, make_user):
    user = make_user("resident", password="secret-pass-1")
    answer = client.post("/login", data={"phone": user.phone, "password": "secret-pass-1"})
    cookie = next(v for v in answer.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http


def test_secure_cookies_outside_development(monkeypatch, tmp_path):
    monkeypatch.setenv("PB_ENV", "production")
    monkeypatch.setenv("PB_SECRET_KEY", "x" * 48)
    settings = load(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True and settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_security_headers(client):
    answer = client.get("/")
    csp = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["X-Frame-Options"] == "DENY"
    api = client.get("/api/v1/me")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_or_style_in_pages(client, make_user, login):
    login(make_user("admin"))
    for path in ("/", "/account", "/account/tokens", "/admin/places", "/admin/roles", "/login"):
        page = _text(client.get(path))
        assert "<script>" not in page and 'style="' not in page, path


@pytest.mark.app_config(MAX_CONTENT_LENGTH=2048)
def test_oversized_body_is_413_and_changes_nothing(client, make_user, login):
    coordinator = make_user("coordinator")
    login(coordinator)
    before = _count(User)
    big = "姓名,手机号,网格\n" + "王秀英,13911110001,第一网格\n" * 400
    page = client.post(
        f"/communities/{coordinator.grants[0].community_id}/residents/import",
        data={"sheet": (io.BytesIO(big.encode()), "r.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 413 and "过大" in _text(page)
    api = client.post("/api/v1/tokens", data="x" * 5000, content_type="application/json")
    assert api.status_code == 413 and api.get_json()["error"]["code"] == "too_large"
    assert _count(User) == before


def test_production_refuses_without_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("PB_ENV", "production")
    monkeypatch.delenv("PB_SECRET_KEY", raising=False)
    monkeypatch.setenv("PB_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="PB_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_development_secret_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("PB_SECRET_KEY", raising=False)
    monkeypatch.delenv("PB_ENV", raising=False)
    first = load(str(tmp_path))["SECRET_KEY"]
    second = load(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load(str(tmp_path / "other"))["SECRET_KEY"] != first


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PB_DATABASE_URL", "postgresql+psycopg://u@db/pb")
    monkeypatch.setenv("PB_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("PB_PORT", "5123")
    settings = load(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/pb"
    assert settings["SECRET_KEY"] == "s" * 40 and settings["PB_PORT"] == 5123
    monkeypatch.delenv("PB_DATABASE_URL")
    assert load(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'pointsbank.db'}"


def test_passwords_are_hashed(app, make_user):
    user = make_user("resident", password="secret-pass-1")
    assert "secret-pass-1" not in user.password_hash and user.password_hash.startswith("pbkdf2:")


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user("resident", password="secret-pass-1")
    user.active = False
    db.session.commit()
    answer = client.post("/login", data={"phone": user.phone, "password": "secret-pass-1"})
    assert answer.status_code == 400


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example", "/\t/evil.example"])
def test_open_redirect_after_login_refused(app, make_user, target):
    user = make_user("resident", password="secret-pass-1")
    answer = app.test_client().post(
        "/login", query_string={"next": target}, data={"phone": user.phone, "password": "secret-pass-1"}
    )
    assert answer.headers["Location"] in ("/", "http://localhost/")


def test_next_page_after_login(client, make_user):
    user = make_user("resident", password="secret-pass-1")
    answer = client.post("/login?next=/account", data={"phone": user.phone, "password": "secret-pass-1"})
    assert answer.headers["Location"].endswith("/account")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_switches_never_redirect_off_site(client, target):
    for path in ("/lang/en", "/elder"):
        answer = client.post(path, data={"next": target})
        assert answer.headers["Location"] in ("/", "http://localhost/"), (path, target)
    back = client.post("/lang/en", headers={"Referer": "http://localhost/login"})
    assert back.headers["Location"].endswith("/login")
