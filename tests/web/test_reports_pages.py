"""Report pages: filing from the phone, my reports and history, notices, triage queue, hot topics, scope."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.reports.models import Notice, Report
from tests.factories.reports import photo_bytes


@pytest.fixture
def world(make_community, make_user, make_report_rule, make_category):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    rule = make_report_rule(coordinator, community, points=5)
    category = make_category(community, "设施损坏", rule=rule, time_limit_hours=24)
    alice = make_user("resident", community=community, name="王秀英")
    bob = make_user("resident", community=community, name="李建国")
    return SimpleNamespace(community=community, coordinator=coordinator, category=category, alice=alice, bob=bob)


def _text(answer) -> str:
    return answer.get_data(as_text=True)


def test_filing_page_has_camera_input_and_location_button(client, login, world):
    login(world.alice)
    page = _text(client.get("/reports/new"))
    assert re.search(r'<input type="file" id="photos" name="photos" accept="image/\*" capture', page)
    assert 'id="locate"' in page and "js/reports.js" in page
    assert "设施损坏" in page
    assert "<script>" not in page and 'style="' not in page


def test_file_a_report_from_the_page(app, client, login, world):
    login(world.alice)
    data = {
        "category_id": str(world.category.id),
        "description": "南门井盖破损，边缘翘起",
        "grid_id": str(world.community.grids[0].id),
        "building": "3栋",
        "place": "南门",
        "lat": "29.56",
        "lon": "106.45",
        "photos": [(io.BytesIO(photo_bytes()), "a.jpg")],
    }
    answer = client.post("/reports/new", data=data, content_type="multipart/form-data")
    assert answer.status_code == 302
    report = db.session.scalars(sa.select(Report)).one()
    assert report.lat == 29.56 and report.building == "3栋" and len(report.photos) == 1
    detail = _text(client.get(answer.headers["Location"]))
    assert "南门井盖破损" in detail and "已提交" in detail


def test_renamed_script_on_the_page_says_why_and_saves_nothing(client, login, world):
    login(world.alice)
    data = {
        "category_id": str(world.category.id),
        "description": "南门井盖破损，边缘翘起",
        "photos": [(io.BytesIO(b"#!/bin/sh\necho hi\n"), "photo.jpg")],
    }
    answer = client.post("/reports/new", data=data, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert "照片" in _text(answer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_another_residents_report_page_is_404(client, login, world, make_report):
    report = make_report(world.alice, world.category)
    login(world.bob)
    assert client.get(f"/reports/{report.id}").status_code == 404
    assert client.post(f"/reports/{report.id}/reopen", data={"note": "x"}).status_code == 404
    assert client.get("/reports/triage").status_code == 404


def test_reporter_sees_status_history_and_notices(client, login, world, make_report, app):
    report = make_report(world.alice, world.category)
    coordinator = app.test_client()
    login(world.coordinator, coordinator)
    assert coordinator.post(f"/reports/{report.id}/accept", data={"note": "属实"}).status_code == 302
    assert coordinator.post(f"/reports/{report.id}/assign", data={"department": "物业公司"}).status_code == 302
    assert coordinator.post(f"/reports/{report.id}/resolve", data={"note": "已更换井盖"}).status_code == 302
    login(world.alice)
    mine = _text(client.get("/reports/"))
    assert f"#{report.id}" in mine and "已办结" in mine and "4 条未读" in mine
    detail = _text(client.get(f"/reports/{report.id}"))
    for word in ("已受理", "已交办", "物业公司", "已更换井盖", "陈渝", "5 积分"):
        assert word in detail, word
    assert "重新打开" in detail  # the reopen form
    reopened = client.post(f"/reports/{report.id}/reopen", data={"note": "还是松的"})
    assert reopened.status_code == 302
    assert db.session.get(Report, report.id).status == "assigned"
    moved = client.get("/reports/notices")  # one notice centre: the old address sends there
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/notices/")
    assert client.get("/reports/notices?page=2").headers["Location"].endswith("/notices/?page=2")
    notices = _text(client.get("/notices/"))
    assert f"第 {report.id} 号上报" in notices and "已受理" in notices
    notice_id = db.session.scalars(sa.select(Notice.id).where(Notice.user_id == world.alice.id)).first()
    opened = client.post(f"/notices/{notice_id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/reports/{report.id}")
    client.post("/notices/read-all")
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notice)
            .where(Notice.user_id == world.alice.id, Notice.read_at.is_(None))
        )
        == 0
    )


def test_illegal_action_on_the_page_flashes_and_changes_nothing(client, login, world, make_report):
    report = make_report(world.alice, world.category)
    login(world.coordinator)
    answer = client.post(f"/reports/{report.id}/resolve", data={"note": "done"}, follow_redirects=True)
    assert "不能" in _text(answer) or "cannot" in _text(answer)
    assert db.session.get(Report, report.id).status == "submitted"


def test_triage_filters_overdue_and_bulk_assign(client, login, world, make_report, make_category):
    noise = make_category(world.community, "噪音扰民")
    old = make_report(world.alice, world.category, grid_id=world.community.grids[0].id)
    fresh = make_report(world.bob, noise, grid_id=world.community.grids[1].id)

    def age():
        db.session.get(Report, old.id).created_at = utcnow() - timedelta(days=3)

    run_in_unit(age)
    login(world.coordinator)
    page = _text(client.get("/reports/triage"))
    assert f"#{old.id}" in page and f"#{fresh.id}" in page
    assert page.count("已超时") == 1  # said in words, not only colour
    by_category = _text(client.get(f"/reports/triage?category_id={noise.id}"))
    assert f"#{fresh.id}" in by_category and f"#{old.id} " not in by_category
    by_grid = _text(client.get(f"/reports/triage?grid_id={world.community.grids[0].id}"))
    assert f"#{old.id}" in by_grid and f"#{fresh.id} " not in by_grid
    by_age = _text(client.get("/reports/triage?older_than_days=1"))
    assert f"#{old.id}" in by_age and f"#{fresh.id} " not in by_age
    assigned = client.post(
        "/reports/triage/assign",
        data={"report_id": [str(old.id), str(fresh.id)], "assignee_id": str(world.coordinator.id)},
    )
    assert assigned.status_code == 302
    assert {db.session.get(Report, i).status for i in (old.id, fresh.id)} == {"assigned"}
    assert {db.session.get(Report, i).assignee_id for i in (old.id, fresh.id)} == {world.coordinator.id}


def test_hot_topics_page_has_table_and_chart(client, login, world, make_report):
    make_report(world.alice, world.category)
    login(world.coordinator)
    page = _text(client.get("/reports/hot-topics"))
    assert "<svg" in page and "<table>" in page and "设施损坏" in page and "100.0%" in page
    assert client.get("/reports/hot-topics?week=nonsense").status_code == 200


def test_home_tiles(client, login, world):
    login(world.alice)
    home = _text(client.get("/"))
    assert "/reports/new" in home and "/reports/" in home
    login(world.coordinator)
    assert "/reports/triage" in _text(client.get("/"))


def test_english_pages(client, login, world):
    login(world.alice)
    assert "Report a problem" in _text(client.get("/reports/new?lang=en"))


def test_coordinator_configures_categories(client, login, world, make_report_rule):
    bonus = make_report_rule(world.coordinator, world.community, points=2, title="办结奖励")
    login(world.coordinator)
    page = _text(client.get("/reports/categories"))
    assert "设施损坏" in page and "办结奖励" in page
    added = client.post(
        "/reports/categories",
        data={
            "community_id": world.community.id,
            "name": "消防安全",
            "time_limit_hours": "24",
            "active": "1",
            "rule_id": str(world.category.rule_id),
            "resolve_rule_id": str(bonus.id),
        },
    )
    assert added.status_code == 302
    from pointsbank.reports.models import ReportCategory

    fire = db.session.scalars(sa.select(ReportCategory).where(ReportCategory.name == "消防安全")).one()
    assert (fire.time_limit_hours, fire.resolve_rule_id, fire.active) == (24, bonus.id, True)
    client.post(
        "/reports/categories",
        data={
            "community_id": world.community.id,
            "category_id": fire.id,
            "name": "消防安全",
            "time_limit_hours": "12",
            "rule_id": "",
        },
    )
    fire = db.session.get(ReportCategory, fire.id)
    assert (fire.time_limit_hours, fire.rule_id, fire.active) == (12, None, False)
    clash = client.post(
        "/reports/categories",
        data={"community_id": world.community.id, "name": "设施损坏", "time_limit_hours": "12"},
        follow_redirects=True,
    )
    assert "已有同名类别" in _text(clash)
    login(world.alice)
    assert client.get("/reports/categories").status_code == 404
    assert [c["name"] for c in client.get("/api/v1/report-categories").get_json()] == ["设施损坏"]


def test_category_api(client, login, world, make_community):
    login(world.coordinator)
    made = client.post(
        "/api/v1/report-categories",
        json={"community_id": world.community.id, "name": "文明养犬", "time_limit_hours": 48},
    )
    assert made.status_code == 201 and made.get_json()["name"] == "文明养犬"
    dup = client.post("/api/v1/report-categories", json={"community_id": world.community.id, "name": "文明养犬"})
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "category_exists"
    foreign = client.post("/api/v1/report-categories", json={"community_id": make_community().id, "name": "其他"})
    assert foreign.status_code == 404
    changed = client.patch(f"/api/v1/report-categories/{made.get_json()['id']}", json={"active": False})
    assert changed.status_code == 200 and changed.get_json()["active"] is False
    bad_rule = client.patch(f"/api/v1/report-categories/{made.get_json()['id']}", json={"rule_id": 999999})
    assert bad_rule.status_code == 400 and bad_rule.get_json()["error"]["code"] == "unknown_rule"
