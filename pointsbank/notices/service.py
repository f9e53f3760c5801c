"""Post notices (the outbox), list and mark them read, and keep each person's channels and quiet hours."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.notices import channels as channel_registry
from pointsbank.notices import codes
from pointsbank.notices.models import NoticeDelivery, NoticePreference, OutboxNotice

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def notify(
    user_id: int,
    code: str,
    params: dict[str, Any] | None = None,
    *,
    subject: tuple[str, int | None] | None = None,
    link: str = "",
    key: str | None = None,
) -> OutboxNotice:
    """Post a notice and queue it on the person's outbound channels; only writes rows (delivery is a job).

    The same key again returns the first notice. Parameters must be JSON values.
    """
    if not codes.known(code):
        raise ValueError(f"unknown notice code {code!r}")
    if key is not None:
        existing = db.session.scalar(sa.select(OutboxNotice).where(OutboxNotice.key == key))
        if existing is not None:
            return existing
    notice = OutboxNotice(user_id=user_id, code=code, params=dict(params or {}), link=link[:200], key=key)
    if subject:
        notice.subject_type, notice.subject_id = subject[0], subject[1]
    notice.created_at = utcnow()
    db.session.add(notice)
    db.session.flush()
    for name in channels_for(user_id):
        db.session.add(NoticeDelivery(notice_id=notice.id, channel=name, next_attempt_at=notice.created_at))
    db.session.flush()
    return notice


def preference(user_id: int) -> NoticePreference | None:
    """The person's saved choices (None: defaults)."""
    return db.session.get(NoticePreference, user_id)


def channels_for(user_id: int, pref: NoticePreference | None = None) -> list[str]:
    """The outbound channels a notice to this person goes on: every service channel, and personal ones chosen."""
    offered = channel_registry.enabled()
    pref = pref if pref is not None else preference(user_id)
    if pref is None or pref.channels is None:
        return offered
    return [name for name in offered if name in pref.channels]


def offered_choices() -> list[str]:
    """The channels a resident can turn on or off."""
    return list(channel_registry.enabled())


def save_preference(
    user_id: int,
    *,
    channels: list[str] | None,
    quiet_start: str | None,
    quiet_end: str | None,
    wechat_openid: str | None = None,
) -> NoticePreference:
    """Save the person's channels and quiet hours (both times or neither, HH:MM local)."""
    offered = set(channel_registry.enabled())
    if channels is not None:
        unknown = sorted(set(channels) - offered)
        if unknown:
            names = ", ".join(unknown)
            raise Invalid("unknown_channel", _l("Not a channel this service offers: %(names)s", names=names))
    quiet_start, quiet_end = (quiet_start or None), (quiet_end or None)
    if (quiet_start is None) != (quiet_end is None):
        raise Invalid("quiet_hours_incomplete", _l("Give both the start and the end of the quiet hours."))
    for value in (quiet_start, quiet_end):
        if value is not None and not _HHMM.match(value):
            raise Invalid("invalid_time", _l("Times are HH:MM, for example 22:00."))
    pref = preference(user_id) or NoticePreference(user_id=user_id)
    pref.channels = sorted(set(channels)) if channels is not None else None
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    if wechat_openid is not None:
        pref.wechat_openid = wechat_openid or None
    db.session.add(pref)
    db.session.flush()
    return pref


def unread_count(user_id: int) -> int:
    """How many notices the person has not read (for the home page)."""
    query = sa.select(sa.func.count()).where(OutboxNotice.user_id == user_id, OutboxNotice.read_at.is_(None))
    return db.session.scalar(query) or 0


def notices_query(user_id: int) -> sa.Select:
    """The person's notices, newest first."""
    return sa.select(OutboxNotice).where(OutboxNotice.user_id == user_id).order_by(OutboxNotice.id.desc())


def notice_for(user_id: int, notice_id: int) -> OutboxNotice:
    """One of the person's notices; anyone else's is not found."""
    notice = db.session.get(OutboxNotice, notice_id)
    if notice is None or notice.user_id != user_id:
        raise NotFound("notice_not_found", _l("Notice not found."))
    return notice


def mark_read(user_id: int, notice_id: int | None = None, *, now: datetime | None = None) -> int:
    """Mark one notice (or all of them) read; returns how many changed."""
    query = sa.update(OutboxNotice).where(OutboxNotice.user_id == user_id, OutboxNotice.read_at.is_(None))
    if notice_id is not None:
        notice_for(user_id, notice_id)
        query = query.where(OutboxNotice.id == notice_id)
    result = db.session.execute(query.values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    db.session.expire_all()
    return result.rowcount or 0


def safe_link(notice: OutboxNotice) -> str | None:
    """The notice's link when it stays on this site."""
    link = notice.link or ""
    return link if link.startswith("/") and not link.startswith("//") and "\\" not in link else None
