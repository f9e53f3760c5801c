"""Deliver queued notices (a scheduled job): each channel outside a transaction, retries with exponential backoff."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.notices import channels, codes
from pointsbank.notices.models import NoticeDelivery, NoticePreference, OutboxNotice

LOCAL = ZoneInfo("Asia/Shanghai")
BATCH = 200
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 8  # about two hours of tries, then the delivery is given up (the notice stays in the app)


def backoff(attempts: int) -> timedelta:
    """Wait before try number attempts+1: 30 s, 1 min, 2 min, 4 min, ... at most 6 h."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def quiet_until(pref: NoticePreference | None, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if now is inside them (local time, may span midnight)."""
    if pref is None or not pref.quiet_start or not pref.quiet_end:
        return None
    local = now.astimezone(LOCAL)
    start, end = (time.fromisoformat(pref.quiet_start), time.fromisoformat(pref.quiet_end))
    t = local.time().replace(second=0, microsecond=0)
    inside = start <= t < end if start <= end else (t >= start or t < end)
    if not inside or start == end:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


def _message(delivery: NoticeDelivery, now: datetime) -> tuple[channels.Message | None, datetime | None]:
    notice = db.session.get(OutboxNotice, delivery.notice_id)
    from pointsbank.people.models import User

    user = db.session.get(User, notice.user_id)
    pref = db.session.get(NoticePreference, notice.user_id)
    postpone = quiet_until(pref, now)
    if postpone is not None:
        return None, postpone
    locale = (user.locale if user else None) or "zh_Hans"
    return (
        channels.Message(
            notice_id=notice.id,
            user_id=notice.user_id,
            code=notice.code,
            params=dict(notice.params or {}),
            text=codes.render(notice.code, notice.params, locale),
            title=codes.title(notice.code, locale),
            link=notice.link,
            locale=locale,
            created_at=notice.created_at,
            phone=user.phone if user else "",
            wechat_openid=pref.wechat_openid if pref else None,
        ),
        None,
    )


def _record(delivery_id: int, now: datetime, error: str | None, postpone: datetime | None = None) -> str:
    delivery = db.session.get(NoticeDelivery, delivery_id)
    if postpone is not None:
        delivery.next_attempt_at = postpone
        outcome = "postponed"
    elif error is None:
        delivery.status, delivery.delivered_at = "delivered", now
        delivery.attempts += 1
        delivery.last_error = None
        outcome = "delivered"
    else:
        delivery.attempts += 1
        delivery.last_error = error[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
            outcome = "gave_up"
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            outcome = "retry"
    db.session.flush()
    return outcome


def deliver_one(delivery_id: int, now: datetime | None = None) -> str:
    """Try one delivery now: "delivered", "retry", "gave_up", "postponed" (quiet hours) or "skipped"."""
    delivery = db.session.get(NoticeDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        db.session.rollback()
        return "skipped"
    now = now or utcnow()
    name = delivery.channel
    message, postpone = _message(delivery, now)
    db.session.rollback()  # no transaction stays open while the channel talks to the network
    if message is None:
        return run_in_unit(lambda: _record(delivery_id, now, None, postpone))
    error = None
    try:
        if name not in channels.CHANNELS:
            raise channels.DeliveryError(f"channel {name!r} is not known")
        channels.get(name).send(message)
    except channels.DeliveryError as exc:
        error = str(exc) or type(exc).__name__
    except Exception as exc:  # a broken adapter is a failed try, never a stopped outbox
        error = f"{type(exc).__name__}: {exc}"
    return run_in_unit(lambda: _record(delivery_id, now, error))


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Try every pending delivery that is due (oldest first, a batch per run); returns counts per outcome."""
    now = now or utcnow()
    ids = db.session.scalars(
        sa.select(NoticeDelivery.id)
        .where(NoticeDelivery.status == "pending", NoticeDelivery.next_attempt_at <= now)
        .order_by(NoticeDelivery.next_attempt_at, NoticeDelivery.id)
        .limit(BATCH)
    ).all()
    db.session.rollback()
    counts: dict[str, int] = {}
    for delivery_id in ids:
        outcome = deliver_one(delivery_id, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
