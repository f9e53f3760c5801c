"""Open311 GeoReport v2: services, requests (filters, POST with api_key), one request; JSON and XML layouts."""

from __future__ import annotations

from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.auth import create_token
from pointsbank.reports import open311
from pointsbank.reports.models import Report


@pytest.fixture
def world(make_community, make_user, make_category, make_report):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    category = make_category(community, "设施损坏")
    noise = make_category(community, "噪音扰民")
    alice = make_user("resident", community=community, name="王秀英")
    report = make_report(alice, category, lat=29.561234, lon=106.452111, building="3栋")
    return SimpleNamespace(
        community=community, coordinator=coordinator, category=category, noise=noise, alice=alice, report=report
    )


def _xml(answer) -> ET.Element:
    assert answer.mimetype == "text/xml"
    assert answer.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(answer.data)


def test_services_json_and_xml(client, world):
    services = client.get("/open311/v2/services.json").get_json()
    assert [s["service_name"] for s in services] == ["设施损坏", "噪音扰民"]
    assert set(services[0]) == set(open311.SERVICE_FIELDS)
    assert services[0]["service_code"] == str(world.category.id) and services[0]["metadata"] is False
    root = _xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    first = root.findall("service")[0]
    assert [child.tag for child in first] == list(open311.SERVICE_FIELDS)
    assert first.findtext("service_name") == "设施损坏" and first.findtext("metadata") == "false"
    assert first.findtext("type") == "realtime"


def test_service_definition(client, world):
    body = client.get(f"/open311/v2/services/{world.category.id}.json").get_json()
    assert body == {"service_code": str(world.category.id), "attributes": []}
    root = _xml(client.get(f"/open311/v2/services/{world.category.id}.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == str(world.category.id)
    missing = client.get("/open311/v2/services/999999.json")
    assert missing.status_code == 404
    assert (
        missing.get_json() == [{"code": 404, "description": "Unknown service_code."}]
        or missing.get_json()[0]["code"] == 404
    )


def test_requests_carry_no_personal_data(client, world):
    rows = client.get("/open311/v2/requests.json").get_json()
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == list(open311.REQUEST_FIELDS)
    assert row["service_request_id"] == str(world.report.id) and row["status"] == "open"
    assert row["lat"] == 29.561 and row["long"] == 106.452  # rounded to about 100 m
    assert row["requested_datetime"].endswith("+08:00")
    text = client.get("/open311/v2/requests.json").get_data(as_text=True)
    assert "王秀英" not in text and world.alice.phone not in text and "/reports/photos" not in text


def test_requests_xml_layout(client, world):
    root = _xml(client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == list(open311.REQUEST_FIELDS)
    assert request.findtext("service_request_id") == str(world.report.id)
    assert request.findtext("status") == "open"
    assert request.findtext("service_name") == "设施损坏"
    assert request.findtext("lat") == "29.561" and request.findtext("long") == "106.452"
    one = _xml(client.get(f"/open311/v2/requests/{world.report.id}.xml"))
    assert one.tag == "service_requests" and len(one.findall("request")) == 1


def test_request_filters(client, world, make_report, make_user):
    noisy = make_report(world.alice, world.noise, description="楼上每天夜里装修")

    def close_it():
        db.session.get(Report, noisy.id).status = "rejected"

    run_in_unit(close_it)
    ids = lambda url: [r["service_request_id"] for r in client.get(url).get_json()]
    assert ids(f"/open311/v2/requests.json?service_code={world.noise.id}") == [str(noisy.id)]
    assert ids("/open311/v2/requests.json?status=open") == [str(world.report.id)]
    assert ids("/open311/v2/requests.json?status=closed") == [str(noisy.id)]
    assert len(ids("/open311/v2/requests.json?status=open,closed")) == 2
    assert ids(f"/open311/v2/requests.json?service_request_id={world.report.id},{noisy.id}") == [
        str(noisy.id),
        str(world.report.id),
    ]
    assert ids("/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z") == []
    assert len(ids("/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z")) == 2
    assert ids(f"/open311/v2/requests.json?jurisdiction_id={world.community.id}&status=open") == [str(world.report.id)]
    bad = client.get("/open311/v2/requests.json?status=pending")
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400
    bad_xml = client.get("/open311/v2/requests.xml?start_date=yesterday")
    assert bad_xml.status_code == 400
    root = _xml(bad_xml)
    assert root.tag == "errors" and root.find("error").findtext("code") == "400"


def test_one_request_json_and_missing(client, world):
    rows = client.get(f"/open311/v2/requests/{world.report.id}.json").get_json()
    assert len(rows) == 1 and rows[0]["service_request_id"] == str(world.report.id)
    missing = client.get("/open311/v2/requests/424242.xml")
    assert missing.status_code == 404
    assert _xml(missing).find("error").findtext("code") == "404"


def test_post_request_with_api_key(client, world):
    token_plain = run_in_unit(lambda: create_token(world.alice, "open311 app"))[1]
    form = {
        "api_key": token_plain,
        "service_code": str(world.noise.id),
        "lat": "29.56",
        "long": "106.45",
        "description": "夜里11点还有广场舞音响",
        "address_string": "中心广场",
    }
    answer = client.post("/open311/v2/requests.json", data=form)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    report = db.session.get(Report, int(body[0]["service_request_id"]))
    assert report.reporter_id == world.alice.id and report.place == "中心广场" and report.photos == []
    xml = client.post("/open311/v2/requests.xml", data={**form, "description": "又一次广场舞音响扰民"})
    root = _xml(xml)
    assert root.tag == "service_requests" and root.find("request").findtext("service_request_id")


def test_post_request_errors_in_spec_format(client, world):
    form = {
        "api_key": "pb_wrong",
        "service_code": str(world.noise.id),
        "lat": "29.56",
        "long": "106.45",
        "description": "夜里11点还有广场舞音响",
    }
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Report))
    denied = client.post("/open311/v2/requests.json", data=form)
    assert denied.status_code == 403 and denied.get_json() == [{"code": 403, "description": "Invalid api_key."}]
    root = _xml(client.post("/open311/v2/requests.xml", data=form))
    assert root.find("error").findtext("code") == "403"
    token_plain = run_in_unit(lambda: create_token(world.alice, "open311 app"))[1]
    no_place = client.post("/open311/v2/requests.json", data={**form, "api_key": token_plain, "lat": "", "long": ""})
    assert no_place.status_code == 400
    missing = client.post("/open311/v2/requests.json", data={"api_key": token_plain})
    assert missing.status_code == 400 and missing.get_json()[0]["code"] == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == before
