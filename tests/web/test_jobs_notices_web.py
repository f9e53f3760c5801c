"""Pages and API: scheduled jobs (admins only) and the notice centre with channels and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.jobs import runner
from pointsbank.notices import service as notices
from pointsbank.notices.models import NoticePreference


def test_jobs_page_and_api_for_admins_only(client, make_user, login):
    runner.tick(datetime(2026, 12, 3, 11, 47, 30, tzinfo=UTC), holder="t")
    login(make_user("resident"))
    assert client.get("/admin/jobs/").status_code == 404
    assert client.get("/api/v1/jobs").status_code == 404
    login(make_user("admin"))
    page = client.get("/admin/jobs/?lang=en").get_data(as_text=True)
    assert "Scheduled jobs" in page and "every 1m" in page and "expired=0" in page
    assert "定时任务" in client.get("/admin/jobs/?lang=zh_Hans&job=seal").get_data(as_text=True)
    jobs = client.get("/api/v1/jobs").get_json()["items"]
    seal = next(j for j in jobs if j["name"] == "seal")
    assert seal["schedule"] == "daily 02:30" and seal["last_run"]["outcome"] == "ok"
    runs = client.get("/api/v1/jobs/runs?job=holds").get_json()
    assert runs["total"] == 1 and runs["items"][0]["summary"] == {"expired": 0}
    assert runs["items"][0]["slot"] == "2026-12-03T11:47:00+00:00"
    assert client.get("/api/v1/jobs/runs?outcome=nope").status_code == 400
    assert "Scheduled jobs" in client.get("/?lang=en").get_data(as_text=True)


def test_notice_centre_lists_in_my_language_and_marks_read(client, make_user, login):
    user = make_user()
    other = make_user()
    first = run_in_unit(
        lambda: notices.notify(user.id, "redemption.done", {"points": 50, "station": "一站"}, link="/ledger/")
    )
    run_in_unit(lambda: notices.notify(user.id, "notice.test"))
    theirs = run_in_unit(lambda: notices.notify(other.id, "notice.test"))
    login(user)
    assert "2 unread" in client.get("/?lang=en").get_data(as_text=True)
    assert "您在一站使用了 50 积分。" in client.get("/notices/?lang=zh_Hans").get_data(as_text=True)
    assert "You spent 50 points at 一站." in client.get("/notices/?lang=en").get_data(as_text=True)
    api = client.get("/api/v1/me/notices?lang=en").get_json()
    assert api["unread"] == 2 and api["items"][1]["code"] == "redemption.done"
    assert api["items"][1]["text"] == "You spent 50 points at 一站."
    opened = client.post(f"/notices/{first.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/ledger/")
    assert client.post(f"/notices/{theirs.id}/open").status_code == 404
    assert client.post(f"/api/v1/me/notices/{theirs.id}/read").status_code == 404
    assert client.post("/api/v1/me/notices/read-all").get_json() == {"marked": 1, "unread": 0}


def test_channels_and_quiet_hours_page_and_api(app, client, make_user, login):
    app.config["PB_NOTICE_CHANNELS"] = "log,sms,wechat"
    user = make_user()
    login(user)
    assert client.get("/api/v1/me/notice-preferences").get_json() == {
        "channels": ["log", "sms", "wechat"],
        "offered": ["log", "sms", "wechat"],
        "quiet_start": None,
        "quiet_end": None,
    }
    page = client.get("/notices/settings?lang=en").get_data(as_text=True)
    assert "Quiet hours" in page and "WeChat" in page
    saved = client.post("/notices/settings", data={"channels": ["sms"], "quiet_start": "22:00", "quiet_end": "07:00"})
    assert saved.status_code == 302
    pref = db.session.get(NoticePreference, user.id)
    assert pref.channels == ["sms"] and (pref.quiet_start, pref.quiet_end) == ("22:00", "07:00")
    bad = client.post("/notices/settings?lang=en", data={"quiet_start": "9pm", "quiet_end": "07:00"})
    assert bad.status_code == 200 and "Times are HH:MM" in bad.get_data(as_text=True)
    put = client.put("/api/v1/me/notice-preferences", json={"channels": None, "quiet_start": None, "quiet_end": None})
    assert put.status_code == 200 and put.get_json()["channels"] == ["log", "sms", "wechat"]
    refused = client.put("/api/v1/me/notice-preferences", json={"channels": ["fax"]})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "unknown_channel"
    half = client.put("/api/v1/me/notice-preferences", json={"quiet_start": "22:00"})
    assert half.get_json()["error"]["code"] == "quiet_hours_incomplete"


def test_openapi_lists_jobs_and_notices(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/jobs",
        "/api/v1/jobs/runs",
        "/api/v1/me/notices",
        "/api/v1/me/notices/{notice_id}/read",
        "/api/v1/me/notices/read-all",
        "/api/v1/me/notice-preferences",
    ):
        assert path in paths, path
    assert {"get", "put"} <= set(paths["/api/v1/me/notice-preferences"])
