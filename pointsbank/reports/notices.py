"""In-app notices for one user (any feature may post one): post, count unread, list, mark read."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.reports.models import Notice


def notify(user_id: int, text: str, *, link: str = "", subject: tuple[str, int | None] | None = None) -> Notice:
    """Post an in-app notice to a user."""
    notice = Notice(user_id=user_id, text=text[:400], link=link[:200])
    if subject:
        notice.subject_type, notice.subject_id = subject
    db.session.add(notice)
    db.session.flush()
    return notice


def unread_count(user_id: int) -> int:
    """How many notices the user has not read."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
        )
        or 0
    )


def notices(user_id: int, *, page: int = 1, per_page: int = 20) -> tuple[list[Notice], int]:
    """The user's notices, newest first."""
    base = sa.select(Notice).where(Notice.user_id == user_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    items = db.session.scalars(base.order_by(Notice.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def mark_read(user_id: int, notice_id: int | None = None) -> int:
    """Mark one notice (or all of them) as read; returns how many changed."""
    query = sa.update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    if notice_id is not None:
        if db.session.get(Notice, notice_id) is None or db.session.get(Notice, notice_id).user_id != user_id:
            raise NotFound("notice_not_found", _l("Notice not found."))
        query = query.where(Notice.id == notice_id)
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.expire_all()
    return result.rowcount or 0


def get_notice(user_id: int, notice_id: int) -> Notice:
    """One of the user's notices, else NotFound."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.user_id != user_id:
        raise NotFound()
    return notice
