"""People pages: account, tokens, residents (register one, import a sheet), hierarchy and roles, by role."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.people.models import ApiToken, Community, District, RoleGrant, User


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_login_form_wrong_password_then_right(client, make_user):
    user = make_user("resident", password="secret-pass-1")
    wrong = client.post("/login", data={"phone": user.phone, "password": "nope-nope-1"})
    assert wrong.status_code == 400
    assert "手机号码或密码错误" in _text(wrong)
    right = client.post("/login", data={"phone": user.phone, "password": "secret-pass-1"})
    assert right.status_code == 302
    home = client.get("/")
    assert "测试用户，您好" in _text(home)


def test_home_tiles_per_role(client, make_user, login):
    coordinator = make_user("coordinator")
    login(coordinator)
    page = _text(client.get("/"))
    assert f"/communities/{coordinator.grants[0].community_id}/residents" in page
    assert "/admin/places" not in page
    admin = make_user("admin")
    login(admin)
    page = _text(client.get("/"))
    assert "/admin/places" in page and "/admin/roles" in page


@pytest.mark.parametrize("path", ["/admin/places", "/admin/roles"])
def test_admin_pages_hidden_from_others(client, make_user, login, path):
    for role in ("resident", "coordinator"):
        login(make_user(role))
        assert client.get(path).status_code == 404
    login(make_user("admin"))
    assert client.get(path).status_code == 200


def test_pages_need_login(client):
    for path in ("/account", "/account/tokens", "/admin/places", "/communities/1/residents"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_resident_outside_scope_gets_404(client, make_user, login, make_community):
    resident = make_user("resident")
    login(resident)
    answer = client.get(f"/communities/{resident.community_id}/residents")
    assert answer.status_code == 404
    assert "页面不存在" in _text(answer) or "不存在" in _text(answer)


def test_coordinator_sees_only_own_community(client, make_user, login, make_community):
    coordinator = make_user("coordinator")
    other = make_community()
    login(coordinator)
    assert client.get(f"/communities/{other.id}/residents").status_code == 404
    assert (
        client.post(
            f"/communities/{other.id}/residents", data={"name": "某人", "phone": "13911112222", "grid_id": 0}
        ).status_code
        == 404
    )
    assert _count(User) == 1


def test_register_resident_shows_password_once_then_first_login_asks_for_new(client, make_user, login, app):
    coordinator = make_user("coordinator")
    community_id = coordinator.grants[0].community_id
    login(coordinator)
    answer = client.post(
        f"/communities/{community_id}/residents", data={"name": "马春花", "phone": "139-1111-2222", "grid_id": 0}
    )
    assert answer.status_code == 201
    password = re.search(r'<code class="secret">([a-z0-9]{8})</code>', _text(answer)).group(1)
    listing = _text(client.get(f"/communities/{community_id}/residents"))
    assert "马春花" in listing and password not in listing

    resident_client = app.test_client()
    resident_client.post("/login", data={"phone": "13911112222", "password": password})
    assert resident_client.get("/").headers["Location"].endswith("/account/password")
    changed = resident_client.post(
        "/account/password", data={"current": password, "new": "chunhua-2026", "confirm": "chunhua-2026"}
    )
    assert changed.status_code == 302
    assert resident_client.get("/").status_code == 200


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "马春花", "phone": "1391111", "grid_id": 0}, "有效的 11 位"),
        ({"name": "", "phone": "13911112222", "grid_id": 0}, "error"),
        ({"name": "马春花", "phone": "13911112222", "grid_id": 999999}, "error"),
    ],
)
def test_register_resident_bad_input_changes_nothing(client, make_user, login, data, message):
    coordinator = make_user("coordinator")
    login(coordinator)
    before = _count(User)
    answer = client.post(f"/communities/{coordinator.grants[0].community_id}/residents", data=data)
    assert answer.status_code == 400
    assert message in _text(answer)
    assert _count(User) == before


def test_register_duplicate_phone(client, make_user, login):
    coordinator = make_user("coordinator")
    login(coordinator)
    answer = client.post(
        f"/communities/{coordinator.grants[0].community_id}/residents",
        data={"name": "重复", "phone": coordinator.phone, "grid_id": 0},
    )
    assert answer.status_code == 400
    assert "该手机号码已注册" in _text(answer)


def test_import_page_bad_rows_listed(client, make_user, login):
    coordinator = make_user("coordinator")
    login(coordinator)
    before = _count(User)
    sheet = "姓名,手机号,网格\n王秀英,13911110001,第一网格\n李建国,123,第一网格\n".encode()
    answer = client.post(
        f"/communities/{coordinator.grants[0].community_id}/residents/import",
        data={"sheet": (io.BytesIO(sheet), "居民.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    page = _text(answer)
    assert "<td>3</td>" in page and "有效的 11 位" in page and "没有导入" in page
    assert _count(User) == before


def test_import_page_success(client, make_user, login):
    coordinator = make_user("coordinator")
    login(coordinator)
    sheet = "name,phone,grid\n王秀英,13911110001,第一网格\n李建国,13911110002,第二网格\n".encode()
    answer = client.post(
        f"/communities/{coordinator.grants[0].community_id}/residents/import",
        data={"sheet": (io.BytesIO(sheet), "r.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201
    assert len(re.findall(r'<code class="secret">[a-z0-9]{8}</code>', _text(answer))) == 2
    assert _count(User) == 3


def test_tokens_page_create_shows_once_and_revoke(client, make_user, login):
    user = make_user("resident")
    login(user)
    created = client.post("/account/tokens", data={"name": "我的脚本"})
    secret = re.search(r'<code class="secret">(pb_[^<]+)</code>', _text(created)).group(1)
    assert secret not in _text(client.get("/account/tokens"))
    api = client.application.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token = db.session.scalar(sa.select(ApiToken))
    assert token.token_hash != secret and secret not in token.token_hash
    client.post(f"/account/tokens/{token.id}/revoke")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client, make_user, login):
    from pointsbank.db import run_in_unit
    from pointsbank.people.auth import create_token

    owner = make_user("resident")
    token, _plain = run_in_unit(lambda: create_token(owner, "x"))
    login(make_user("resident"))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_admin_manages_places_and_roles(client, make_user, login):
    admin = make_user("admin")
    login(admin)
    client.post("/admin/places/district", data={"name": "渝中区"})
    district = db.session.scalar(sa.select(District).where(District.name == "渝中区"))
    assert district is not None
    client.post("/admin/places/street", data={"name": "解放碑街道", "parent_id": district.id})
    assert "解放碑街道" in _text(client.get("/admin/places"))
    dup = client.post("/admin/places/district", data={"name": "渝中区"}, follow_redirects=True)
    assert "同名" in _text(dup)
    assert _count(District) == 1

    person = make_user("resident")
    community_id = person.community_id
    answer = client.post(
        "/admin/roles",
        data={"phone": person.phone, "role": "coordinator", "community_id": community_id, "station_id": 0},
    )
    assert answer.status_code == 302
    grant = db.session.scalar(sa.select(RoleGrant).where(RoleGrant.user_id == person.id))
    assert grant.role == "coordinator" and grant.community_id == community_id
    missing = client.post(
        "/admin/roles", data={"phone": "13000000000", "role": "admin", "community_id": 0, "station_id": 0}
    )
    assert missing.status_code == 400
    client.post(f"/admin/roles/{grant.id}/revoke")
    assert db.session.get(RoleGrant, grant.id) is None


def test_english_pages(client, make_user, login):
    login(make_user("coordinator"))
    page = _text(client.get("/?lang=en"))
    assert "Residents of" in page and "My account" in page


def test_elder_mode_switch_is_remembered(client, make_user, login):
    user = make_user("resident")
    login(user)
    assert 'class=""' in _text(client.get("/"))
    answer = client.post("/elder", headers={"Referer": "http://localhost/account"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/account")
    cookie = next(v for v in answer.headers.getlist("Set-Cookie") if v.startswith("pb_elder="))
    assert cookie.startswith("pb_elder=1") and "HttpOnly" in cookie
    page = _text(client.get("/account"))
    assert '<html lang="zh-Hans" class="elder">' in page and "标准版" in page
    assert db.session.get(User, user.id).elder_mode is True
    client.post("/elder")
    assert 'class="elder"' not in _text(client.get("/"))


def test_elder_mode_follows_the_user_to_a_new_browser(app, make_user, login):
    user = make_user("resident")
    user.elder_mode = True
    db.session.commit()
    fresh = app.test_client()
    login(user, fresh)
    assert 'class="elder"' in _text(fresh.get("/"))


def test_coordinator_resets_a_forgotten_password(client, make_user, login, app):
    coordinator = make_user("coordinator")
    community_id = coordinator.grants[0].community_id
    resident = make_user("resident", community=db.session.get(Community, community_id), password="old-pass-2026")
    outsider = make_user("resident")
    login(coordinator)
    assert client.post(f"/communities/{community_id}/residents/{outsider.id}/reset-password").status_code == 404
    answer = client.post(f"/communities/{community_id}/residents/{resident.id}/reset-password")
    assert answer.status_code == 200
    password = re.search(r'<code class="secret">([a-z0-9]{8})</code>', _text(answer)).group(1)
    fresh = app.test_client()
    assert fresh.post("/login", data={"phone": resident.phone, "password": "old-pass-2026"}).status_code == 400
    fresh.post("/login", data={"phone": resident.phone, "password": password})
    assert fresh.get("/").headers["Location"].endswith("/account/password")


def test_empty_sheet_template_reimports_as_empty(client, make_user, login):
    from openpyxl import load_workbook

    coordinator = make_user("coordinator")
    community_id = coordinator.grants[0].community_id
    login(coordinator)
    answer = client.get(f"/communities/{community_id}/residents/template.xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data))
    assert [c.value for c in book.worksheets[0][1]] == ["姓名", "手机号", "网格"]
    assert [r[0].value for r in book["网格"].iter_rows()] == ["第一网格", "第二网格"]
    other = make_user("coordinator")
    login(other)
    assert client.get(f"/communities/{community_id}/residents/template.xlsx").status_code == 404
