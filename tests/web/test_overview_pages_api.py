"""Street and district dashboards: scope (404 elsewhere, pages and API) and figures equal to the coordinator's."""

from __future__ import annotations

import pytest

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.insights import dashboard as coordinator_dashboard
from pointsbank.people.service import get_or_create_community, grant_role


@pytest.fixture
def streets(app, make_user, award_points):
    def work():
        one = [get_or_create_community("测区", "东街道", f"东{i}社区") for i in range(3)]
        two = [get_or_create_community("测区", "西街道", f"西{i}社区") for i in range(3)]
        return one, two

    one, two = run_in_unit(work)
    for i, community in enumerate(one + two):
        for n in range(i % 3 + 1):
            award_points(make_user(community=community), 5 + i + n)
    return one, two


def _officer(make_user, role, **where):
    user = make_user("resident")
    run_in_unit(lambda: grant_role(user, role, **where))
    return user


def test_street_officer_gets_404_for_the_other_street_on_pages_and_api(client, login, make_user, streets):
    one, two = streets
    login(_officer(make_user, "street_officer", street=one[0].street))
    assert client.get(f"/api/v1/streets/{one[0].street_id}/dashboard").status_code == 200
    assert client.get(f"/api/v1/streets/{two[0].street_id}/dashboard").status_code == 404
    assert client.get(f"/api/v1/districts/{one[0].street.district_id}/dashboard").status_code == 404
    assert client.get(f"/api/v1/communities/{one[1].id}/dashboard").status_code == 200
    assert client.get(f"/api/v1/communities/{two[1].id}/dashboard").status_code == 404
    assert client.get(f"/insights/streets/{one[0].street_id}/").status_code == 200
    assert client.get(f"/insights/streets/{two[0].street_id}/").status_code == 404
    assert client.get(f"/insights/districts/{one[0].street.district_id}/").status_code == 404
    assert client.get(f"/insights/communities/{one[1].id}/dashboard").status_code == 200
    assert client.get(f"/insights/communities/{two[1].id}/dashboard").status_code == 404


def test_coordinator_and_resident_get_404_for_street_and_district(client, login, make_user, streets):
    one, _ = streets
    login(make_user("coordinator", community=one[0]))
    assert client.get(f"/api/v1/streets/{one[0].street_id}/dashboard").status_code == 404
    assert client.get(f"/insights/streets/{one[0].street_id}/").status_code == 404
    assert client.get(f"/api/v1/districts/{one[0].street.district_id}/dashboard").status_code == 404


def test_figures_equal_the_coordinator_dashboard_per_community(client, login, make_user, streets):
    one, two = streets
    login(_officer(make_user, "district_officer", district=one[0].street.district))
    body = client.get(f"/api/v1/districts/{one[0].street.district_id}/dashboard?weeks=1").get_json()
    assert [c["community_id"] for c in body["communities"]] == sorted(c.id for c in one + two)
    for row in body["communities"]:
        week = coordinator_dashboard.dashboard(row["community_id"])["week"]
        assert {k: row["totals"][k] for k in week["points"]} == week["points"]
        assert row["totals"]["active_residents"] == week["active_residents"]
        assert row["weekly"][-1]["issued"] == week["points"]["issued"] > 0
    assert [s["street_id"] for s in body["streets"]] == sorted({one[0].street_id, two[0].street_id})
    page = client.get(f"/insights/districts/{one[0].street.district_id}/").get_data(as_text=True)
    for street_id in (one[0].street_id, two[0].street_id):
        assert f"/insights/streets/{street_id}/liability" in page
    assert client.get(f"/api/v1/districts/{one[0].street.district_id}/dashboard?weeks=0").status_code == 400
    db.session.remove()
