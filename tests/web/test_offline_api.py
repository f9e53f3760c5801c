"""Offline API over HTTP: enrol, list, revoke a phone; download a signed list; sync idempotently; the overview."""

from __future__ import annotations

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.offline import keys
from pointsbank.offline.models import PayDevice


def _csrf_off(app):
    app.config["WTF_CSRF_ENABLED"] = False


def test_enrol_list_revoke(app, client, login, counter_setup):
    _csrf_off(app)
    s = counter_setup()
    login(s.resident)
    answer = client.post("/api/v1/devices", json={"label": "我的手机"})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert len(body["secret"]) == 64 and body["step_seconds"] == 60 and body["digits"] == 8
    listed = client.get("/api/v1/devices").get_json()["items"]
    assert [d["id"] for d in listed] == [body["id"]] and "secret" not in listed[0]
    assert client.delete(f"/api/v1/devices/{body['id']}").status_code == 200
    assert client.get("/api/v1/devices").get_json()["items"] == []
    assert client.delete("/api/v1/devices/999999").status_code == 404


def test_bundle_and_sync_over_http(app, client, login, counter_setup):
    _csrf_off(app)
    s = counter_setup(points=500)
    login(s.resident)
    device_id = client.post("/api/v1/devices", json={}).get_json()["id"]
    login(s.clerk)
    bundle = client.post(f"/api/v1/stations/{s.station.id}/offline-bundles")
    assert bundle.status_code == 201
    bundle = bundle.get_json()
    assert keys.verify(bundle["body"], bundle["signature"])
    assert client.get("/api/v1/offline/public-key").get_json()["public_key"] == bundle["public_key"]
    secret = db.session.get(PayDevice, device_id).secret
    step = keys.step_of(utcnow())
    record = {
        "key": "q-1",
        "device_id": device_id,
        "step": step,
        "otp": keys.device_code(secret, step),
        "lines": [{"item_id": s.haircut.id, "qty": 1}],
        "confirmed_at": utcnow().isoformat(),
    }
    url = f"/api/v1/stations/{s.station.id}/offline-sync"
    payload = {"bundle_id": bundle["body"]["bundle_id"], "confirmations": [record]}
    first = client.post(url, json=payload).get_json()["results"]
    second = client.post(url, json=payload).get_json()["results"]
    assert first == second and first[0]["outcome"] == "posted" and first[0]["posted"] == 50
    changed = {**payload, "confirmations": [{**record, "lines": [{"item_id": s.haircut.id, "qty": 2}]}]}
    assert client.post(url, json=changed).get_json()["results"][0]["reason"] == "idempotency_conflict"
    bad = {**payload, "confirmations": [{**record, "otp": "12"}]}
    assert client.post(url, json=bad).status_code == 400
    assert client.post(url, json={"bundle_id": 999999, "confirmations": [{**record, "key": "q-2"}]}).status_code == 404


def test_overview_is_for_coordinators(app, client, login, counter_setup, make_user):
    s = counter_setup()
    login(s.resident)
    assert client.get(f"/api/v1/communities/{s.community.id}/offline").status_code == 404
    coordinator = make_user("coordinator", community=s.community)
    login(coordinator)
    rows = client.get(f"/api/v1/communities/{s.community.id}/offline").get_json()["stations"]
    assert rows[0]["station_id"] == s.station.id and rows[0]["at_risk"] == 0
    assert client.get(f"/offline/overview/{s.community.id}").status_code == 200


def test_offline_pages_render(app, client, login, counter_setup):
    s = counter_setup()
    login(s.resident)
    for url in ("/offline/pay", "/offline/devices", "/offline/sw.js"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/offline/counter/{s.station.id}").status_code == 404
    login(s.clerk)
    page = client.get(f"/offline/counter/{s.station.id}")
    assert page.status_code == 200 and b"data-public-key" in page.data


def test_a_coordinator_removes_a_residents_lost_phone(app, client, login, counter_setup, make_user):
    _csrf_off(app)
    s = counter_setup()
    login(s.resident)
    device_id = client.post("/api/v1/devices", json={"label": "旧手机"}).get_json()["id"]
    assert b"/offline/pay" in client.get("/stations/pay").data and b"/offline/devices" in client.get("/me").data
    coordinator = make_user("coordinator", community=s.community)
    login(coordinator)
    page = client.get(f"/offline/overview/{s.community.id}").get_data(as_text=True)
    assert "旧手机" in page and s.resident.masked_name in page
    answer = client.post(f"/offline/devices/{device_id}/revoke", data={"back_to_community": s.community.id})
    assert answer.status_code == 302 and answer.location.endswith(f"/offline/overview/{s.community.id}")
    assert db.session.get(PayDevice, device_id).revoked_at is not None
    other = make_user("coordinator")
    login(other)
    assert client.delete(f"/api/v1/devices/{device_id}").status_code == 404
    login(s.clerk)
    assert b"/offline/counter/" in client.get(f"/stations/{s.station.id}/scan").data
