"""People API: tokens, hierarchy, role grants, residents and sheet import — scope and bad input."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.auth import create_token
from pointsbank.people.models import ApiToken, District, RoleGrant, User


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def bearer(make_user):
    """bearer(role) -> (user, headers with a fresh personal token)."""

    def make(role="resident", **kw):
        user = make_user(role, **kw)
        _token, plain = run_in_unit(lambda: create_token(user, "test"))
        return user, {"Authorization": f"Bearer {plain}"}

    return make


def test_token_lifecycle_over_api(app, client, bearer, login):
    user, headers = bearer()
    login(user)  # tokens are made from a logged-in session
    created = client.post("/api/v1/tokens", json={"name": "家里的电脑", "scope": "manage"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["token"].startswith("pb_") and body["prefix"] == body["token"][:10]
    assert body["scope"] == "manage" and body["expires_at"]
    api = app.test_client()
    listed = api.get("/api/v1/tokens", headers=headers).get_json()
    assert {t["name"] for t in listed} == {"test", "家里的电脑"}
    assert all("token" not in t for t in listed)
    new_headers = {"Authorization": f"Bearer {body['token']}"}
    assert api.delete(f"/api/v1/tokens/{body['id']}", headers=new_headers).status_code == 204
    assert api.get("/api/v1/me", headers=new_headers).status_code == 401
    assert api.get("/api/v1/me", headers=headers).status_code == 200


def test_token_of_someone_else_is_404(client, bearer):
    _a, headers_a = bearer()
    b, _headers_b = bearer()
    token_b = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == b.id))
    assert client.delete(f"/api/v1/tokens/{token_b.id}", headers=headers_a).status_code == 404
    assert db.session.get(ApiToken, token_b.id).revoked_at is None


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic abc", "Bearer pb_" + "x" * 43])
def test_bad_tokens_are_401(client, header):
    answer = client.get("/api/v1/me", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"


def test_inactive_user_token_refused(client, bearer):
    user, headers = bearer()
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_hierarchy_api_admin_only(client, bearer):
    _c, coordinator = bearer("coordinator")
    assert client.post("/api/v1/districts", json={"name": "渝中区"}, headers=coordinator).status_code == 404
    assert client.get("/api/v1/districts", headers=coordinator).status_code == 404
    _a, admin = bearer("admin")
    district = client.post("/api/v1/districts", json={"name": "渝中区"}, headers=admin)
    assert district.status_code == 201
    street = client.post(
        "/api/v1/streets", json={"name": "解放碑街道", "parent_id": district.get_json()["id"]}, headers=admin
    ).get_json()
    community = client.post(
        "/api/v1/communities", json={"name": "民生路社区", "parent_id": street["id"]}, headers=admin
    ).get_json()
    grid = client.post("/api/v1/grids", json={"name": "一网格", "parent_id": community["id"]}, headers=admin)
    assert grid.status_code == 201
    dup = client.post("/api/v1/grids", json={"name": "一网格", "parent_id": community["id"]}, headers=admin)
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "duplicate_name"
    orphan = client.post("/api/v1/grids", json={"name": "x", "parent_id": 999999}, headers=admin)
    assert orphan.status_code == 404
    renamed = client.patch(f"/api/v1/grids/{grid.get_json()['id']}", json={"name": "第一网格"}, headers=admin)
    assert renamed.get_json()["name"] == "第一网格"
    busy = client.delete(f"/api/v1/communities/{community['id']}", headers=admin)
    assert busy.status_code == 422 and busy.get_json()["error"]["code"] == "place_in_use"
    tree = client.get("/api/v1/districts", headers=admin).get_json()
    names = [d["name"] for d in tree]
    assert "渝中区" in names


def test_communities_in_scope(client, bearer, make_community):
    make_community()
    coordinator, headers = bearer("coordinator")
    body = client.get("/api/v1/communities", headers=headers).get_json()
    assert [c["id"] for c in body["items"]] == sorted(coordinator.coordinated_community_ids())
    assert body["total"] == 1
    _admin, admin = bearer("admin")
    assert client.get("/api/v1/communities", headers=admin).get_json()["total"] >= 2


def test_role_grants_api(client, bearer, make_community):
    admin, headers = bearer("admin")
    person, _h = bearer("resident")
    community = make_community()
    granted = client.post(
        "/api/v1/role-grants",
        json={"phone": person.phone, "role": "coordinator", "community_id": community.id},
        headers=headers,
    )
    assert granted.status_code == 201
    grant_id = granted.get_json()["id"]
    no_scope = client.post("/api/v1/role-grants", json={"phone": person.phone, "role": "clerk"}, headers=headers)
    assert no_scope.status_code == 400 and no_scope.get_json()["error"]["code"] == "scope_required"
    unknown = client.post("/api/v1/role-grants", json={"phone": "13000000000", "role": "admin"}, headers=headers)
    assert unknown.status_code == 404
    listed = client.get("/api/v1/role-grants", headers=headers).get_json()
    assert listed["total"] == 2
    own = next(g for g in listed["items"] if g["user"]["id"] == admin.id)
    assert client.delete(f"/api/v1/role-grants/{own['id']}", headers=headers).status_code == 422
    assert client.delete(f"/api/v1/role-grants/{grant_id}", headers=headers).status_code == 204
    assert db.session.get(RoleGrant, grant_id) is None
    _r, resident = bearer("resident")
    assert client.get("/api/v1/role-grants", headers=resident).status_code == 404


def test_register_resident_api(client, bearer):
    coordinator, headers = bearer("coordinator")
    community_id = next(iter(coordinator.coordinated_community_ids()))
    answer = client.post(
        f"/api/v1/communities/{community_id}/residents",
        json={"name": "罗天佑", "phone": "13911113333"},
        headers=headers,
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["resident"]["phone"] == "139****3333" and len(body["temporary_password"]) == 8
    again = client.post(
        f"/api/v1/communities/{community_id}/residents",
        json={"name": "罗天佑", "phone": "13911113333"},
        headers=headers,
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate_phone"
    listed = client.get(f"/api/v1/communities/{community_id}/residents", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "罗天佑"


@pytest.mark.parametrize(
    "payload, status, code",
    [
        ({"name": "某人", "phone": "123"}, 400, "invalid_phone"),
        ({"name": "", "phone": "13911113333"}, 400, None),
        ({"phone": "13911113333"}, 400, None),
        ({"name": "某人", "phone": "13911113333", "grid_id": 999999}, 400, "invalid_grid"),
    ],
)
def test_register_resident_bad_input(client, bearer, payload, status, code):
    coordinator, headers = bearer("coordinator")
    before = _count(User)
    answer = client.post(
        f"/api/v1/communities/{next(iter(coordinator.coordinated_community_ids()))}/residents",
        json=payload,
        headers=headers,
    )
    assert answer.status_code == status
    if code:
        assert answer.get_json()["error"]["code"] == code
    assert _count(User) == before


def test_residents_out_of_scope(client, bearer, make_community):
    other = make_community()
    for role in ("coordinator", "resident", "clerk"):
        kwargs = {"station": _station(other)} if role == "clerk" else {}
        _u, headers = bearer(role, **kwargs)
        assert client.get(f"/api/v1/communities/{other.id}/residents", headers=headers).status_code == 404
        answer = client.post(
            f"/api/v1/communities/{other.id}/residents", json={"name": "某人", "phone": "13911114444"}, headers=headers
        )
        assert answer.status_code == 404
    assert db.session.scalar(sa.select(User).where(User.phone == "13911114444")) is None


def _station(community):
    from pointsbank.stations.models import Station

    def work():
        station = Station(community=community, name="测试站点")
        db.session.add(station)
        db.session.flush()
        return station

    return run_in_unit(work)


def test_import_api_all_or_nothing(client, bearer):
    coordinator, headers = bearer("coordinator")
    community_id = next(iter(coordinator.coordinated_community_ids()))
    before = _count(User)
    bad = "姓名,手机号,网格\n王秀英,13911110001,第一网格\n,13911110002,第一网格\n".encode()
    answer = client.post(
        f"/api/v1/communities/{community_id}/resident-imports",
        headers=headers,
        data={"sheet": (io.BytesIO(bad), "r.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "bad_rows" and error["details"]["rows"][0]["row"] == 3
    assert _count(User) == before
    good = "姓名,手机号,网格\n王秀英,13911110001,第一网格\n".encode()
    answer = client.post(
        f"/api/v1/communities/{community_id}/resident-imports",
        headers=headers,
        data={"sheet": (io.BytesIO(good), "r.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201 and answer.get_json()["created"] == 1
    missing = client.post(
        f"/api/v1/communities/{community_id}/resident-imports",
        headers=headers,
        data={},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400


def test_session_write_needs_csrf_header(app, make_user, login):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login(make_user("resident"), client)
    answer = client.post("/api/v1/tokens", json={"name": "x"})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "csrf_failed"
    assert _count(ApiToken) == 0


def test_districts_listed_in_stable_order(client, bearer):
    _a, headers = bearer("admin")
    for name in ("b区", "a区", "c区"):
        client.post("/api/v1/districts", json={"name": name}, headers=headers)
    ids = [d["id"] for d in client.get("/api/v1/districts", headers=headers).get_json()]
    assert ids == sorted(ids) and _count(District) >= 3


def test_password_reset_api(client, bearer):
    coordinator, headers = bearer("coordinator")
    community_id = next(iter(coordinator.coordinated_community_ids()))
    created = client.post(
        f"/api/v1/communities/{community_id}/residents",
        json={"name": "罗天佑", "phone": "13911113333"},
        headers=headers,
    ).get_json()
    resident_id = created["resident"]["id"]
    answer = client.post(f"/api/v1/communities/{community_id}/residents/{resident_id}/password-resets", headers=headers)
    assert answer.status_code == 201
    assert answer.get_json()["temporary_password"] != created["temporary_password"]
    _other, other_headers = bearer("coordinator")
    refused = client.post(
        f"/api/v1/communities/{community_id}/residents/{resident_id}/password-resets", headers=other_headers
    )
    assert refused.status_code == 404
