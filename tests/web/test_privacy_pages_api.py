"""Privacy pages and API: the notice gate, certificate print and public check, export, erasure, hours export."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from pointsbank.activities import registry
from pointsbank.audit.models import AuditEntry
from pointsbank.extensions import db
from pointsbank.people.models import User


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.app_config(PB_PRIVACY_CONSENT=True)
def test_notice_is_shown_first_and_again_for_a_new_version(privacy_world, client, login, app):
    login(privacy_world.resident)
    first = client.get("/privacy/")
    assert first.status_code == 302 and "/privacy/notice" in first.headers["Location"]
    page = client.get("/privacy/notice")
    assert "个人信息保护告知书" in page.get_data(as_text=True)
    assert client.post("/privacy/notice?next=/privacy/").headers["Location"].endswith("/privacy/")
    assert client.get("/privacy/").status_code == 200
    app.config["PB_PRIVACY_NOTICE_VERSION"] = "2099-01"
    assert "/privacy/notice" in client.get("/privacy/").headers["Location"]
    assert client.get("/api/v1/privacy/notice").get_json()["consented"] is False
    assert client.post("/api/v1/privacy/consents").status_code == 201
    assert client.get("/privacy/").status_code == 200


@pytest.mark.parametrize("lang, words", [("zh", "志愿服务证明"), ("en", "Certificate of volunteer service")])
def test_certificate_prints_and_its_qr_opens_a_public_masked_check(privacy_world, client, login, lang, words):
    login(privacy_world.resident)
    issued = client.post(f"/privacy/people/{privacy_world.resident.id}/certificates?lang={lang}")
    assert issued.status_code == 302
    url = issued.headers["Location"]
    token = url.rsplit("/", 1)[-1]
    page = client.get(f"{url}?lang={lang}").get_data(as_text=True)
    assert words in page and "data:image/svg+xml" in page and "张三丰" in page
    anonymous = privacy_world_client(client)
    check = anonymous.get(f"/verify/{token}?lang={lang}")
    body = check.get_data(as_text=True)
    assert check.status_code == 200 and "张*丰" in body and "张三丰" not in body
    assert privacy_world.resident.phone not in body
    assert anonymous.get(f"/verify/{token[:-3]}xyz").status_code == 404
    api = anonymous.get(f"/api/v1/certificates/{token}/verification").get_json()
    assert api["genuine"] and api["name"] == "张*丰" and api["hours"] == 2.0
    assert anonymous.get("/api/v1/certificates/1/verification").status_code == 404


def privacy_world_client(client):
    with client.session_transaction() as session:
        session.clear()
    return client


def test_resident_export_zip_and_coordinator_export_on_request_is_audited(privacy_world, client, login):
    w = privacy_world
    login(w.resident)
    mine = client.get(f"/api/v1/users/{w.resident.id}/export")
    assert mine.status_code == 200 and mine.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(mine.data)) as zf:
        assert {"data.json", "index.html"} <= set(zf.namelist())
    assert client.get(f"/api/v1/users/{w.other.id}/export").status_code == 404
    login(w.coordinator)
    page = client.post(f"/privacy/people/{w.resident.id}/export")
    assert page.status_code == 200 and page.mimetype == "application/zip"
    assert actions().count("privacy.exported") == 2


def test_erasure_through_the_api_ends_login_and_keeps_the_ledger(privacy_world, client, login, app):
    w = privacy_world
    login(w.resident)
    req = client.post(f"/api/v1/users/{w.resident.id}/erasure-requests").get_json()
    assert req["status"] == "requested"
    assert client.post(f"/api/v1/erasure-requests/{req['id']}/approval", json={"reason": "x"}).status_code == 404
    login(w.coordinator, c=(coord := app.test_client()))
    listed = coord.get(f"/api/v1/communities/{w.community.id}/erasure-requests").get_json()
    assert [r["id"] for r in listed] == [req["id"]]
    assert coord.post(f"/api/v1/erasure-requests/{req['id']}/approval", json={}).status_code == 400
    done = coord.post(f"/api/v1/erasure-requests/{req['id']}/approval", json={"reason": "本人申请"})
    assert done.status_code == 200 and done.get_json()["pseudonym"].startswith("已注销居民 #")
    assert coord.post(f"/api/v1/erasure-requests/{req['id']}/approval", json={"reason": "again"}).status_code == 409
    # The old session no longer works and the password does not log in.
    assert client.get("/privacy/").status_code == 302
    db.session.expire_all()
    phone = "x" + f"{w.resident.id:010d}"
    assert db.session.get(User, w.resident.id).phone == phone
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0
    assert {"privacy.erasure_requested", "privacy.erased"} <= set(actions())


def test_coordinator_hours_export_xlsx_and_csv_full_phones_audited(privacy_world, client, login):
    w = privacy_world
    login(w.coordinator)
    desk = client.get(f"/privacy/communities/{w.community.id}?lang=en")
    assert desk.status_code == 200 and "Hours export" in desk.get_data(as_text=True)
    xlsx = client.get(f"/api/v1/communities/{w.community.id}/service-hours/export?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0] == registry.HEADERS and len(rows) == 3
    csv = client.get(f"/privacy/communities/{w.community.id}/hours.csv?phones=full")
    assert csv.data.startswith(b"\xef\xbb\xbf") and w.resident.phone in csv.data.decode("utf-8-sig")
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "privacy.hours_exported")).all()
    assert [e.details["full_phones"] for e in entry] == [False, True]
    bad = client.get(f"/api/v1/communities/{w.community.id}/service-hours/export?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 400
    login(w.resident)
    assert client.get(f"/api/v1/communities/{w.community.id}/service-hours/export").status_code == 404
    assert client.get(f"/privacy/communities/{w.community.id}/hours.xlsx").status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_my_privacy_page_shows_hours_in_both_languages(privacy_world, client, login, lang):
    login(privacy_world.resident)
    body = client.get(f"/privacy/?lang={lang}").get_data(as_text=True)
    assert "楼道清扫" in body and "陈渝" in body
    assert ("志愿服务时长" if lang == "zh" else "Volunteer service hours") in body
    hours = client.get(f"/api/v1/users/{privacy_world.resident.id}/service-hours").get_json()
    assert hours["total_hours"] == 2.0 and hours["records"][0]["confirmed_by"] == "陈渝"
