"""Adversarial checks on earning: typed codes and ticked ids made of odd digits get a clean answer."""

from __future__ import annotations

import pytest

from pointsbank.activities import service as activities
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.models import User


@pytest.fixture
def activity_world(app, login, make_community, make_user, make_activity):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="活动协调员")
    volunteer = make_user("resident", community=community, name="李志愿")
    activity = make_activity(community, coordinator)
    run_in_unit(lambda: activities.sign_up(db.session.get(User, volunteer.id), db.session.merge(activity)))
    return login(coordinator, app.test_client()), activity


@pytest.mark.parametrize("code", ["²²²²²²", "١٢٣٤٥٦"])
def test_typed_volunteer_code_with_odd_digits_is_refused(activity_world, code):
    client, activity = activity_world
    response = client.post(f"/api/v1/activities/{activity.id}/check-ins", json={"code": code})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("ids", [["²"], ["99999999999999999999"]])
def test_bulk_approval_page_with_odd_ids_is_not_a_server_error(app, login, make_community, make_user, ids):
    community = make_community()
    client = login(make_user("coordinator", community=community), app.test_client())
    response = client.post("/rules/approvals", data={"ids": ids})
    assert response.status_code == 302


@pytest.fixture
def award_world(app, login, make_community, make_user, make_rule):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="网格员")
    resident = make_user("resident", community=community, name="王秀英")
    return login(coordinator, app.test_client()), coordinator, resident, community


def _balance(user) -> int:
    from pointsbank.ledger import service as ledger

    db.session.expire_all()
    return ledger.balance(ledger.find_resident_account(user)).balance


@pytest.mark.parametrize("needs_approval", [False, True])
def test_award_key_reused_with_another_quantity_or_note_is_refused(award_world, make_rule, needs_approval):
    client, coordinator, resident, community = award_world
    rule = make_rule(community, coordinator, points=10, unit="occurrence", needs_approval=needs_approval)
    url, key = f"/api/v1/rules/{rule.id}/awards", {"Idempotency-Key": "award-1"}
    first = client.post(url, json={"resident_id": resident.id, "note": "扫楼道"}, headers=key)
    assert first.status_code == 201
    replay = client.post(url, json={"resident_id": resident.id, "note": "扫楼道"}, headers=key)
    assert replay.status_code == 201 and replay.get_json() == first.get_json()
    for changed in ({"quantity": 3, "note": "扫楼道"}, {"note": "另一件事"}):
        response = client.post(url, json={"resident_id": resident.id, **changed}, headers=key)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "idempotency_conflict"
    assert _balance(resident) == (0 if needs_approval else 10)


@pytest.mark.parametrize("values", [{"points": 10.7}, {"points": "10"}, {"points": 10, "cap_day": 2.5}])
def test_rule_points_and_caps_are_whole_numbers_not_truncated(award_world, values):
    import sqlalchemy as sa

    from pointsbank.rules.models import Rule

    client, _, _, community = award_world
    body = {"community_id": community.id, "category": "志愿服务", "title": "楼道清扫", **values}
    response = client.post("/api/v1/rules", json=body)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rule)) == 0


@pytest.mark.parametrize("quantity", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_award_page_with_a_non_number_quantity_is_a_form_message(award_world, make_rule, quantity):
    client, coordinator, resident, community = award_world
    rule = make_rule(community, coordinator, points=10, unit="hour")
    data = {"phone": resident.phone, "quantity": quantity, "note": "", "nonce": "n1"}
    response = client.post(f"/rules/{rule.id}/award", data=data)
    assert response.status_code == 400
    assert _balance(resident) == 0


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "Infinity"])
def test_attendance_correction_with_a_non_number_is_a_form_message(app, login, activity_world, hours):
    client, activity = activity_world
    signup = db.session.scalar(sa_select_signup(activity.id))
    response = client.post(f"/activities/{activity.id}/signups/{signup.id}", data={"attended": "y", "hours": hours})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(signup), signup.id).hours is None


def sa_select_signup(activity_id: int):
    import sqlalchemy as sa

    from pointsbank.activities.models import Signup

    return sa.select(Signup).where(Signup.activity_id == activity_id)
