"""Pages: activities list/detail/sign-up, poster and check-in, personal code, coordinator tools, teams."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from pointsbank.activities import service as activities
from pointsbank.activities.models import Activity, Signup, Team
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    resident = make_user("resident", community=community, name="王秀英")
    return community, coordinator, resident


def text(response) -> str:
    return response.get_data(as_text=True)


def test_resident_signs_up_and_cancels(world, make_activity, client, login):
    community, coordinator, resident = world
    activity = make_activity(
        community,
        coordinator,
        starts_in=timedelta(days=1),
        title="关爱独居老人上门探访",
    )
    login(resident)
    assert "关爱独居老人上门探访" in text(client.get("/activities/"))
    assert client.post(f"/activities/{activity.id}/signup").status_code == 302
    assert activities.signup_of(activity, resident.id).status == "signed_up"
    assert "每小时 10 分" in text(client.get(f"/activities/{activity.id}"))
    client.post(f"/activities/{activity.id}/cancel")
    db.session.expire_all()
    assert activities.signup_of(activity, resident.id).status == "cancelled"


def test_other_communities_get_404(world, make_activity, make_user, client, login):
    community, coordinator, _ = world
    activity = make_activity(community, coordinator)
    login(make_user("resident"))
    assert client.get(f"/activities/{activity.id}").status_code == 404
    assert client.post(f"/activities/{activity.id}/signup").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signup)) == 0


def test_poster_qr_leads_to_check_in_and_out(world, make_activity, client, login):
    community, coordinator, resident = world
    activity = make_activity(community, coordinator)
    run_in_unit(lambda: activities.sign_up(resident, db.session.get(Activity, activity.id)))
    login(coordinator)
    poster = text(client.get(f"/activities/{activity.id}/poster"))
    assert activity.title in poster and 'src="data:image/svg+xml;base64,' in poster
    login(resident)
    url = url_code = activities.poster_code(activity)
    page = client.get("/activities/check-in", query_string={"c": url_code})
    assert "Check in now" in text(page) or "立即签到" in text(page)
    assert client.post("/activities/check-in", data={"code": url}).status_code == 302
    db.session.expire_all()
    assert activities.signup_of(activity, resident.id).checked_in_at is not None
    # GET never checks in by itself.
    assert parse_qs(urlparse(f"/x?c={url}").query)["c"][0] == url


def test_poster_code_next_day_is_refused_with_a_message(world, make_activity, client, login):
    community, coordinator, resident = world
    activity = make_activity(community, coordinator, starts_in=timedelta(days=-1), hours=2)
    with db.session.begin():
        db.session.add(
            __import__("pointsbank.activities.models", fromlist=["Signup"]).Signup(
                activity_id=activity.id, user_id=resident.id, status="signed_up"
            )
        )
    login(resident)
    response = client.post(
        "/activities/check-in",
        data={"code": activities.poster_code(activity)},
        headers={"Referer": "http://localhost/activities/mine"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert activities.signup_of(activity, resident.id).checked_in_at is None
    body = text(client.get("/activities/mine"))
    assert "no longer works" in body or "不能再用" in body or "已结束" in body


def test_personal_code_page_and_coordinator_scan(world, make_activity, client, login):
    community, coordinator, resident = world
    activity = make_activity(community, coordinator)
    run_in_unit(lambda: activities.sign_up(resident, db.session.get(Activity, activity.id)))
    login(resident)
    page = text(client.get("/activities/my-code"))
    assert "data:image/svg+xml" in page and "<script>" not in page
    _, digits = activities.personal_code(resident)
    login(coordinator)
    scan = text(client.get(f"/activities/{activity.id}/scan"))
    assert "data-qr-scanner" in scan and "js/scanner.js" in scan
    assert client.post(f"/activities/{activity.id}/scan", data={"code": digits}).status_code == 302
    db.session.expire_all()
    assert activities.signup_of(activity, resident.id).checked_in_by == coordinator.id


def test_coordinator_creates_confirms_and_sees_attendance(world, make_rule, client, login):
    community, coordinator, _resident = world
    rule = make_rule(community, coordinator, points=10, unit="hour")
    login(coordinator)
    form = {
        "community_id": community.id,
        "title": "垃圾分类督导",
        "place": "梨园小区垃圾站",
        "description": "",
        "starts_at": "2030-01-05T08:00",
        "ends_at": "2030-01-05T10:00",
        "capacity": "5",
        "rule_id": rule.id,
        "team_id": "0",
    }
    assert client.post("/activities/new", data=form).status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert activity.capacity == 5 and activity.team_id is None
    assert activity.starts_at.hour == 0  # 08:00 in Shanghai is 00:00 UTC
    bad = client.post("/activities/new", data=dict(form, ends_at="2030-01-05T07:00"))
    assert bad.status_code in (302, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1
    assert "垃圾分类督导" in text(client.get(f"/activities/{activity.id}/attendance"))


def test_teams_page(world, client, login):
    community, coordinator, resident = world
    login(coordinator)
    client.post(
        "/activities/teams",
        data={
            "community_id": community.id,
            "name": "外卖小哥志愿服务队",
            "description": "",
        },
    )
    team = db.session.scalar(sa.select(Team))
    login(resident)
    client.post(f"/activities/teams/{team.id}/join")
    body = text(client.get("/activities/teams"))
    assert "外卖小哥志愿服务队" in body
    assert activities.team_totals({community.id})[0]["members"] == 1


def test_home_tiles(world, client, login):
    _, coordinator, resident = world
    login(resident)
    assert "/rules/how-to-earn" in text(client.get("/"))
    assert "/activities/my-code" in text(client.get("/me"))  # the rest of the tiles live under 我的
    login(coordinator)
    assert "/rules/approvals" in text(client.get("/"))
    assert ledger  # imported for symmetry with the other page tests


def test_resident_and_coordinator_see_why_a_cap_cut_the_award(world, make_activity, make_rule, client, login):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator, points=10, unit="hour", cap_day=15)
    activity = make_activity(community, coordinator, rule=rule, hours=2)
    run_in_unit(lambda: activities.sign_up(resident, db.session.get(Activity, activity.id)))
    code = activities.poster_code(activity)
    run_in_unit(lambda: activities.check_in_with_poster(resident, code, now=activity.starts_at))
    run_in_unit(
        lambda: activities.close_activity(coordinator, db.session.get(Activity, activity.id), now=activity.ends_at)
    )
    run_in_unit(lambda: activities.confirm_activity(coordinator, db.session.get(Activity, activity.id)))
    note = "每日上限 15 分，已得 0 分，本次应得 20 分，实得 15 分"
    login(resident)
    assert note in text(client.get("/activities/mine"))
    assert note in ledger.statement(ledger.find_resident_account(resident))[0][0].memo
    login(coordinator)
    assert note in text(client.get(f"/activities/{activity.id}/attendance"))


def test_coordinator_edits_an_activity(world, make_activity, client, login):
    community, coordinator, _ = world
    activity = make_activity(community, coordinator, starts_in=timedelta(days=1))
    login(coordinator)
    page = client.get(f"/activities/{activity.id}/edit")
    assert page.status_code == 200 and activity.title in text(page)
    form = {
        "title": "楼道清扫（第二次）",
        "place": "梨园小区3栋",
        "description": "",
        "starts_at": "2030-01-05T08:00",
        "ends_at": "2030-01-05T10:00",
        "capacity": "4",
        "rule_id": activity.rule_id,
        "team_id": "0",
    }
    assert client.post(f"/activities/{activity.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert (db.session.get(Activity, activity.id).title, db.session.get(Activity, activity.id).capacity) == (
        "楼道清扫（第二次）",
        4,
    )
