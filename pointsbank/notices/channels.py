"""Outbound channels behind one interface: build the provider's request, then send it (log, webhook, SMS, WeChat)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app

log = logging.getLogger("pointsbank.notices")
SIGNATURE_HEADER = "X-Pointsbank-Signature"
TIMEOUT = 5


class DeliveryError(Exception):
    """The channel could not deliver now; the outbox tries again later."""


def setting(name: str, default: Any = None) -> Any:
    """A notices setting: app config first, then the environment variable of the same name."""
    value = current_app.config.get(name)
    return value if value is not None else os.environ.get(name, default)


@dataclass
class Message:
    """One notice as a channel sees it, already rendered in the reader's language."""

    notice_id: int
    user_id: int
    code: str
    params: dict[str, Any]
    text: str
    title: str
    link: str
    locale: str
    created_at: datetime
    phone: str = ""
    wechat_openid: str | None = None


@dataclass
class Request:
    """An HTTP request a channel wants sent."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Channel:
    """The interface: `build(message)` makes the request (or None), `send(message)` delivers or raises DeliveryError."""

    name = ""
    personal = False  # a channel a resident turns on or off (SMS, WeChat); the others are the service's own

    def build(self, message: Message) -> Request | None:
        return None

    def send(self, message: Message) -> None:
        request = self.build(message)
        if request is None:
            raise DeliveryError(f"{self.name}: nothing to send to (not configured for this person)")
        post(request)


def post(request: Request) -> bytes:
    """Send an HTTP request and return the answer's body; anything but a 2xx answer is a DeliveryError."""
    req = urllib.request.Request(request.url, data=request.body, headers=request.headers, method=request.method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as answer:  # noqa: S310 (configured https URLs)
            if not 200 <= answer.status < 300:
                raise DeliveryError(f"HTTP {answer.status}")
            return answer.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def _answer(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise DeliveryError("the provider's answer is not JSON") from exc
    return data if isinstance(data, dict) else {}


class LogChannel(Channel):
    """Writes each notice to the application log (the default; useful in development)."""

    name = "log"

    def send(self, message: Message) -> None:
        log.info("notice %s to user %s [%s]: %s", message.notice_id, message.user_id, message.code, message.text)


def sign(secret: str, body: bytes) -> str:
    """The webhook signature header value: sha256=<hex HMAC-SHA256 of the body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel(Channel):
    """POSTs the notice as JSON to PB_NOTICE_WEBHOOK_URL, signed with PB_NOTICE_WEBHOOK_SECRET."""

    name = "webhook"

    def build(self, message: Message) -> Request | None:
        url, secret = setting("PB_NOTICE_WEBHOOK_URL"), setting("PB_NOTICE_WEBHOOK_SECRET", "")
        if not url:
            return None
        body = json.dumps(
            {
                "id": message.notice_id,
                "user_id": message.user_id,
                "code": message.code,
                "params": message.params,
                "text": message.text,
                "locale": message.locale,
                "link": message.link,
                "created_at": message.created_at.astimezone(UTC).isoformat(),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(secret, body)}
        return Request("POST", url, headers, body)


def _pct(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


class SmsChannel(Channel):
    """Aliyun SMS (SendSms, signature v1): template per code from PB_SMS_TEMPLATES (JSON), else PB_SMS_TEMPLATE."""

    name = "sms"
    personal = True
    endpoint = "https://dysmsapi.aliyuncs.com/"

    def template_for(self, code: str) -> str | None:
        templates = setting("PB_SMS_TEMPLATES") or {}
        if isinstance(templates, str):
            templates = json.loads(templates or "{}")
        return templates.get(code) or setting("PB_SMS_TEMPLATE")

    def build(self, message: Message, *, nonce: str | None = None, now: datetime | None = None) -> Request | None:
        template = self.template_for(message.code)
        key_id, key_secret = setting("PB_SMS_ACCESS_KEY_ID"), setting("PB_SMS_ACCESS_KEY_SECRET")
        if not (message.phone and template and key_id and key_secret):
            return None
        values = {k: str(v)[:35] for k, v in message.params.items()}  # Aliyun caps each variable at 35 characters
        values.setdefault("text", message.text[:35])
        params = {
            "AccessKeyId": key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.phone,
            "RegionId": "cn-hangzhou",
            "SignName": setting("PB_SMS_SIGN_NAME", "幸福银行"),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(values, ensure_ascii=False, sort_keys=True),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
        to_sign = f"POST&{_pct('/')}&{_pct(query)}"
        digest = hmac.new(f"{key_secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        body = f"Signature={_pct(base64.b64encode(digest).decode())}&{query}".encode()
        return Request("POST", self.endpoint, {"Content-Type": "application/x-www-form-urlencoded"}, body)

    def send(self, message: Message) -> None:
        request = self.build(message)
        if request is None:
            raise DeliveryError("sms: no phone number, template or access key")
        answer = _answer(post(request))
        if answer.get("Code") != "OK":
            raise DeliveryError(f"sms: {answer.get('Code')} {answer.get('Message', '')}"[:300])


class WeChatChannel(Channel):
    """WeChat subscription message (订阅消息) to the person's openid with PB_WECHAT_TEMPLATE_ID."""

    name = "wechat"
    personal = True
    endpoint = "https://api.weixin.qq.com/cgi-bin/message/subscribe/send"

    def build(self, message: Message) -> Request | None:
        token, template = setting("PB_WECHAT_ACCESS_TOKEN"), setting("PB_WECHAT_TEMPLATE_ID")
        if not (message.wechat_openid and token and template):
            return None
        local = message.created_at.astimezone(_shanghai())
        body = {
            "touser": message.wechat_openid,
            "template_id": template,
            "page": message.link or "/",
            "miniprogram_state": setting("PB_WECHAT_STATE", "formal"),
            "lang": "zh_CN" if message.locale.startswith("zh") else "en_US",
            # thing: at most 20 characters; time: a date and time
            "data": {
                "thing1": {"value": message.title[:20]},
                "thing2": {"value": message.text[:20]},
                "time3": {"value": local.strftime("%Y-%m-%d %H:%M")},
            },
        }
        url = f"{self.endpoint}?{urllib.parse.urlencode({'access_token': token})}"
        data = json.dumps(body, ensure_ascii=False).encode()
        return Request("POST", url, {"Content-Type": "application/json; charset=utf-8"}, data)

    def send(self, message: Message) -> None:
        request = self.build(message)
        if request is None:
            raise DeliveryError("wechat: no openid, access token or template")
        answer = _answer(post(request))
        if answer.get("errcode", 0) != 0:
            raise DeliveryError(f"wechat: {answer.get('errcode')} {answer.get('errmsg', '')}"[:300])


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


CHANNELS: dict[str, type[Channel]] = {c.name: c for c in (LogChannel, WebhookChannel, SmsChannel, WeChatChannel)}


def enabled() -> list[str]:
    """The outbound channels this service offers: PB_NOTICE_CHANNELS (comma separated), default "log"."""
    value = setting("PB_NOTICE_CHANNELS", "log")
    names = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [n.strip() for n in names if n.strip() in CHANNELS]


def get(name: str) -> Channel:
    """A channel by name."""
    return CHANNELS[name]()
