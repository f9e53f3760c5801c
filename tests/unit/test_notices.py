"""Notices: stored as a code with parameters, rendered per reader; the outbox retries with backoff; channels."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.errors import Invalid
from pointsbank.extensions import db
from pointsbank.notices import channels, codes, delivery, service
from pointsbank.notices.models import NoticeDelivery, NoticePreference, OutboxNotice


def test_a_notice_created_in_zh_renders_in_en(app, make_user):
    user = make_user()
    with app.test_request_context("/?lang=zh_Hans"):
        notice = run_in_unit(
            lambda: service.notify(user.id, "reservation.expired", {"station": "幸福银行一站", "points": 200})
        )
        zh = codes.render(notice.code, notice.params)
    stored = db.session.get(OutboxNotice, notice.id)
    assert stored.code == "reservation.expired" and stored.params == {"station": "幸福银行一站", "points": 200}
    assert zh == "您在幸福银行一站的预约未按时领取：200 积分已退回。"
    with app.test_request_context("/?lang=en"):
        en = codes.render(stored.code, stored.params)
    assert en == "Your reservation at 幸福银行一站 was not picked up in time: 200 points are back."
    assert codes.render(stored.code, stored.params, "en") == en
    assert codes.render(stored.code, {}, "en").startswith("Your reservation at %(station)s")  # never raises
    with pytest.raises(ValueError):
        service.notify(user.id, "no.such.code", {})


class _Hook(BaseHTTPRequestHandler):
    fail_first = 2
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        ok = len(type(self).received) > type(self).fail_first
        self.send_response(200 if ok else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook
    server.shutdown()
    server.server_close()


def test_outbox_retries_a_failing_webhook_with_backoff_and_delivers_once(app, make_user, webhook_server):
    url, hook = webhook_server
    app.config.update(PB_NOTICE_CHANNELS="webhook", PB_NOTICE_WEBHOOK_URL=url, PB_NOTICE_WEBHOOK_SECRET="s3cret")
    user = make_user()
    notice = run_in_unit(lambda: service.notify(user.id, "points.expiring", {"points": 30, "date": "2026-12-31"}))
    row = db.session.scalar(sa.select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id))
    assert row.channel == "webhook" and row.status == "pending"

    now = datetime.now(UTC)
    waits = []
    for attempt in (1, 2):
        assert delivery.deliver_due(now) == {"retry": 1}
        row = db.session.get(NoticeDelivery, row.id)
        assert row.attempts == attempt and row.status == "pending" and row.last_error == "HTTP 503"
        waits.append(row.next_attempt_at - now)
        assert delivery.deliver_due(now) == {}  # not due yet: nothing is sent early
        now = row.next_attempt_at
    assert waits[1] > waits[0] >= timedelta(seconds=30)  # exponential: each wait longer than the last
    assert delivery.deliver_due(now) == {"delivered": 1}
    assert delivery.deliver_due(now + timedelta(days=1)) == {}
    row = db.session.get(NoticeDelivery, row.id)
    assert row.status == "delivered" and row.attempts == 3 and row.delivered_at is not None
    assert len(hook.received) == 3
    headers, body = hook.received[-1]
    assert headers[channels.SIGNATURE_HEADER] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    payload = json.loads(body)
    assert payload["code"] == "points.expiring" and payload["params"] == {"points": 30, "date": "2026-12-31"}
    assert payload["text"] == "您有 30 积分将在 2026-12-31 之后过期，请在此之前使用或捐赠。"  # the reader's language


def test_an_unreachable_channel_never_blocks_the_event_and_is_given_up(app, make_user):
    app.config.update(PB_NOTICE_CHANNELS="webhook,log", PB_NOTICE_WEBHOOK_URL="http://127.0.0.1:9/none")
    user = make_user()
    run_in_unit(lambda: service.notify(user.id, "notice.test"))  # posting never talks to the network
    now = datetime.now(UTC)
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_due(now)
        now += delivery.MAX_DELAY
    statuses = dict(db.session.execute(sa.select(NoticeDelivery.channel, NoticeDelivery.status)).all())
    assert statuses == {"webhook": "failed", "log": "delivered"}
    assert delivery.backoff(1) == timedelta(seconds=30) and delivery.backoff(30) == delivery.MAX_DELAY


def test_quiet_hours_postpone_delivery(app, make_user):
    user = make_user()
    run_in_unit(lambda: service.save_preference(user.id, channels=["log"], quiet_start="22:00", quiet_end="07:00"))
    pref = db.session.get(NoticePreference, user.id)
    night = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert delivery.quiet_until(pref, night) == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # 07:00 next morning
    assert delivery.quiet_until(pref, datetime(2026, 12, 3, 4, 0, tzinfo=UTC)) is None  # noon
    for bad in ({"quiet_start": "22:00", "quiet_end": None}, {"quiet_start": "25:00", "quiet_end": "07:00"}):
        with pytest.raises(Invalid):
            service.save_preference(user.id, channels=None, **bad)
    with pytest.raises(Invalid):
        service.save_preference(user.id, channels=["carrier-pigeon"], quiet_start=None, quiet_end=None)


def test_a_resident_can_turn_a_channel_off(app, make_user):
    app.config.update(PB_NOTICE_CHANNELS="log,sms")
    user = make_user()
    assert service.channels_for(user.id) == ["log", "sms"]
    run_in_unit(lambda: service.save_preference(user.id, channels=["log"], quiet_start=None, quiet_end=None))
    notice = run_in_unit(lambda: service.notify(user.id, "notice.test"))
    assert db.session.scalars(sa.select(NoticeDelivery.channel).where(NoticeDelivery.notice_id == notice.id)).all() == [
        "log"
    ]


def _message(**extra) -> channels.Message:
    fields = dict(
        notice_id=7,
        user_id=3,
        code="reservation.made",
        params={"station": "一站", "points": 20, "until": "18:00"},
        text="已在一站预约：冻结 20 积分。请在 18:00 前领取。",
        title="预约",
        link="/stations/reservations/9",
        locale="zh_Hans",
        created_at=datetime(2026, 12, 3, 4, 0, tzinfo=UTC),
        phone="13700000001",
        wechat_openid="oABC123",
    )
    fields.update(extra)
    return channels.Message(**fields)


def test_sms_adapter_builds_a_signed_aliyun_request(app):
    app.config.update(
        PB_SMS_ACCESS_KEY_ID="testid",
        PB_SMS_ACCESS_KEY_SECRET="testsecret",
        PB_SMS_TEMPLATES={"reservation.made": "SMS_123"},
    )
    sms = channels.SmsChannel()
    req = sms.build(_message(), nonce="n1", now=datetime(2026, 12, 3, 4, 0, tzinfo=UTC))
    assert req.method == "POST" and req.url == "https://dysmsapi.aliyuncs.com/"
    form = dict(urllib.parse.parse_qsl(req.body.decode()))
    assert form["Action"] == "SendSms" and form["PhoneNumbers"] == "13700000001" and form["TemplateCode"] == "SMS_123"
    assert json.loads(form["TemplateParam"])["station"] == "一站"
    assert form["Timestamp"] == "2026-12-03T04:00:00Z" and form["SignatureNonce"] == "n1"
    signature = form.pop("Signature")
    pct = lambda v: urllib.parse.quote(v, safe="~")  # noqa: E731
    query = "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(form.items()))
    import base64

    digest = hmac.new(b"testsecret&", f"POST&%2F&{pct(query)}".encode(), hashlib.sha1).digest()
    assert signature == base64.b64encode(digest).decode()
    assert sms.build(_message(phone="")) is None


def test_wechat_adapter_builds_a_subscription_message(app):
    app.config.update(PB_WECHAT_ACCESS_TOKEN="tok", PB_WECHAT_TEMPLATE_ID="tmpl-1")
    req = channels.WeChatChannel().build(_message())
    assert req.url == "https://api.weixin.qq.com/cgi-bin/message/subscribe/send?access_token=tok"
    body = json.loads(req.body)
    assert body["touser"] == "oABC123" and body["template_id"] == "tmpl-1"
    assert body["page"] == "/stations/reservations/9"
    assert body["data"]["thing1"]["value"] == "预约" and len(body["data"]["thing2"]["value"]) <= 20
    assert body["data"]["time3"]["value"] == "2026-12-03 12:00"  # Beijing time
    assert channels.WeChatChannel().build(_message(wechat_openid=None)) is None


def test_expiry_reminder_once_per_account_and_date(app, make_community, make_user, fund_resident):
    from pointsbank.notices.reminders import remind_expiring
    from pointsbank.people.models import Community

    community = make_community()
    run_in_unit(lambda: setattr(db.session.get(Community, community.id), "expiry_policy", "year_end"))
    user = make_user(community=community)
    fund_resident(user, 40)
    now = datetime.now(UTC)
    year_end = datetime(now.year, 12, 31, 12, tzinfo=UTC)
    assert run_in_unit(lambda: remind_expiring(year_end - timedelta(days=60))) == 0  # too early
    assert run_in_unit(lambda: remind_expiring(year_end - timedelta(days=10))) == 1
    assert run_in_unit(lambda: remind_expiring(year_end - timedelta(days=9))) == 0
    notice = db.session.scalar(sa.select(OutboxNotice).where(OutboxNotice.user_id == user.id))
    assert notice.code == "points.expiring" and notice.params == {"points": 40, "date": f"{now.year}-12-31"}
