"""Reports API: filing with photos (bad uploads refused, nothing saved), scope, status flow, notices, hot topics."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from PIL import Image

from pointsbank.extensions import db
from pointsbank.reports.models import Report, ReportPhoto
from tests.factories.reports import photo_bytes


@pytest.fixture
def world(make_community, make_user, make_report_rule, make_category):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    rule = make_report_rule(coordinator, community, points=5)
    category = make_category(community, "设施损坏", rule=rule)
    alice = make_user("resident", community=community, name="王秀英")
    bob = make_user("resident", community=community, name="李建国")
    return SimpleNamespace(community=community, coordinator=coordinator, category=category, alice=alice, bob=bob)


def _file(client, category, photos=None, **extra):
    photos = [(io.BytesIO(photo_bytes()), "a.jpg")] if photos is None else photos
    data = {
        "category_id": str(category.id),
        "description": "南门井盖破损，边缘翘起",
        "building": "3栋",
        "place": "南门人行道",
        **extra,
        "photos": photos,
    }
    return client.post("/api/v1/reports", data=data, content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _stored_files(app) -> list[Path]:
    folder = Path(app.config["PB_UPLOAD_DIR"]) / "reports"
    return list(folder.glob("*")) if folder.exists() else []


def test_file_report_with_photos_and_location(app, client, login, world):
    login(world.alice)
    answer = _file(
        client,
        world.category,
        photos=[(io.BytesIO(photo_bytes()), "a.jpg"), (io.BytesIO(photo_bytes(fmt="PNG")), "b.png")],
        lat="29.5612",
        lon="106.4521",
        grid_id=str(world.community.grids[0].id),
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "submitted" and body["category"] == "设施损坏"
    assert body["lat"] == pytest.approx(29.5612) and body["grid"] == world.community.grids[0].name
    assert len(body["photos"]) == 2 and len(_stored_files(app)) == 2
    assert [e["action"] for e in body["events"]] == ["file"]
    photo = client.get(body["photos"][0]["url"])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"


@pytest.mark.parametrize(
    ("photos", "code"),
    [
        ([(io.BytesIO(b"#!/bin/sh\nrm -rf ~\n"), "photo.jpg")], "not_an_image"),
        ([(io.BytesIO(b"%PDF-1.4 hello"), "doc.jpg")], "not_an_image"),
        ([(io.BytesIO(photo_bytes()), f"{i}.jpg") for i in range(4)], "too_many_photos"),
        ([], "photo_required"),
        ([(io.BytesIO(photo_bytes()), "ok.jpg"), (io.BytesIO(b"GIF89a not really"), "x.jpg")], "not_an_image"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_saved(app, client, login, world, photos, code):
    login(world.alice)
    answer = _file(client, world.category, photos=photos)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == code
    assert _count(Report) == 0 and _count(ReportPhoto) == 0 and _stored_files(app) == []


def test_decompression_bomb_is_refused(app, client, login, world):
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")
    bomb.seek(0)
    login(world.alice)
    answer = _file(client, world.category, photos=[(bomb, "bomb.png")])
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "image_too_many_pixels"
    assert _count(Report) == 0 and _stored_files(app) == []


def test_a_30_mb_body_is_refused_with_413(app, client, login, world):
    login(world.alice)
    answer = _file(
        client, world.category, photos=[(io.BytesIO(b"\xff\xd8\xff" + b"0" * (30 * 1024 * 1024)), "big.jpg")]
    )
    assert answer.status_code == 413
    assert answer.get_json()["error"]["code"] == "too_large"
    assert _count(Report) == 0 and _stored_files(app) == []


def test_a_9_mb_photo_inside_the_body_limit_is_refused(app, client, login, world):
    login(world.alice)
    answer = _file(client, world.category, photos=[(io.BytesIO(b"\xff\xd8\xff" + b"0" * (9 * 1024 * 1024)), "big.jpg")])
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "photo_too_large"
    assert _count(Report) == 0


def test_exif_gps_is_stripped_and_shown_to_the_coordinator_only(app, client, login, world):
    login(world.alice)
    body = _file(
        client, world.category, photos=[(io.BytesIO(photo_bytes(gps=(29.5612, 106.4521))), "gps.jpg")]
    ).get_json()
    assert "gps_lat" not in body["photos"][0]
    served = client.get(body["photos"][0]["url"]).data
    with Image.open(io.BytesIO(served)) as img:
        assert not img.getexif().get_ifd(0x8825) and len(img.getexif()) == 0
    assert b"PhoneMaker" not in served
    mine = client.get(f"/api/v1/reports/{body['id']}").get_json()
    assert "gps_lat" not in mine["photos"][0]
    coordinator = app.test_client()
    login(world.coordinator, coordinator)
    seen = coordinator.get(f"/api/v1/reports/{body['id']}").get_json()
    assert seen["photos"][0]["gps_lat"] == pytest.approx(29.5612, abs=1e-3)


def test_another_residents_report_is_404(app, client, login, world, make_report):
    report = make_report(world.alice, world.category)
    photo_id = db.session.scalar(sa.select(ReportPhoto.id).where(ReportPhoto.report_id == report.id))
    login(world.bob)
    for url in (f"/api/v1/reports/{report.id}", f"/api/v1/reports/{report.id + 1000}"):
        answer = client.get(url)
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "report_not_found"
    assert client.get(f"/reports/photos/{photo_id}").status_code == 404
    answer = client.post(f"/api/v1/reports/{report.id}/close", json={"satisfaction": 5})
    assert answer.status_code == 404
    assert client.get("/api/v1/reports").get_json()["total"] == 0


def test_status_flow_over_the_api(app, client, login, world, make_report):
    report = make_report(world.alice, world.category)
    login(world.coordinator)
    bad = client.post(f"/api/v1/reports/{report.id}/resolve", data={"note": "done"})
    assert bad.status_code == 409 and bad.get_json()["error"]["code"] == "illegal_transition"
    queue = client.get("/api/v1/reports?status=submitted").get_json()
    assert [r["id"] for r in queue["items"]] == [report.id]
    accepted = client.post(f"/api/v1/reports/{report.id}/accept", json={}, headers={"Idempotency-Key": "k1"})
    assert accepted.status_code == 200 and accepted.get_json()["points_awarded"] == 5
    replay = client.post(f"/api/v1/reports/{report.id}/accept", json={}, headers={"Idempotency-Key": "k1"})
    assert replay.status_code == 200 and replay.get_json()["points_awarded"] == 5
    again = client.post(f"/api/v1/reports/{report.id}/accept", json={})
    assert again.status_code == 409
    assigned = client.post(f"/api/v1/reports/{report.id}/assign", json={"assignee_id": world.coordinator.id})
    assert assigned.status_code == 200 and assigned.get_json()["assignee"] == "陈渝"
    resolved = client.post(
        f"/api/v1/reports/{report.id}/resolve",
        data={"note": "已更换", "photo": (io.BytesIO(photo_bytes()), "fix.jpg")},
        content_type="multipart/form-data",
    )
    assert resolved.status_code == 200, resolved.get_json()
    assert [p["stage"] for p in resolved.get_json()["photos"]] == ["filing", "resolution"]
    resident = app.test_client()
    login(world.alice, resident)
    assert resident.post(f"/api/v1/reports/{report.id}/accept", json={}).status_code == 403
    bad_rating = resident.post(f"/api/v1/reports/{report.id}/close", json={"satisfaction": 9})
    assert bad_rating.status_code == 400
    reopened = resident.post(f"/api/v1/reports/{report.id}/reopen", json={"note": "还是坏的"})
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "assigned"
    notices = resident.get("/api/v1/notices").get_json()
    assert notices["unread"] == notices["total"] == 5
    first = notices["items"][0]
    assert resident.post(f"/api/v1/notices/{first['id']}/read").get_json() == {"marked": 1, "unread": 4}
    assert client.post(f"/api/v1/notices/{first['id']}/read").status_code == 404  # not the coordinator's notice
    assert resident.post("/api/v1/notices/read-all").get_json() == {"marked": 4, "unread": 0}


def test_duplicate_over_the_api_pays_only_the_first(app, client, login, world, make_report):
    first = make_report(world.alice, world.category)
    second = make_report(world.bob, world.category)
    login(world.coordinator)
    client.post(f"/api/v1/reports/{first.id}/accept", json={})
    dup = client.post(f"/api/v1/reports/{second.id}/duplicate", json={"duplicate_of_id": first.id})
    assert dup.status_code == 200 and dup.get_json()["status"] == "duplicate"
    assert dup.get_json()["points_awarded"] == 0
    assert client.post(f"/api/v1/reports/{second.id}/accept", json={}).status_code == 409


def test_bulk_assign_and_validation(app, client, login, world, make_report):
    ids = [make_report(world.alice, world.category).id for _ in range(2)]
    login(world.coordinator)
    assert client.post("/api/v1/reports/bulk-assign", json={"report_ids": []}).status_code == 400
    neither = client.post("/api/v1/reports/bulk-assign", json={"report_ids": ids})
    assert neither.status_code == 400 and neither.get_json()["error"]["code"] == "assignee_required"
    done = client.post("/api/v1/reports/bulk-assign", json={"report_ids": ids, "department": "物业公司"})
    assert done.status_code == 200 and {r["status"] for r in done.get_json()} == {"assigned"}


def test_categories_and_hot_topics(app, client, login, world, make_report, make_community):
    make_report(world.alice, world.category)
    login(world.alice)
    cats = client.get("/api/v1/report-categories").get_json()
    assert [c["name"] for c in cats] == ["设施损坏"]
    other = make_community()
    assert client.get(f"/api/v1/report-categories?community_id={other.id}").status_code == 404
    hot = client.get("/api/v1/reports/hot-topics").get_json()
    assert hot["total"] == 1 and hot["items"][0]["share"] == 1.0
    assert client.get("/api/v1/reports/hot-topics?week=2026-W99").status_code == 400
    assert client.get(f"/api/v1/reports/hot-topics?community_id={other.id}").status_code == 404


def test_openapi_lists_reports_and_open311(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/reports",
        "/api/v1/reports/{report_id}/accept",
        "/api/v1/notices",
        "/api/v1/reports/hot-topics",
        "/open311/v2/services.json",
        "/open311/v2/requests.xml",
        "/open311/v2/requests/{service_request_id}.json",
    ):
        assert path in paths, path
    assert "post" in paths["/open311/v2/requests.json"] and "get" in paths["/open311/v2/requests.json"]
