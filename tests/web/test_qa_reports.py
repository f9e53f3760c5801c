"""Adversarial checks on reports and Open311: odd digits and calendar edges get a clean 4xx, never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.reports.models import Report, ReportCategory

SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() says no


@pytest.mark.parametrize(
    "url,status",
    [
        (f"/open311/v2/services.json?jurisdiction_id={SUPERSCRIPT_TWO}", 404),
        (f"/open311/v2/services/{SUPERSCRIPT_TWO}.json", 404),
        (f"/open311/v2/requests.json?service_request_id={SUPERSCRIPT_TWO}", 400),
        (f"/open311/v2/requests/{SUPERSCRIPT_TWO}.json", 404),
        (f"/open311/v2/requests/{SUPERSCRIPT_TWO}.xml", 404),
        ("/open311/v2/requests.json?start_date=0001-01-01T00:00:00", 400),
        ("/open311/v2/requests.json?start_date=0001-01-01", 400),
        ("/open311/v2/requests.json?end_date=9999-12-31T23:59:59-12:00", 400),
    ],
)
def test_open311_odd_arguments_are_4xx(app, url, status):
    response = app.test_client().get(url)
    assert response.status_code == status, response.data[:200]


def test_open311_far_dates_with_an_offset_still_work(app):
    response = app.test_client().get("/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z")
    assert response.status_code == 200 and response.get_json() == []


@pytest.fixture
def triage(app, login, make_user, make_community, make_category, make_report_rule, make_report):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="网格员")
    resident = make_user("resident", community=community, name="王秀英")
    category = make_category(community, rule=make_report_rule(coordinator, community, points=5))
    report = make_report(resident, category)
    return login(coordinator, app.test_client()), community, report


def test_bulk_assign_page_ignores_odd_digits(triage):
    client, _, report = triage
    response = client.post("/reports/triage/assign", data={"report_id": ["²", str(report.id)], "department": "物业"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, report.id).status in ("submitted", "assigned")


def test_category_form_refuses_odd_digits(triage):
    client, community, _ = triage
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ReportCategory))
    response = client.post(
        "/reports/categories",
        data={"community_id": str(community.id), "name": "高空抛物", "time_limit_hours": "²", "rule_id": "²"},
    )
    assert response.status_code in (302, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportCategory)) == before


@pytest.fixture
def o311(app, make_community, make_user, make_category):
    from pointsbank.db import run_in_unit
    from pointsbank.people.auth import create_token

    home, elsewhere = make_community(), make_community()
    resident = make_user("resident", community=home, name="王秀英")
    token = run_in_unit(lambda: create_token(resident, "open311 app"))
    form = {
        "api_key": token[1],
        "service_code": str(make_category(home, "噪音扰民").id),
        "lat": "29.56",
        "long": "106.45",
        "description": "夜里11点还有广场舞音响",
    }
    return app.test_client(), form, token[0], make_category(elsewhere, "设施损坏")


def reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


def test_open311_post_with_a_revoked_api_key_is_refused(o311):
    from pointsbank.db import run_in_unit, utcnow
    from pointsbank.people.models import ApiToken

    client, form, token, _ = o311
    assert client.post("/open311/v2/requests.json", data=form).status_code == 200
    run_in_unit(lambda: setattr(db.session.get(ApiToken, token.id), "revoked_at", utcnow()))
    before = reports()
    answer = client.post("/open311/v2/requests.json", data={**form, "description": "又一次广场舞音响扰民"})
    assert answer.status_code == 403 and answer.get_json()[0]["code"] == 403
    assert reports() == before


@pytest.mark.parametrize("change", [{"lat": "nan"}, {"long": "inf"}, {"lat": "1e308"}, {"service_code": "²"}])
def test_open311_post_with_odd_values_is_refused(o311, change):
    client, form, _, _ = o311
    before = reports()
    answer = client.post("/open311/v2/requests.json", data={**form, **change})
    assert 400 <= answer.status_code < 500
    assert reports() == before


def test_open311_post_to_another_communitys_service_is_refused(o311):
    client, form, _, foreign = o311
    before = reports()
    answer = client.post("/open311/v2/requests.json", data={**form, "service_code": str(foreign.id)})
    assert 400 <= answer.status_code < 500
    assert reports() == before


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52"])
def test_hot_topics_at_the_ends_of_the_calendar_is_a_clean_answer(triage, week):
    client, _, _ = triage
    response = client.get(f"/api/v1/reports/hot-topics?week={week}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_week"
    assert client.get(f"/reports/hot-topics?week={week}").status_code < 500
