"""Notices for reports now live in pointsbank.notices; these names are kept for the report pages and API."""

from __future__ import annotations

from pointsbank.notices import service as _notices
from pointsbank.notices.models import OutboxNotice


def notify(user_id: int, text: str, *, link: str = "", subject: tuple[str, int | None] | None = None) -> OutboxNotice:
    """Post a notice whose text is already written (shown as it is); new code posts a code with parameters."""
    return _notices.notify(user_id, "legacy.text", {"text": text[:400]}, link=link, subject=subject)


def unread_count(user_id: int) -> int:
    """How many notices the user has not read."""
    return _notices.unread_count(user_id)


def notices(user_id: int, *, page: int = 1, per_page: int = 20) -> tuple[list[OutboxNotice], int]:
    """The user's notices, newest first, and how many there are."""
    from pointsbank.paging import page_of_query

    answer = page_of_query(_notices.notices_query(user_id), {"page": page, "per_page": per_page})
    return list(answer["items"]), answer["total"]


def mark_read(user_id: int, notice_id: int | None = None) -> int:
    """Mark one notice (or all of them) as read; returns how many changed."""
    return _notices.mark_read(user_id, notice_id)


def get_notice(user_id: int, notice_id: int) -> OutboxNotice:
    """One of the user's notices, else NotFound."""
    return _notices.notice_for(user_id, notice_id)
