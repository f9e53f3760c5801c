"""Officers appoint and take back coordinators below their street or district; admins grant officer roles."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.auth import create_token
from pointsbank.people.models import Community, RoleGrant, User
from pointsbank.people.service import get_or_create_community, grant_role


@pytest.fixture
def places(app):
    def work():
        a = [get_or_create_community("甲区", "一街道", f"一{i}社区") for i in range(2)]
        b = [get_or_create_community("甲区", "二街道", "二0社区")]
        return [c.id for c in a], [c.id for c in b]

    return run_in_unit(work)


def _with_token(user) -> dict:
    _token, plain = run_in_unit(lambda: create_token(user, "test"))
    return {"Authorization": f"Bearer {plain}"}


def _officer(make_user, role, community_id):
    user = make_user("resident")

    def work():
        street = db.session.get(Community, community_id).street
        where = {"street": street} if role == "street_officer" else {"district": street.district}
        grant_role(db.session.merge(user), role, **where)

    run_in_unit(work)
    return db.session.merge(user)


def _coordinators(community_id: int) -> set[int]:
    rows = db.session.scalars(
        sa.select(RoleGrant.user_id).where(RoleGrant.role == "coordinator", RoleGrant.community_id == community_id)
    )
    return set(rows)


def test_street_officer_appoints_lists_and_takes_back_over_the_api(app, client, make_user, places):
    a, b = places
    officer = _officer(make_user, "street_officer", a[0])
    headers = _with_token(officer)
    person = make_user("resident")
    made = client.post(f"/api/v1/communities/{a[1]}/coordinators", json={"phone": person.phone}, headers=headers)
    assert made.status_code == 201, made.get_json()
    grant = made.get_json()
    assert grant["role"] == "coordinator" and grant["community_id"] == a[1] and "****" in grant["user"]["phone"]
    again = client.post(f"/api/v1/communities/{a[1]}/coordinators", json={"phone": person.phone}, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] == grant["id"]  # idempotent
    listed = client.get(f"/api/v1/communities/{a[1]}/coordinators", headers=headers)
    assert [g["id"] for g in listed.get_json()] == [grant["id"]]
    assert _coordinators(a[1]) == {person.id}
    gone = client.delete(f"/api/v1/communities/{a[1]}/coordinators/{grant['id']}", headers=headers)
    assert gone.status_code == 204
    assert _coordinators(a[1]) == set()
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_id == officer.id)).all()
    assert sorted(actions) == ["role.granted", "role.revoked"]


def test_outside_the_street_and_other_roles_get_404(app, client, make_user, places):
    a, b = places
    headers = _with_token(_officer(make_user, "street_officer", a[0]))
    person = make_user("resident")
    outside = make_user("coordinator", community=db.session.get(Community, b[0]))
    for answer in (
        client.get(f"/api/v1/communities/{b[0]}/coordinators", headers=headers),
        client.post(f"/api/v1/communities/{b[0]}/coordinators", json={"phone": person.phone}, headers=headers),
        client.delete(f"/api/v1/communities/{b[0]}/coordinators/{outside.grants[0].id}", headers=headers),
        # a grant of another community through this community's address
        client.delete(f"/api/v1/communities/{a[0]}/coordinators/{outside.grants[0].id}", headers=headers),
    ):
        assert answer.status_code == 404, answer.get_json()
    assert _coordinators(b[0]) == {outside.id}
    # a coordinator does not appoint coordinators, not even in their own community
    own = _with_token(outside)
    made = client.post(f"/api/v1/communities/{b[0]}/coordinators", json={"phone": person.phone}, headers=own)
    assert made.status_code == 404
    unknown = client.post(f"/api/v1/communities/{a[0]}/coordinators", json={"phone": "13012345678"}, headers=headers)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "user_not_found"
    bad = client.post(f"/api/v1/communities/{a[0]}/coordinators", json={}, headers=headers)
    assert bad.status_code in (400, 422)


def test_district_officer_manages_every_street_of_the_district(app, client, make_user, places):
    a, b = places
    headers = _with_token(_officer(make_user, "district_officer", a[0]))
    person = make_user("resident")
    made = client.post(f"/api/v1/communities/{b[0]}/coordinators", json={"phone": person.phone}, headers=headers)
    assert made.status_code == 201
    assert person.id in _coordinators(b[0])


def test_the_page_lists_communities_appoints_and_takes_back(app, client, make_user, places, login):
    a, b = places
    officer = _officer(make_user, "street_officer", a[0])
    login(officer)
    page = client.get("/officers/coordinators")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "一0社区" in html and "一1社区" in html and "二0社区" not in html
    person = make_user("resident")
    done = client.post("/officers/coordinators", data={"phone": person.phone, "community_id": a[0]})
    assert done.status_code == 302
    assert _coordinators(a[0]) == {person.id}
    html = client.get("/officers/coordinators").get_data(as_text=True)
    assert person.name in html and person.phone not in html  # masked
    wrong = client.post("/officers/coordinators", data={"phone": person.phone, "community_id": b[0]})
    assert wrong.status_code == 400  # not a choice of this officer
    unknown = client.post("/officers/coordinators", data={"phone": "13012345678", "community_id": a[0]})
    assert unknown.status_code == 400 and "⚠" in unknown.get_data(as_text=True)
    grant_id = db.session.scalar(sa.select(RoleGrant.id).where(RoleGrant.user_id == person.id))
    assert client.post(f"/officers/coordinators/{grant_id}/revoke").status_code == 302
    assert _coordinators(a[0]) == set()
    me = client.get("/me").get_data(as_text=True)
    assert "/officers/coordinators" in me and ">insights_overview<" not in me and ">exports<" not in me


def test_the_page_is_404_for_a_coordinator_or_resident(app, client, make_user, login, places):
    a, _b = places
    for role in ("resident", "coordinator"):
        c = app.test_client()
        login(make_user(role), c)
        assert c.get("/officers/coordinators").status_code == 404


def test_admin_grants_street_and_district_officer_roles(app, client, make_user, places, login):
    a, b = places

    street_id = db.session.get(Community, a[0]).street_id
    district_id = db.session.get(Community, a[0]).street.district_id
    headers = _with_token(make_user("admin"))
    person = make_user("resident")
    made = client.post(
        "/api/v1/role-grants",
        json={"phone": person.phone, "role": "street_officer", "street_id": street_id},
        headers=headers,
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["street_id"] == street_id
    no_place = {"phone": person.phone, "role": "district_officer"}
    missing = client.post("/api/v1/role-grants", json=no_place, headers=headers)
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "scope_required"
    admin = make_user("admin")
    login(admin)
    page = client.post(
        "/admin/roles", data={"phone": person.phone, "role": "district_officer", "district_id": district_id}
    )
    assert page.status_code == 302
    roles = {(g.role, g.street_id, g.district_id) for g in db.session.get(User, person.id).grants}
    assert roles == {("street_officer", street_id, None), ("district_officer", None, district_id)}
    html = client.get("/admin/roles").get_data(as_text=True)
    assert "一街道" in html and "甲区" in html
