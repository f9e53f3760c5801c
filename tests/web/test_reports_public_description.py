"""Open311 shows a report's description only after a coordinator published a text; audited each way."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.auth import create_token


def _headers(user) -> dict:
    _t, plain = run_in_unit(lambda: create_token(user, "test"))
    return {"Authorization": f"Bearer {plain}"}


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("report.%published"))))


def test_open311_hides_description_until_published(client, make_community, make_user, make_category, make_report):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    alice = make_user("resident", community=community, name="王秀英")
    report = make_report(alice, make_category(community, "设施损坏"), description="3栋王秀英家门口路灯坏了")
    url = f"/open311/v2/requests/{report.id}.json"
    assert client.get(url).get_json()[0]["description"] == ""
    assert "王秀英" not in client.get("/open311/v2/requests.json").get_data(as_text=True)

    api = f"/api/v1/reports/{report.id}/public-description"
    headers = _headers(coordinator)
    answer = client.put(api, json={"text": "路灯损坏"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["public_description"] == "路灯损坏"
    assert client.get(url).get_json()[0]["description"] == "路灯损坏"
    assert _actions() == ["report.published"]
    client.put(api, json={"text": "路灯损坏"}, headers=headers)  # unchanged: no second entry
    assert _actions() == ["report.published"]

    assert client.put(api, json={"text": None}, headers=headers).status_code == 200
    assert client.get(url).get_json()[0]["description"] == ""
    assert sorted(_actions()) == ["report.published", "report.unpublished"]


def test_only_coordinators_publish(client, make_community, make_user, make_category, make_report):
    community = make_community()
    alice = make_user("resident", community=community)
    report = make_report(alice, make_category(community, "设施损坏"))
    api = f"/api/v1/reports/{report.id}/public-description"
    assert client.put(api, json={"text": "x"}, headers=_headers(alice)).status_code == 404  # the reporter
    outsider = make_user("coordinator")
    assert client.put(api, json={"text": "x"}, headers=_headers(outsider)).status_code == 404
    bad = client.put(api, json={"text": ""}, headers=_headers(make_user("coordinator", community=community)))
    assert bad.status_code == 400
    assert _actions() == [] and db.session.get(type(report), report.id).public_description is None


def test_detail_page_publishes_and_unpublishes(client, login, make_community, make_user, make_category, make_report):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    report = make_report(make_user("resident", community=community), make_category(community, "设施损坏"))
    login(coordinator)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Open311" in page and f"/reports/{report.id}/public-description" in page
    done = client.post(f"/reports/{report.id}/public-description", data={"note": "路灯损坏"}, follow_redirects=True)
    assert done.status_code == 200
    assert client.get(f"/open311/v2/requests/{report.id}.json").get_json()[0]["description"] == "路灯损坏"
    client.post(f"/reports/{report.id}/public-description", data={"note": "", "unpublish": "1"})
    assert client.get(f"/open311/v2/requests/{report.id}.json").get_json()[0]["description"] == ""
    assert sorted(_actions()) == ["report.published", "report.unpublished"]
