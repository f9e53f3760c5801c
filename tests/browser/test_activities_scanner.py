"""Activity check-in in real Chromium: the coordinator's camera reads a volunteer's code; the poster link checks in."""

from __future__ import annotations

from datetime import timedelta

from pointsbank.activities import service as activities
from pointsbank.activities.models import Activity
from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.people.service import create_user, get_or_create_community, grant_role
from pointsbank.rules import service as rules

PHONE = {"width": 400, "height": 860}
PASSWORD = "lybank-test-1"


def _activity(app) -> dict:
    """A running activity with one signed-up volunteer."""
    with app.app_context():

        def work():
            community = get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", ["第一网格"])
            coordinator = create_user("13800000002", "陈渝", PASSWORD)
            grant_role(coordinator, "coordinator", community=community)
            volunteer = create_user("13900000001", "王秀英", PASSWORD, community=community)
            rule = rules.create_rule(
                coordinator,
                community.id,
                category="志愿服务",
                title="楼道清扫",
                points=10,
                unit="hour",
            )
            rules.publish_rule(coordinator, rule)
            start = utcnow() - timedelta(minutes=10)
            activity = activities.create_activity(
                coordinator,
                community.id,
                title="楼道清扫志愿活动",
                place="梨园小区3栋",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=5,
                rule_id=rule.id,
            )
            activities.sign_up(volunteer, activity)
            return {
                "activity": activity,
                "coordinator": coordinator.phone,
                "volunteer": volunteer,
            }

        return run_in_unit(work)


def _login(page, base, phone):
    page.goto(base + "/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state("load")


def _checked_in(app, activity, user) -> bool:
    with app.app_context():
        db.session.expire_all()
        return activities.signup_of(db.session.get(Activity, activity.id), user.id).checked_in_at is not None


def test_coordinator_camera_reads_the_volunteers_code(live_server, chromium, qr_y4m, tmp_path):
    data = _activity(live_server.app)
    with live_server.app.app_context():
        payload, _ = activities.personal_code(data["volunteer"])
    browser = chromium(fake_video=qr_y4m(payload, tmp_path / "volunteer.y4m"))
    page = browser.new_page(viewport=PHONE)
    _login(page, live_server.url, data["coordinator"])
    page.goto(f"{live_server.url}/activities/{data['activity'].id}/scan")
    page.wait_for_selector(".flash-success", timeout=20_000)
    assert "王秀英" in page.locator(".flash-success").inner_text()
    assert _checked_in(live_server.app, data["activity"], data["volunteer"])


def test_poster_link_checks_the_volunteer_in(live_server, chromium):
    data = _activity(live_server.app)
    with live_server.app.app_context():
        code = activities.poster_code(data["activity"])
    browser = chromium()
    page = browser.new_page(viewport=PHONE)
    _login(page, live_server.url, data["volunteer"].phone)
    page.goto(f"{live_server.url}/activities/check-in?c={code}")
    assert not _checked_in(live_server.app, data["activity"], data["volunteer"])  # opening the link alone does nothing
    page.click("form button[type=submit].primary.big")
    page.wait_for_selector(".flash-success")
    assert _checked_in(live_server.app, data["activity"], data["volunteer"])
    page.goto(f"{live_server.url}/activities/my-code")
    assert page.locator("img[alt]").first.get_attribute("src").startswith("data:image/svg+xml")
